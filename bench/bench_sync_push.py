"""Push throughput and latency with 16 concurrent clients, beside a bare Starlette endpoint.

A central store (a SQLite file, or a throw-away schema on PostgreSQL with ``--pg``) holds one
visit with ``--clients`` panel members, each with a session of their own. Two servers run as
child processes on 127.0.0.1, each uvicorn with the same settings as ``eqvisit server``:

* the real one, ``eqvisit server`` (FastAPI: token check, per-change permission checks,
  change log and merged records; batches that arrive together share one transaction, each
  answered as if alone: docs/sync.md, "Push under load");
* a bare Starlette endpoint on the same database (same engine factory and pragmas) that parses
  the same JSON body and inserts one row per change into a plain table in one transaction.

Each client is a thread with its own signed-in device and token and its own HTTP connection; it
pushes ``--changes`` new responses into its own session in batches of ``--batch`` (closed loop:
the next batch goes when the previous one is answered). Bodies are encoded before the clock
starts and both servers get byte-identical change lists, so the client side costs the same.
Latency is per request as the client sees it. One untimed warm-up batch per client first.
Targets: throughput ≥ 0.5× the bare endpoint, p99 ≤ 100 ms.

    .venv/bin/python bench/bench_sync_push.py [--clients 16] [--changes 1000] [--batch 20]
        [--pg URL]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from harness import central_store, child_server, free_port, percentile, session_fields
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from eqvisit.domain.enums import PanelRole, UserRole, VisitType
from eqvisit.domain.hlc import HybridClock
from eqvisit.domain.ids import new_id
from eqvisit.storage.engine import create_database_engine
from eqvisit.storage.types import UTCDateTime
from eqvisit.sync.client import SyncClient
from eqvisit.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, Change, PushRequest
from eqvisit.sync.server import admin
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.database import database_url, open_central_store
from eqvisit.sync.server.exchange import server_write
from eqvisit.sync.server.models import ChangeLogEntry

PASSWORD = "a long enough password"  # noqa: S105 a throw-away benchmark user
RESPONSE_FIELDS = (
    "session_id",
    "author_id",
    "question_id",
    "value",
    "note",
    "safety_flag",
    "deleted_at",
)
TARGET_RATIO = 0.5
TARGET_P99_MS = 100.0
WAIT_SECONDS = 1800  # the most any phase may take before the run gives up on it
NOTE = (
    "Trainees describe supervision out of hours as variable: registrars are often covering two "
    "wards and the foundation doctors could not always reach them. Handover at 9pm is now "
    "structured and well attended."
)

BARE = MetaData()
BARE_TABLE = Table(
    "bench_bare_push",
    BARE,
    Column("record_id", String(64), primary_key=True),
    Column("change_id", String(64)),
    Column("scope", String(80)),
    Column("session_id", String(64)),
    Column("author_id", String(64)),
    Column("question_id", String(80)),
    Column("value", JSON),
    Column("note", Text),
    Column("safety_flag", Boolean),
    Column("hlc", String(24)),
    Column("device_id", String(64)),
    Column("received_at", UTCDateTime),
)


# --- the bare endpoint (runs in its own process: ``--serve-bare``) --------------------------


def bare_app(db_url: str) -> Starlette:
    """POST /push: parse the JSON body, insert one row per change in one transaction."""
    engine = create_database_engine(database_url(db_url))

    def store(rows: list[dict[str, Any]]) -> None:
        with engine.begin() as connection:
            connection.execute(insert(BARE_TABLE), rows)

    async def push(request: Request) -> JSONResponse:
        body = await request.json()
        now = datetime.now(UTC)
        rows = [
            {
                "record_id": change["record_id"],
                "change_id": change["change_id"],
                "scope": change["scope"],
                "session_id": change["fields"]["session_id"],
                "author_id": change["author_id"],
                "question_id": change["fields"]["question_id"],
                "value": change["fields"]["value"],
                "note": change["fields"]["note"],
                "safety_flag": change["fields"]["safety_flag"],
                "hlc": change["hlc"],
                "device_id": change["device_id"],
                "received_at": now,
            }
            for change in body["changes"]
        ]
        await run_in_threadpool(store, rows)
        return JSONResponse({"accepted": len(rows)})

    return Starlette(routes=[Route("/push", push, methods=["POST"])])


def serve_bare(db_url: str, port: int) -> None:
    import uvicorn

    uvicorn.run(
        bare_app(db_url), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


# --- set-up -------------------------------------------------------------------------------


@dataclass
class Pusher:
    """One client: a user on the panel, a session of theirs, a device and its token."""

    username: str
    user_id: str
    session_id: str
    device_id: str = field(default_factory=new_id)
    token: str = ""


def seed_central(engine: Engine, clients: int) -> tuple[str, list[Pusher]]:
    clock = ServerClock()
    pushers: list[Pusher] = []
    with Session(engine) as session, session.begin():
        admin.create_user(session, clock, "lead", UserRole.QUALITY_LEAD, PASSWORD)
        provider_id = admin.ensure_provider(session, clock, "RBEN1", "Bench NHS Trust")
        visit_id = admin.create_visit(
            session, clock, provider_id, "Bench review", VisitType.RISK_BASED_REVIEW
        )
        admin.assign(session, clock, "lead", visit_id, PanelRole.LEAD)
        for number in range(clients):
            username = f"member{number:02d}"
            user = admin.create_user(session, clock, username, UserRole.PANEL_MEMBER, PASSWORD)
            admin.assign(session, clock, username, visit_id, PanelRole.EDUCATOR)
            session_id = new_id()
            server_write(
                session,
                "sessions",
                session_id,
                f"visit:{visit_id}",
                session_fields(visit_id, f"Session {number}"),
                clock,
                author_id=user.id,
            )
            pushers.append(Pusher(username, user.id, session_id))
    return visit_id, pushers


def batches_for(pusher: Pusher, visit_id: str, count: int, size: int) -> list[list[Change]]:
    """``count`` new responses of this client's own, as the laptop's outbox would send them."""
    clock = HybridClock()
    changes = [
        Change(
            change_id=new_id(),
            record_type="responses",
            record_id=new_id(),
            scope=f"visit:{visit_id}",
            fields={
                "session_id": pusher.session_id,
                "author_id": pusher.user_id,
                "question_id": f"q{index:05d}",
                "value": ("yes", "no", "partly")[index % 3],
                "note": NOTE,
                "safety_flag": False,
                "deleted_at": None,
            },
            base=dict.fromkeys(RESPONSE_FIELDS),
            hlc=str(clock.now(time.time_ns() // 1_000_000)),
            author_id=pusher.user_id,
            device_id=pusher.device_id,
        )
        for index in range(count)
    ]
    return [changes[start : start + size] for start in range(0, count, size)]


def encode(batch: Sequence[Change]) -> bytes:
    return json.dumps(PushRequest(changes=list(batch)).model_dump(mode="json")).encode()


# --- the load -----------------------------------------------------------------------------


@dataclass
class Outcome:
    seconds: float
    latencies_ms: list[float]
    rows: int
    failures: list[str]


def drive(
    url: str, path: str, headers_of: Sequence[dict[str, str]], bodies: Sequence[Sequence[bytes]]
) -> Outcome:
    """Every client thread sends its bodies in turn; the first one is an untimed warm-up.

    Latency counts every timed request, failed ones too; rows only those of answered requests.
    Each thread reconnects after the warm-up (uvicorn closes connections idle for 5 s, and the
    slowest warm-up can take that long), records failures instead of dying, and every wait is
    bounded, so a run always ends.
    """
    clients = len(bodies)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    finished = [0.0] * clients
    rows = [0] * clients
    failures: list[str] = []
    warmed = [threading.Event() for _ in range(clients)]
    go = threading.Event()

    def send(http: httpx.Client, body: bytes) -> bool:
        try:
            response = http.post(path, content=body)
        except httpx.HTTPError as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
            return False
        if response.status_code != 200 or b'"rejected"' in response.content:
            failures.append(f"{response.status_code}: {response.text[:200]}")
            return False
        return True

    def client(number: int) -> None:
        warm, *timed = bodies[number]
        try:
            with httpx.Client(base_url=url, headers=headers_of[number], timeout=120) as http:
                send(http, warm)
        finally:
            warmed[number].set()
        if not go.wait(timeout=WAIT_SECONDS):
            return
        with httpx.Client(base_url=url, headers=headers_of[number], timeout=120) as http:
            for body in timed:
                start = time.perf_counter()
                sent = send(http, body)
                latencies[number].append((time.perf_counter() - start) * 1000)
                if sent:
                    rows[number] += body.count(b'"change_id"')
        finished[number] = time.perf_counter()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for event in warmed:
        event.wait(timeout=WAIT_SECONDS)
    start = time.perf_counter()
    go.set()
    deadline = time.monotonic() + WAIT_SECONDS
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        failures.append(f"clients still running after {WAIT_SECONDS} s; their rows not counted")
    seconds = max(finished) - start
    flat = [value for per_client in latencies for value in per_client]
    return Outcome(seconds, flat, sum(rows), failures)


def server_errors(log_path: Path) -> list[str]:
    """The exception lines a server logged (the last line of each traceback), most common first."""
    if not log_path.exists():
        return []
    lines = log_path.read_text(errors="replace").splitlines()
    found = Counter(
        line[:200] for line in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception)\b", line)
    )
    return [f"{count} × {line}" for line, count in found.most_common(3)]


def run(args: argparse.Namespace, db_url: str, folder: Path, label: str) -> None:
    load = os.getloadavg()[0]
    engine = open_central_store(db_url)
    try:
        visit_id, pushers = seed_central(engine, args.clients)
        BARE.create_all(engine)
    finally:
        engine.dispose()
    per_client = args.changes + args.batch  # one extra batch for the warm-up
    real_bodies = []
    bare_bodies = []
    for pusher in pushers:
        batches = batches_for(pusher, visit_id, per_client, args.batch)
        real_bodies.append([encode(batch) for batch in batches])
        bare_bodies.append([encode(batch) for batch in batches])
    real_port, bare_port = free_port(), free_port()
    real_command = [
        *(sys.executable, "-m", "eqvisit", "server", "--db", db_url),
        *("--port", str(real_port), "--profile", str(folder / "server-profile")),
    ]
    bare_command = [sys.executable, __file__, "--serve-bare", str(bare_port), "--db", db_url]
    with (
        child_server(real_command, folder, "eqvisit server", real_port) as real_url,
        child_server(bare_command, folder, "bare endpoint", bare_port) as bare_url,
    ):
        for pusher in pushers:
            with SyncClient(real_url, pusher.device_id) as login:
                pusher.token = login.login(pusher.username, PASSWORD, "bench laptop").token
        json_header = {"Content-Type": "application/json"}
        bare = drive(bare_url, "/push", [json_header] * len(pushers), bare_bodies)
        real_headers = [
            {
                **json_header,
                PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                "X-Eqvisit-Device": pusher.device_id,
                "Authorization": f"Bearer {pusher.token}",
            }
            for pusher in pushers
        ]
        real = drive(real_url, "/v1/push", real_headers, real_bodies)
    engine = open_central_store(db_url)
    try:
        with engine.connect() as connection:
            logged = connection.scalar(
                select(func.count())
                .select_from(ChangeLogEntry.__table__)
                .where(ChangeLogEntry.record_type == "responses")
            )
            stored = connection.scalar(select(func.count()).select_from(BARE_TABLE))
    finally:
        engine.dispose()
    report(args, label, load, bare, real)
    for name in ("bare endpoint", "eqvisit server"):
        for line in server_errors(folder / f"{name}.log"):
            print(f"  {name} logged: {line}")
    expected = len(pushers) * per_client
    if logged != expected or stored != expected:
        print(f"  WARNING: expected {expected:,} rows; change log {logged}, bare table {stored}")


def report(args: argparse.Namespace, label: str, load: float, bare: Outcome, real: Outcome) -> None:
    print(
        f"push of {args.changes:,} new responses per client, {args.clients} concurrent clients, "
        f"batches of {args.batch}, over loopback HTTP"
    )
    print(
        f"  database {label}; one uvicorn process per server; {os.cpu_count()} CPUs; "
        f"load average at the start {load:.2f}"
    )
    for title, outcome in (("bare Starlette endpoint", bare), ("eqvisit /v1/push", real)):
        rate = outcome.rows / outcome.seconds
        print(
            f"  {title:<24}: {outcome.seconds:6.2f} s  {rate:9,.0f} rows/s  "
            f"{len(outcome.latencies_ms) / outcome.seconds:7,.1f} req/s  latency ms "
            f"p50 {percentile(outcome.latencies_ms, 0.5):7.1f}  "
            f"p99 {percentile(outcome.latencies_ms, 0.99):7.1f}"
        )
        for failure, count in Counter(outcome.failures).most_common(3):
            print(f"    FAILED {count} × {failure}")
    ratio = (real.rows / real.seconds) / (bare.rows / bare.seconds)
    print(f"  ratio eqvisit/bare        : {ratio:6.2f}×  (target ≥ {TARGET_RATIO:.2f}×)")
    print(
        f"  eqvisit p99               : {percentile(real.latencies_ms, 0.99):6.1f} ms "
        f"(target ≤ {TARGET_P99_MS:.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--changes", type=int, default=1000, help="responses each client pushes")
    parser.add_argument("--batch", type=int, default=20, help="changes per push request")
    parser.add_argument(
        "--pg", metavar="URL", help="database on PostgreSQL (a temporary schema in URL)"
    )
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare is not None:
        serve_bare(args.db, args.serve_bare)
        return
    with central_store(args.pg, "bench-sync-push-") as (url, folder, label):
        run(args, url, folder, label)


if __name__ == "__main__":
    main()
