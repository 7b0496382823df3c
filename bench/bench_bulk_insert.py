"""Bulk insert of intelligence rows: the storage layer beside raw sqlite3.executemany.

Both write the same pre-built rows into a fresh store file with the same pragmas (WAL,
synchronous=FULL) in one transaction. The raw side does only the conversions SQLite needs (JSON
text, ISO timestamps); the storage side goes through ``repositories.intelligence.bulk_insert``.
Target: storage ≥ 0.3× raw.

    .venv/bin/python bench/bench_bulk_insert.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import FLAGS, INDICATORS, ITEM_COLUMNS

from eqvisit.domain.ids import new_id
from eqvisit.storage import models as m
from eqvisit.storage.engine import CACHE_SIZE_KIB
from eqvisit.storage.repositories import intelligence
from eqvisit.storage.store import open_store


def build_rows(count: int, provider_ids: list[str]) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "id": new_id(),
            "provider_id": provider_ids[i % len(provider_ids)],
            "source": "nts",
            "period": str(2021 + i % 5),
            "indicator": INDICATORS[i % len(INDICATORS)],
            "dimensions": {"programme": "Foundation", "level": "F1"},
            "n": 3 + i % 50,
            "value": 60.0 + (i % 40),
            "benchmark": 78.0,
            "flag": FLAGS[i % len(FLAGS)],
            "text": None,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]


def fresh_store(folder: Path, name: str, provider_ids: list[str]) -> Path:
    path = folder / f"{name}.sqlite3"
    store = open_store(path, key=None)
    with store.unit_of_work() as uow:
        for index, provider_id in enumerate(provider_ids):
            uow.session.add(
                m.Provider(
                    id=provider_id, ods_code=f"R{index:04d}", name=f"Trust {index}", kind="trust"
                )
            )
        uow.commit()
    store.close()
    return path


def time_storage(path: Path, rows: list[dict[str, Any]]) -> float:
    store = open_store(path, key=None)
    start = time.perf_counter()
    with store.unit_of_work() as uow:
        intelligence.bulk_insert(uow.session, rows)
        uow.commit()
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def time_raw(path: Path, rows: list[dict[str, Any]]) -> float:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute(f"PRAGMA cache_size=-{CACHE_SIZE_KIB:d}")
    columns, marks = ", ".join(ITEM_COLUMNS), ", ".join("?" * len(ITEM_COLUMNS))
    sql = f"INSERT INTO intelligence_items ({columns}) VALUES ({marks})"  # noqa: S608 constants only
    start = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        sql,
        (
            (
                r["id"],
                r["provider_id"],
                r["source"],
                r["period"],
                r["indicator"],
                json.dumps(r["dimensions"]),
                r["n"],
                r["value"],
                r["benchmark"],
                r["flag"],
                r["text"],
                r["created_at"].isoformat(" "),
                r["updated_at"].isoformat(" "),
            )
            for r in rows
        ),
    )
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    provider_ids = [new_id() for _ in range(250)]
    rows = build_rows(args.rows, provider_ids)
    with tempfile.TemporaryDirectory() as folder:
        raw_seconds = time_raw(fresh_store(Path(folder), "raw", provider_ids), rows)
        storage_seconds = time_storage(fresh_store(Path(folder), "storage", provider_ids), rows)
    raw_rate, storage_rate = args.rows / raw_seconds, args.rows / storage_seconds
    print(f"bulk insert of {args.rows:,} intelligence rows (SQLite, WAL, synchronous=FULL)")
    print(f"  raw sqlite3.executemany : {raw_seconds:7.2f} s  {raw_rate:12,.0f} rows/s")
    print(f"  storage layer           : {storage_seconds:7.2f} s  {storage_rate:12,.0f} rows/s")
    print(f"  ratio storage/raw       : {storage_rate / raw_rate:7.2f}×  (target ≥ 0.30×)")


if __name__ == "__main__":
    main()
