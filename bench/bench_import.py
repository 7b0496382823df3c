"""Import of intelligence rows into the central store, beside raw driver inserts of the same rows.

One NTS CSV of ``--rows`` rows (default 1,000,000) over the real trusts of ``etr.csv`` is
imported with ``import_intelligence`` — read, validate, natural-key ids, existence check, change
log and merged records, one transaction — into a fresh central store. The baseline then writes
*the same rows the import wrote* (read back from that store: every ``sv_change_log`` and
``sv_records`` row of the import) into a second fresh store with the bare driver: SQLite
``sqlite3.executemany`` (same pragmas: WAL, synchronous=FULL), PostgreSQL psycopg
``executemany`` and ``COPY``. Only the baseline's inserts and commit are timed, so the ratio is
the price of everything the importer does above the driver. Target on SQLite: ≥ 0.3× raw.

    .venv/bin/python bench/bench_import.py [--rows 1000000] [--pg-url postgresql+psycopg://…]

PostgreSQL runs when ``--pg-url`` or ``EQVISIT_TEST_PG_URL`` is set (a scratch schema per store,
dropped afterwards).
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from harness import pg_schema
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from eqvisit.domain.enums import ProviderKind
from eqvisit.domain.ods import read_ods_lines
from eqvisit.resources import resource_path
from eqvisit.storage.engine import CACHE_SIZE_KIB
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.server.demo import NTS_INDICATORS
from eqvisit.sync.server.importing.intelligence import import_intelligence
from eqvisit.sync.server.importing.ods import import_ods
from eqvisit.sync.server.importing.textfile import text_lines
from eqvisit.sync.server.national import LEVELS, PROGRAMMES

ETR = resource_path("data", "ods", "etr.csv")
HEADER = (
    "year,ods_code,survey,programme,level,indicator,n,mean,ci_lower,ci_upper,"
    "benchmark_q1,benchmark_median,benchmark_q3,flag"
)
FLAGS = ("red", "pink", "white", "white", "white", "light_green", "green")
LOG_COLUMNS = (
    "change_id, record_type, record_id, scope, fields, base, hlc, author_id, device_id, received_at"
)
RECORD_COLUMNS = "record_type, record_id, scope, created_by, state"
CHUNK = 10_000


def write_csv(path: Path, rows: int) -> None:
    codes = [r.ods_code for r in read_ods_lines(text_lines(ETR), str(ETR), ProviderKind.TRUST)]
    combos = [(p, level) for p in PROGRAMMES for level in LEVELS]
    years = ("2022", "2023", "2024", "2025", "2026")
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        handle.write(HEADER + "\n")
        i = 0
        for code in codes:
            for programme, level in combos:
                for year in years:
                    for indicator in NTS_INDICATORS:
                        if i == rows:
                            return
                        n = 3 + i % 50
                        mean = 55 + (i * 7) % 40
                        out.writerow(
                            (year, code, "trainee", programme, level, indicator, n, mean,
                             mean - 4, mean + 4, 70, 75, 80, FLAGS[i % len(FLAGS)])
                        )  # fmt: skip
                        i += 1
    raise SystemExit(f"at most {i:,} rows with these trusts and programmes")


def fresh_store(url: str) -> Any:
    engine = open_central_store(url)
    with Session(engine) as session, session.begin():
        import_ods(session, ServerClock(), ETR)
    return engine


def time_import(url: str, csv_path: Path) -> float:
    engine = fresh_store(url)
    start = time.perf_counter()
    with Session(engine) as session, session.begin():
        report = import_intelligence(session, ServerClock(), csv_path, "nts")
    elapsed = time.perf_counter() - start
    engine.dispose()
    if report.added == 0 or report.unknown:
        raise SystemExit(report.render())
    return elapsed


def imported_rows(
    fetch: Callable[[str], Iterator[list[tuple[Any, ...]]]],
) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """The import's change-log rows, then its merged records, in chunks, as stored."""
    where = "WHERE record_type = 'intelligence_items'"
    for chunk in fetch(f"SELECT {LOG_COLUMNS} FROM sv_change_log {where} ORDER BY seq"):  # noqa: S608
        yield "sv_change_log", chunk
    for chunk in fetch(f"SELECT {RECORD_COLUMNS} FROM sv_records {where}"):  # noqa: S608
        yield "sv_records", chunk


# --- SQLite -------------------------------------------------------------------------------


def sqlite_chunks(path: Path) -> Callable[[str], Iterator[list[tuple[Any, ...]]]]:
    def fetch(sql: str) -> Iterator[list[tuple[Any, ...]]]:
        connection = sqlite3.connect(path)
        cursor = connection.execute(sql)
        while chunk := cursor.fetchmany(CHUNK):
            yield chunk
        connection.close()

    return fetch


