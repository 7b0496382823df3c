"""Initial pull of a 1,000,000-row intelligence scope over loopback HTTP, beside raw sqlite3.

A central store (a SQLite file, or a throw-away schema on PostgreSQL with ``--pg``) holds one
provider whose scope ``provider:<id>`` has ``--rows`` intelligence_items records, seeded by Core
bulk inserts into ``sv_change_log`` and ``sv_records`` that mirror what ``server_write`` writes,
and a visit of that provider led by a quality lead. A real ``eqvisit server`` (uvicorn) runs in a
child process on 127.0.0.1. A fresh laptop profile signs in as the lead, and one timed
``SyncService.sync_once()`` reads every scope over HTTP (the provider's through its feed: pages of
20,000, gzip, the next page fetched and made ready while one is written) and applies it.

The baseline, in the same run, is raw ``executemany`` (SQLCipher's ``sqlite3`` module) of the same
rows into a fresh laptop store (same schema, pragmas and encryption: WAL, synchronous=FULL, a raw
SQLCipher key, as a laptop profile's store) in one transaction: the intelligence_items rows, i.e.
the floor of what the pull has to write (a scope the central store owns is held without stamps),
with only the conversions SQLite needs (JSON text). ``--breakdown`` also times fetching every page
of the scope over HTTP without applying it (server, wire and the client's parsing), which splits
the end-to-end time between the central store and the laptop. Target: end to end ≥ 100,000 rows/s.

    .venv/bin/python bench/bench_sync_pull.py [--rows 1000000] [--runs 3] [--pg URL] [--breakdown]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
import orjson
from harness import FLAGS, INDICATORS, ITEM_COLUMNS, central_store, eqvisit_server
from sqlalchemy import Engine, Table, func, insert, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from eqvisit.app_services import open_services
from eqvisit.domain.enums import PanelRole, ProviderKind, UserRole, VisitType
from eqvisit.domain.ids import new_id
from eqvisit.paths import resolve_profile
from eqvisit.services.credentials import CredentialStore
from eqvisit.services.store_keys import Unlock
from eqvisit.services.sync import SyncReport, SyncService, http_client
from eqvisit.storage import models as m
from eqvisit.storage.bulk import plan_json_insert
from eqvisit.storage.cipher import KEY_BYTES, connect
from eqvisit.storage.engine import CACHE_SIZE_KIB
from eqvisit.storage.store import open_store
from eqvisit.sync.client import SyncClient
from eqvisit.sync.protocol import MAX_FEED_PAGE
from eqvisit.sync.server import admin
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.server.exchange import SERVER_DEVICE
from eqvisit.sync.server.models import ChangeLogEntry, ServerRecord

PASSWORD = "a long enough password"  # noqa: S105 a throw-away benchmark user
SEED_BATCH = 10_000
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's DateTime stores values in SQLite


@dataclass(frozen=True)
class Seeded:
    provider_id: str
    record_ids: list[str]
    created: datetime
    seconds: float

    @property
    def scope(self) -> str:
        return f"provider:{self.provider_id}"


def item_fields(index: int, provider_id: str, stamp: str) -> dict[str, Any]:
    """The fields of one intelligence record, as they travel on the wire."""
    return {
        "provider_id": provider_id,
        "source": "nts",
        "period": str(2021 + index % 5),
        "indicator": INDICATORS[index % len(INDICATORS)],
        "dimensions": {"programme": "Foundation", "level": "F1"},
        "n": 3 + index % 50,
        "value": 60.0 + (index % 40),
        "benchmark": 78.0,
        "flag": FLAGS[index % len(FLAGS)],
        "text": None,
        "created_at": stamp,
        "updated_at": stamp,
    }


def seed_central(engine: Engine, rows: int) -> Seeded:
    """A lead, a provider, a visit of it, and ``rows`` intelligence records in its scope."""
    clock = ServerClock()
    start = time.perf_counter()
    with Session(engine) as session, session.begin():
        admin.create_user(session, clock, "lead", UserRole.QUALITY_LEAD, PASSWORD)
        provider_id = admin.ensure_provider(session, clock, "RBEN1", "Bench NHS Trust")
        visit_id = admin.create_visit(
            session, clock, provider_id, "Bench review", VisitType.RISK_BASED_REVIEW
        )
        admin.assign(session, clock, "lead", visit_id, PanelRole.LEAD)
    created = datetime.now(UTC)
    stamp = created.isoformat()
    scope = f"provider:{provider_id}"
    record_ids = [new_id() for _ in range(rows)]
    log_table = cast(Table, ChangeLogEntry.__table__)
    record_table = cast(Table, ServerRecord.__table__)
    with engine.begin() as connection:
        for first in range(0, rows, SEED_BATCH):
            entries: list[dict[str, Any]] = []
            records: list[dict[str, Any]] = []
            for index in range(first, min(rows, first + SEED_BATCH)):
                fields = item_fields(index, provider_id, stamp)
                hlc = str(clock.now())
                change_id = str(uuid.uuid4())
                record_id = record_ids[index]
                entries.append(
                    {
                        "change_id": change_id,
                        "record_type": "intelligence_items",
                        "record_id": record_id,
                        "scope": scope,
                        "fields": fields,
                        "base": dict.fromkeys(fields),
                        "hlc": hlc,
                        "author_id": None,
                        "device_id": SERVER_DEVICE,
                        "received_at": created,
                    }
                )
                records.append(
                    {
                        "record_type": "intelligence_items",
                        "record_id": record_id,
                        "scope": scope,
                        "created_by": None,
                        "state": {
                            name: {
                                "value": value,
                                "hlc": hlc,
                                "device_id": SERVER_DEVICE,
                                "author_id": None,
                                "base": None,
                                "change_id": change_id,
                            }
                            for name, value in fields.items()
                        },
                    }
                )
            connection.execute(insert(log_table), entries)
            connection.execute(insert(record_table), records)
    return Seeded(provider_id, record_ids, created, time.perf_counter() - start)


class Recording(httpx.BaseTransport):
    """The real HTTP transport, keeping every answer as it came off the wire (gzip and all)."""

    def __init__(self) -> None:
        self._wire = httpx.HTTPTransport()
        self.answers: dict[
            tuple[str, str, bytes], tuple[int, list[tuple[bytes, bytes]], bytes]
        ] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._wire.handle_request(request)
        body = b"".join(response.stream)  # type: ignore[union-attr]
        response.close()
        key = (request.method, request.url.path, request.url.query)
        self.answers[key] = (response.status_code, response.headers.raw, body)
        return httpx.Response(response.status_code, headers=response.headers.raw, content=body)


class Replay(httpx.BaseTransport):
    """Answers a laptop's requests from a :class:`Recording`: the central store's work done."""

    def __init__(self, recording: Recording) -> None:
        self._answers = recording.answers

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.method, request.url.path, request.url.query)
        status, headers, body = self._answers[key]
        return httpx.Response(status, headers=headers, content=body)


def time_pull(
    url: str, folder: Path, transport: httpx.BaseTransport | None = None
) -> tuple[float, SyncReport, int]:
    """Sign a fresh laptop in as the lead and time one ``sync_once()`` (its requests through
    ``transport`` when given)."""
    paths = resolve_profile(folder / "laptop").ensure()
    services = open_services(paths, Unlock.from_environment(demo=True))  # synthetic data

    def client(server_url: str, device_id: str, token: str | None) -> SyncClient:
        return SyncClient(server_url, device_id, token=token, transport=transport)

    try:
        sync = SyncService(
            services.context,
            CredentialStore(paths.config_dir, use_keychain=False),
            http_client if transport is None else client,
        )
        sync.login(url, "lead", PASSWORD, "bench laptop")
        start = time.perf_counter()
        report = sync.sync_once()
        elapsed = time.perf_counter() - start
        with services.context.store.unit_of_work() as uow:
            held = uow.session.scalar(select(func.count()).select_from(m.IntelligenceItem)) or 0
    finally:
        services.close()
    return elapsed, report, held


def time_fetch_only(url: str, scope: str) -> tuple[float, int]:
    """Every page of ``scope``'s feed over HTTP, parsed by the client, not applied."""
    with SyncClient(url, new_id()) as client:
        client.login("lead", PASSWORD, "bench fetch")
        fetched = after = 0
        start = time.perf_counter()
        while True:
            page = client.feed_page(scope, after, MAX_FEED_PAGE)
            fetched += len(page.changes)
            after = page.cursor
            if not page.more:
                break
        return time.perf_counter() - start, fetched