def time_raw_sqlite(source: Path, target: Path) -> float:
    fresh_store(str(target)).dispose()
    connection = sqlite3.connect(target, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", f"cache_size=-{CACHE_SIZE_KIB:d}"):
        connection.execute(f"PRAGMA {pragma}")
    sql = {
        "sv_change_log": f"INSERT INTO sv_change_log ({LOG_COLUMNS}) VALUES ({', '.join('?' * 10)})",  # noqa: E501, S608
        "sv_records": f"INSERT INTO sv_records ({RECORD_COLUMNS}) VALUES ({', '.join('?' * 5)})",  # noqa: S608
    }
    elapsed = 0.0
    connection.execute("BEGIN IMMEDIATE")
    for table, chunk in imported_rows(sqlite_chunks(source)):
        start = time.perf_counter()
        connection.executemany(sql[table], chunk)
        elapsed += time.perf_counter() - start
    start = time.perf_counter()
    connection.execute("COMMIT")
    elapsed += time.perf_counter() - start
    connection.close()
    return elapsed


def bench_sqlite(csv_path: Path, rows: int, folder: Path) -> None:
    imported = folder / "import.sqlite3"
    import_seconds = time_import(str(imported), csv_path)
    raw_seconds = time_raw_sqlite(imported, folder / "raw.sqlite3")
    report(
        "SQLite (WAL, synchronous=FULL)",
        rows,
        import_seconds,
        [("raw sqlite3.executemany", raw_seconds)],
        0.3,
    )


# --- PostgreSQL ---------------------------------------------------------------------------


def psycopg_connect(url: str) -> Any:
    import psycopg

    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        dbname=parsed.database,
        options=parsed.query.get("options"),
    )


def pg_chunks(url: str) -> Callable[[str], Iterator[list[tuple[Any, ...]]]]:
    def fetch(sql: str) -> Iterator[list[tuple[Any, ...]]]:
        # JSON columns as text, so the baseline sends exactly what is stored.
        sql = sql.replace("fields, base", "fields::text, base::text").replace(
            "state", "state::text"
        )
        with psycopg_connect(url) as connection, connection.cursor(name="bench") as cursor:
            cursor.execute(sql)  # type: ignore[arg-type]
            while chunk := cursor.fetchmany(CHUNK):
                yield chunk

    return fetch


def time_raw_pg(source_url: str, target_url: str, *, copy: bool) -> float:
    fresh_store(target_url).dispose()
    columns = {"sv_change_log": LOG_COLUMNS, "sv_records": RECORD_COLUMNS}
    elapsed = 0.0
    with psycopg_connect(target_url) as connection:
        with connection.cursor() as cursor:
            for table, chunk in imported_rows(pg_chunks(source_url)):
                start = time.perf_counter()
                if copy:
                    with cursor.copy(f"COPY {table} ({columns[table]}) FROM STDIN") as writer:  # type: ignore[arg-type]
                        for row in chunk:
                            writer.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(chunk[0]))
                    cursor.executemany(
                        f"INSERT INTO {table} ({columns[table]}) VALUES ({marks})",  # type: ignore[arg-type]  # noqa: S608
                        chunk,
                    )
                elapsed += time.perf_counter() - start
        start = time.perf_counter()
        connection.commit()
        elapsed += time.perf_counter() - start
    return elapsed


def bench_pg(url: str, csv_path: Path, rows: int) -> None:
    with pg_schema(url) as imported:
        import_seconds = time_import(imported, csv_path)
        with pg_schema(url) as raw:
            many_seconds = time_raw_pg(imported, raw, copy=False)
        with pg_schema(url) as raw:
            copy_seconds = time_raw_pg(imported, raw, copy=True)
    report(
        "PostgreSQL",
        rows,
        import_seconds,
        [("raw psycopg executemany", many_seconds), ("raw psycopg COPY", copy_seconds)],
        None,
    )


def report(
    title: str,
    rows: int,
    import_seconds: float,
    baselines: list[tuple[str, float]],
    target: float | None,
) -> None:
    print(f"import of {rows:,} NTS rows — {title}")
    width = max(len(name) for name, _ in baselines)
    for name, seconds in baselines:
        print(f"  {name:<{width}} : {seconds:7.2f} s  {rows / seconds:10,.0f} rows/s")
    name = "import-intelligence"
    print(f"  {name:<{width}} : {import_seconds:7.2f} s  {rows / import_seconds:10,.0f} rows/s")
    for name, seconds in baselines:
        goal = f"  (target ≥ {target:.2f}×)" if target else ""
        print(f"  ratio import / {name}: {seconds / import_seconds:5.2f}×{goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg-url", default=os.environ.get("EQVISIT_TEST_PG_URL"))
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        csv_path = folder / "nts.csv"
        write_csv(csv_path, args.rows)
        print(f"{csv_path.stat().st_size / 1e6:.0f} MB of CSV")
        if not args.skip_sqlite:
            bench_sqlite(csv_path, args.rows, folder)
        if args.pg_url:
            bench_pg(args.pg_url, csv_path, args.rows)
        else:
            print("PostgreSQL skipped: give --pg-url or set EQVISIT_TEST_PG_URL")


if __name__ == "__main__":
    main()