def _raw_store(folder: Path, seeded: Seeded) -> Any:
    """A fresh laptop store (the provider only), encrypted and set up as a profile's store is,
    as a bare SQLCipher connection."""
    path = folder / "raw.sqlite3"
    key = os.urandom(KEY_BYTES)  # encrypted like the laptop profile the pull writes into
    store = open_store(path, key=key)
    with store.unit_of_work() as uow:
        uow.session.add(
            m.Provider(
                id=seeded.provider_id, ods_code="RBEN1", name="Bench", kind=ProviderKind.TRUST
            )
        )
        uow.commit()
    store.close()
    connection = connect(path, key)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute(f"PRAGMA cache_size=-{CACHE_SIZE_KIB:d}")
    return connection


def _raw_rows(seeded: Seeded, dimensions: Any) -> Iterator[tuple[Any, ...]]:
    """The intelligence rows as the store holds them (``dimensions`` as given)."""
    created = seeded.created.strftime(SQLITE_DATETIME)
    for index, record_id in enumerate(seeded.record_ids):
        yield (
            record_id,
            seeded.provider_id,
            "nts",
            str(2021 + index % 5),
            INDICATORS[index % len(INDICATORS)],
            dimensions,
            3 + index % 50,
            60.0 + (index % 40),
            78.0,
            FLAGS[index % len(FLAGS)],
            None,
            created,
            created,
        )


def time_raw(folder: Path, seeded: Seeded) -> float:
    """Raw executemany of the same rows into a fresh, encrypted laptop store, one transaction."""
    connection = _raw_store(folder, seeded)
    items_sql = (
        f"INSERT INTO intelligence_items ({', '.join(ITEM_COLUMNS)}) "  # noqa: S608 constants only
        f"VALUES ({', '.join('?' * len(ITEM_COLUMNS))})"
    )
    dimensions = json.dumps({"programme": "Foundation", "level": "F1"})
    start = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(items_sql, _raw_rows(seeded, dimensions))
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def time_raw_json(folder: Path, seeded: Seeded) -> float:
    """The statement the pull writes with (``storage/bulk.py: insert_json``) alone: the same rows
    in feed-sized pages, each page's JSON made before the clock starts, one transaction."""
    connection = _raw_store(folder, seeded)
    table = cast(Table, m.IntelligenceItem.__table__)
    sql = plan_json_insert(table, ITEM_COLUMNS, sqlite.dialect(paramstyle="qmark")).sql
    rows = list(_raw_rows(seeded, {"programme": "Foundation", "level": "F1"}))
    step = MAX_FEED_PAGE
    pages = [orjson.dumps(rows[at : at + step]) for at in range(0, len(rows), step)]
    start = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    for page in pages:
        connection.execute(sql, (page,))
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def run(args: argparse.Namespace, db_url: str, folder: Path, label: str) -> None:
    load = os.getloadavg()[0]
    engine = open_central_store(db_url)
    try:
        seeded = seed_central(engine, args.rows)
    finally:
        engine.dispose()
    raws: list[float] = []
    pulls: list[float] = []
    laptop_only: float | None = None
    json_insert: float | None = None
    with eqvisit_server(db_url, folder) as url:
        fetch = time_fetch_only(url, seeded.scope) if args.breakdown else None
        if args.breakdown:
            recording = Recording()
            time_pull(url, folder / "recorded", recording)
            laptop_only = time_pull(url, folder / "replayed", Replay(recording))[0]
            json_insert = time_raw_json(folder / "raw-json", seeded)
        for attempt in range(args.runs):  # raw and pull in turn: a slow spell hits both alike
            raws.append(time_raw(folder / f"raw-{attempt}", seeded))
            seconds, report, held = time_pull(url, folder / f"pull-{attempt}")
            pulls.append(seconds)
    rows = args.rows
    raw_seconds, pull_seconds = statistics.median(raws), statistics.median(pulls)
    raw_rate, pull_rate = rows / raw_seconds, rows / pull_seconds
    print(f"initial pull of {rows:,} intelligence rows over loopback HTTP")
    print(f"  central store {label}; laptop SQLite (WAL, synchronous=FULL)")
    print(f"  {os.cpu_count()} CPUs; load average at the start {load:.2f}")
    print(f"  seeding the central store (untimed): {seeded.seconds:.1f} s")
    print(f"  medians of {args.runs} runs; each run's rate in brackets")
    print(
        f"  raw executemany (encrypted)  : {raw_seconds:7.2f} s  {raw_rate:12,.0f} rows/s"
        f"  [{_rates(rows, raws)}]"
    )
    if fetch is not None:
        fetch_seconds, fetched = fetch
        print(
            f"  HTTP pages only, no apply    : {fetch_seconds:7.2f} s  "
            f"{fetched / fetch_seconds:12,.0f} rows/s  ({fetched:,} rows)"
        )
    if json_insert is not None:
        print(
            f"  raw INSERT … jsonb_each      : {json_insert:7.2f} s  "
            f"{rows / json_insert:12,.0f} rows/s  (the pull's statement, its JSON made untimed)"
        )
    if laptop_only is not None:
        print(
            f"  laptop alone (store replayed): {laptop_only:7.2f} s  "
            f"{rows / laptop_only:12,.0f} rows/s  (the answers recorded off the wire)"
        )
    print(
        f"  end to end sync_once()       : {pull_seconds:7.2f} s  {pull_rate:12,.0f} rows/s"
        f"  [{_rates(rows, pulls)}]"
    )
    print(f"  target end to end            : ≥ 100,000 rows/s  ({pull_rate / 100_000:.2f}× target)")
    print(f"  ratio end to end / raw       : {pull_rate / raw_rate:7.2f}×")
    print(
        f"  sync report: pulled {report.pulled:,}, applied {report.applied:,}; "
        f"laptop holds {held:,} intelligence rows"
    )
    if held != rows:
        print(f"  WARNING: expected {rows:,} intelligence rows on the laptop")


def _rates(rows: int, seconds: list[float]) -> str:
    return ", ".join(f"{rows / s:,.0f}" for s in seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="intelligence rows to pull")
    parser.add_argument(
        "--pg", metavar="URL", help="central store on PostgreSQL (a temporary schema in URL)"
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="also time fetching the pages without applying"
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="pulls (each into a fresh laptop) and raw baselines"
    )
    args = parser.parse_args()
    with central_store(args.pg, "bench-sync-pull-") as (url, folder, label):
        run(args, url, folder, label)


if __name__ == "__main__":
    main()
