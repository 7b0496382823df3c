"""Sync survives the network and the processes failing at the worst moments (DESIGN §4).

Connection resets before and after the server handled a call, at every request of a sync;
requests delivered twice and old pushes delivered again; a real ``eqvisit server`` SIGKILLed in
the middle of a push batch and restarted on the same SQLite file; a laptop's ``eqvisit sync``
SIGKILLed while it applies a large page; laptops whose clock is a day fast or slow. After
recovery: no acknowledged change is lost, none is applied twice, cursors are consistent, the
replicas equal the server and one more sync moves nothing.

The tests at the end are regressions for failures these tests found (and that are fixed).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import select
from sqlalchemy.orm import Session

from eqvisit.app_services import Services, open_services, store_keys
from eqvisit.domain.enums import Audience, FindingKind, PanelRole
from eqvisit.domain.ids import new_id
from eqvisit.errors import NetworkError
from eqvisit.paths import resolve_profile
from eqvisit.services.context import wall_clock_ms
from eqvisit.services.credentials import CredentialStore
from eqvisit.services.store_keys import Unlock
from eqvisit.services.sync import SyncReport, SyncService
from eqvisit.services.visits import SessionDraft
from eqvisit.storage.cipher import apply_key
from eqvisit.storage.models import FieldVersion, IntelligenceItem, OutboxState
from eqvisit.sync.client import SyncClient
from eqvisit.sync.protocol import MAX_PUSH_BATCH
from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.server.exchange import server_create_many
from eqvisit.sync.server.models import ChangeLogEntry, ServerRecord, ServerUser
from eqvisit.sync.transport import InProcessTransport
from tests.conftest import TEST_UNLOCK
from tests.sync.conftest import PASSWORD, Central, seed_central
from tests.sync.faulty import (
    Fault,
    FaultyTransport,
    assert_acknowledged_on_server,
    assert_change_log_unique,
    assert_cursors_consistent,
    assert_no_silent_loss,
    assert_owned_scope_matches_server,
    assert_replica_matches_server,
    cursors,
    outbox_rows,
    replay,
    server_session,
    server_snapshot,
)

DAY_MS = 24 * 60 * 60 * 1000
IN_PROCESS_URL = "http://central.test"


@dataclass
class Device:
    """One signed-in laptop whose every request goes through a :class:`FaultyTransport`."""

    services: Services
    sync: SyncService
    transport: FaultyTransport

    def sync_once(self) -> SyncReport:
        return self.sync.sync_once()


MakeDevice = Callable[[str], Device]


@pytest.fixture
def device(tmp_path: Path, central: Central) -> Iterator[MakeDevice]:
    """``device("lead")``: a laptop syncing in-process with the central store, faults on demand."""
    opened: list[Services] = []
    app = central.app

    def make(username: str) -> Device:
        paths = resolve_profile(tmp_path / f"device-{username}-{len(opened)}").ensure()
        services = open_services(paths, TEST_UNLOCK)
        opened.append(services)
        transport = FaultyTransport(InProcessTransport(app))
        sync = SyncService(
            services.context,
            CredentialStore(paths.config_dir, use_keychain=False),
            lambda url, device_id, token: SyncClient(
                url, device_id, token=token, transport=transport, sleep=lambda _s: None
            ),
        )
        sync.login(IN_PROCESS_URL, username, PASSWORD, f"{username}'s laptop")
        return Device(services, sync, transport)

    yield make
    for services in opened:
        services.close()


def assert_recovered(central: Central, *devices: Device) -> None:
    """After clean syncs: everything accepted and logged once, replicas equal to the server."""
    scope = f"visit:{central.visit_id}"
    for _round in range(2):
        for laptop in devices:
            report = laptop.sync_once()
            assert report.rejected == 0, report.rejections
    assert_change_log_unique(central.engine)
    for laptop in devices:
        rows = outbox_rows(laptop.services)
        assert all(r.state is OutboxState.ACCEPTED for r in rows)
        assert assert_acknowledged_on_server(laptop.services, central.engine) == len(rows)
        assert_cursors_consistent(laptop.services, central.engine, caught_up=True)
        assert_replica_matches_server(laptop.services, central.engine, scope)
        again = laptop.sync_once()
        assert (again.pushed, again.pulled) == (0, 0), "a further sync still moved changes"
        assert again.receipts and all(r.matches for r in again.receipts), again.receipts
    assert_no_silent_loss(central.engine, scope)


def logged_ids(central: Central, change_ids: list[str]) -> set[str]:
    with server_session(central.engine) as session:
        return set(
            session.scalars(
                select(ChangeLogEntry.change_id).where(ChangeLogEntry.change_id.in_(change_ids))
            )
        )


def values_kept(central: Central, record_type: str, record_id: str, field: str) -> list[object]:
    """The field's current value and every losing value kept in a conflict record."""
    with server_session(central.engine) as session:
        record = session.get(ServerRecord, (record_type, record_id))
        assert record is not None
        kept: list[object] = [record.state[field]["value"]]
        for conflict in session.scalars(
            select(ServerRecord).where(ServerRecord.record_type == "conflicts")
        ):
            values = {name: entry["value"] for name, entry in conflict.state.items()}
            if (values["record_type"], values["record_id"], values["field"]) == (
                record_type,
                record_id,
                field,
            ):
                kept.append(values["losing_value"])
    return kept


# --- connection resets ------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [Fault.DROP_REQUEST, Fault.DROP_RESPONSE])
def test_a_connection_reset_at_any_request_of_a_sync_loses_and_doubles_nothing(
    central: Central, device: MakeDevice, fault: Fault
) -> None:
    """At each request of a sync in turn: one reset (retried within the sync), then a reset
    that outlasts every retry (the sync fails); a clean sync afterwards recovers everything."""
    lead = device("lead")
    panel = device("panel1")
    lead.sync_once()
    panel.sync_once()
    agenda = lead.services.visits.add_session(
        central.visit_id, SessionDraft(title="Trainees", audience=Audience.LEARNERS)
    )
    lead.sync_once()
    panel.sync_once()

    def edit(tag: str) -> None:
        lead.services.visits.update(central.visit_id, {"reason": f"reason {tag}"})
        lead.services.capture.save_response(agenda.id, f"lead-{tag}", value="yes", note=tag)
        panel.services.capture.save_response(agenda.id, f"panel-{tag}", value="no", note=tag)
        panel.sync_once()  # so the lead's sync has something to pull too

    edit("probe")
    before = lead.transport.delivered
    lead.sync_once()
    requests = lead.transport.delivered - before
    # Scopes with nothing past the laptop's cursor are not asked for.
    assert requests >= 4, "scopes, push, the visit's pull and its receipt at least"

    for index in range(requests):
        edit(f"retried-{index}")
        lead.transport.set_plan([Fault.NONE] * index + [fault])
        report = lead.sync_once()
        assert report.rejected == 0
        assert lead.transport.faults_applied[-1][1] is fault
        assert_change_log_unique(central.engine)
        assert_acknowledged_on_server(lead.services, central.engine)

        edit(f"failed-{index}")
        lead.transport.set_plan([Fault.NONE] * index + [fault] * 4)
        with pytest.raises(NetworkError):
            lead.sync_once()
        path = lead.transport.faults_applied[-1][0]
        rows = outbox_rows(lead.services)
        pending = [r.change_id for r in rows if r.state is OutboxState.PENDING]
        if path == "/v1/push":
            assert pending, "the push was never answered, so its changes are still pending"
            on_server = logged_ids(central, pending)
            if fault is Fault.DROP_RESPONSE:
                assert on_server == set(pending), "the server applied the push it answered"
            else:
                assert not on_server, "a push that never arrived cannot be on the server"
        assert_change_log_unique(central.engine)
        assert_acknowledged_on_server(lead.services, central.engine)
        assert_cursors_consistent(lead.services, central.engine, caught_up=False)

        lead.transport.set_plan(())
        recovered = lead.sync_once()
        assert recovered.rejected == 0
        assert all(r.matches for r in recovered.receipts), recovered.receipts
        assert_acknowledged_on_server(lead.services, central.engine)

    assert_recovered(central, lead, panel)
    final = lead.services.visits.get(central.visit_id).reason
    assert final == f"reason failed-{requests - 1}"


# --- duplicate delivery -----------------------------------------------------------------------


def test_every_request_delivered_twice_is_applied_once(
    central: Central, device: MakeDevice
) -> None:
    lead = device("lead")
    other = device("lead")
    lead.sync_once()
    other.sync_once()
    finding = lead.services.findings.propose(
        central.visit_id, FindingKind.MANDATORY_REQUIREMENT, "No induction for night shifts"
    )
    lead.services.visits.update(central.visit_id, {"reason": "first"})
    other.services.visits.update(central.visit_id, {"reason": "concurrent"})  # a conflict
    lead.transport.set_plan([Fault.DUPLICATE] * 20)
    other.transport.set_plan([Fault.DUPLICATE] * 20)
    lead.sync_once()
    other.sync_once()
    assert lead.transport.pushes and other.transport.pushes
    assert_change_log_unique(central.engine)
    with server_session(central.engine) as session:
        conflicts = session.scalars(
            select(ServerRecord).where(ServerRecord.record_type == "conflicts")
        ).all()
    assert len(conflicts) == 1, "the conflict is recorded once, not once per delivery"
    assert lead.services.findings.for_visit(central.visit_id)[0].id == finding.id
    assert_recovered(central, lead, other)


def test_an_old_push_delivered_again_changes_nothing(central: Central, device: MakeDevice) -> None:
    lead = device("lead")
    panel = device("panel1")
    lead.sync_once()
    panel.sync_once()
    lead.services.visits.update(central.visit_id, {"reason": "first version"})
    lead.sync_once()
    first_push = lead.transport.pushes[-1]
    lead.services.visits.update(central.visit_id, {"reason": "second version"})
    lead.sync_once()
    panel.sync_once()

    before = server_snapshot(central.engine)
    server = InProcessTransport(central.app)
    for _ in range(3):
        answer = replay(server, first_push)
        assert answer.status_code == 200
        assert [r["status"] for r in answer.json()["results"]] == ["accepted"]
    assert server_snapshot(central.engine) == before, "a late duplicate changed the server"
    assert_recovered(central, lead, panel)
    for laptop in (lead, panel):
        assert laptop.services.visits.get(central.visit_id).reason == "second version"
        assert laptop.services.sync_status.status().open_conflicts == 0


# --- a day's clock skew -----------------------------------------------------------------------


@pytest.mark.parametrize("skew_ms", [DAY_MS, -DAY_MS], ids=["a-day-fast", "a-day-slow"])
def test_a_laptop_clock_a_day_wrong_loses_nothing_and_wins_nothing_for_ever(
    central: Central, device: MakeDevice, skew_ms: int
) -> None:
    skewed = device("lead")
    right = device("lead")
    panel = device("panel1")
    for laptop in (skewed, right, panel):
        laptop.sync_once()
    mine = panel.services.findings.propose(
        central.visit_id, FindingKind.RECOMMENDATION, "Protected teaching time"
    )
    panel.sync_once()
    skewed.sync_once()
    right.sync_once()
    # The laptop's clock goes a day wrong after its last sync; offline on all three, it edits
    # first and the correct laptops a moment later.
    skewed.services.context.wall_ms = lambda: wall_clock_ms() + skew_ms
    skewed.services.visits.update(central.visit_id, {"reason": "skewed reason"})
    skewed.services.findings.update(mine.id, {"text": "skewed text"})
    time.sleep(0.01)
    right.services.visits.update(central.visit_id, {"reason": "right reason"})
    panel.services.findings.update(mine.id, {"text": "panel text"})
    for laptop in (skewed, right, panel, skewed):
        laptop.sync_once()

    # Concurrent edits: neither vanished, whichever stamp won.
    assert {"skewed reason", "right reason"} <= set(
        map(str, values_kept(central, "visits", central.visit_id, "reason"))
    )
    assert {"skewed text", "panel text"} <= set(
        map(str, values_kept(central, "findings", mine.id, "text"))
    )

    # Edits made after seeing the skewed values win, from a correct clock or the skewed one.
    right.services.visits.update(central.visit_id, {"reason": "later, on a correct clock"})
    panel.services.findings.update(mine.id, {"text": "later panel text"})
    right.sync_once()
    panel.sync_once()
    skewed.sync_once()
    skewed.services.visits.update(central.visit_id, {"title": "Retitled on the skewed laptop"})
    skewed.sync_once()
    assert_recovered(central, skewed, right, panel)
    for laptop in (skewed, right, panel):
        visit = laptop.services.visits.get(central.visit_id)
        assert visit.reason == "later, on a correct clock"
        assert visit.summary.title == "Retitled on the skewed laptop"
    assert panel.services.findings.for_visit(central.visit_id)[0].text == "later panel text"
    with server_session(central.engine) as session:
        skewed_device = skewed.services.context.identity.device_id
        logged = session.scalars(
            select(ChangeLogEntry).where(ChangeLogEntry.device_id == skewed_device)
        ).all()
    assert {str(e.fields.get("reason")) for e in logged} >= {"skewed reason"}


# --- processes killed -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def holds_write_lock(database: Path, key: bytes | None = None) -> bool:
    """Whether another connection is inside a write transaction on this SQLite file (a laptop's
    store is encrypted: ``key`` opens it)."""
    connection = sqlcipher.connect(str(database), timeout=0, isolation_level=None)
    if key is not None:
        apply_key(connection, key)
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlcipher.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise
    else:
        connection.execute("ROLLBACK")
        return False
    finally:
        connection.close()


def wait_for_long_write(
    database: Path,
    alive: Callable[[], bool],
    *,
    held_for: float = 0.1,
    timeout: float = 60,
    key: bytes | None = None,
) -> bool:
    """Wait until a write transaction has been open on ``database`` for ``held_for`` seconds."""
    deadline = time.monotonic() + timeout
    since: float | None = None
    while time.monotonic() < deadline and alive():
        if holds_write_lock(database, key):
            since = since or time.monotonic()
            if time.monotonic() - since >= held_for:
                return True
        else:
            since = None
        time.sleep(0.005)
    return False


class ServerProcess:
    """A real ``eqvisit server`` on 127.0.0.1, killable and restartable on the same database."""

    def __init__(self, database: Path, workdir: Path) -> None:
        self.database = database
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.workdir / "server.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "eqvisit",
                "server",
                "--db",
                str(self.database),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--profile",
                str(self.workdir / "server-profile"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.workdir / "server.log").read_text()
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("the server did not start within 60 s")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def fast_dir(tmp_path: Path) -> Iterator[Path]:
    """tmpfs for laptops that must write thousands of edits quickly (real SQLite files)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    root = Path(tempfile.mkdtemp(prefix="eqvisit-faults-", dir=shm))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class HttpLaptop:
    services: Services
    sync: SyncService
    transport: FaultyTransport

    def close(self) -> None:
        self.services.close()


def http_laptop(folder: Path, server: ServerProcess, username: str) -> HttpLaptop:
    """A laptop profile signed in to the real server over HTTP (token kept in a file)."""
    paths = resolve_profile(folder).ensure()
    services = open_services(paths, TEST_UNLOCK)
    transport = FaultyTransport(httpx.HTTPTransport())
    sync = SyncService(
        services.context,
        CredentialStore(paths.config_dir, use_keychain=False),
        lambda url, device_id, token: SyncClient(
            url, device_id, token=token, transport=transport, sleep=lambda _s: time.sleep(0.05)
        ),
    )
    sync.login(server.url, username, PASSWORD, f"{username}'s laptop")
    return HttpLaptop(services, sync, transport)


@pytest.fixture
def central_server(tmp_path: Path) -> Iterator[tuple[ServerProcess, Central]]:
    """A seeded central store on a SQLite file, served by a real ``eqvisit server``."""
    database = tmp_path / "central.sqlite3"
    engine = open_central_store(str(database))
    central = seed_central(engine)
    engine.dispose()
    server = ServerProcess(database, tmp_path)
    try:
        server.start()
        yield server, central
    finally:
        server.stop()


def test_the_server_killed_in_the_middle_of_a_push_loses_nothing_acknowledged(
    central_server: tuple[ServerProcess, Central], fast_dir: Path
) -> None:
    server, central = central_server
    database = server.database
    with contextlib.ExitStack() as cleanup:
        laptop = http_laptop(fast_dir / "lead", server, "lead")
        cleanup.callback(laptop.close)
        laptop.sync.sync_once()
        agenda = laptop.services.visits.add_session(
            central.visit_id, SessionDraft(title="Educators", audience=Audience.EDUCATORS)
        )
        total = 2 * MAX_PUSH_BATCH  # two full batches; the kill lands in the second
        for number in range(total - 1):
            laptop.services.capture.save_response(
                agenda.id, f"q{number:04d}", value=number % 5, note=f"note {number}"
            )
        rows = outbox_rows(laptop.services)
        assert len(rows) == total

        # Kill the server while it is inside the transaction of the *second* push batch.
        second_push = threading.Event()
        laptop.transport.before_send = lambda request: (
            second_push.set()
            if request.url.path == "/v1/push" and len(laptop.transport.pushes) == 2
            else None
        )
        killed_mid_batch = threading.Event()

        def killer() -> None:
            # A batch of 500 takes a few tens of milliseconds from BEGIN to COMMIT (a push
            # checks and merges it all, then writes it): kill 5 ms into it.
            if second_push.wait(timeout=120) and wait_for_long_write(
                database, server.alive, held_for=0.005
            ):
                killed_mid_batch.set()
            server.kill()

        watcher = threading.Thread(target=killer, daemon=True)
        watcher.start()
        with pytest.raises(NetworkError):
            laptop.sync.sync_once()
        watcher.join(timeout=120)
        assert not watcher.is_alive()
        assert killed_mid_batch.is_set(), "the kill did not land inside a push transaction"

        # Before the restart: what the laptop saw accepted is durable; batches are atomic.
        acknowledged = [r for r in outbox_rows(laptop.services) if r.state is OutboxState.ACCEPTED]
        assert len(acknowledged) == MAX_PUSH_BATCH, "the first batch was answered before the kill"
        engine = open_central_store(str(database))
        try:
            ids = [r.change_id for r in rows]
            with server_session(engine) as session:
                logged = set(
                    session.scalars(
                        select(ChangeLogEntry.change_id).where(
                            ChangeLogEntry.device_id == laptop.services.context.identity.device_id
                        )
                    )
                )
            assert logged == set(ids[: len(logged)]), "the log holds a prefix of the outbox"
            assert len(logged) in (MAX_PUSH_BATCH, total), "a batch is atomic"
            assert_acknowledged_on_server(laptop.services, engine)
        finally:
            engine.dispose()

        server.start()  # same port, same file
        report = laptop.sync.sync_once()
        assert report.rejected == 0
        assert report.receipts and all(r.matches for r in report.receipts)
        engine = open_central_store(str(database))
        try:
            assert_change_log_unique(engine)
            assert assert_acknowledged_on_server(laptop.services, engine) == total
            assert_cursors_consistent(laptop.services, engine, caught_up=True)
            assert_replica_matches_server(laptop.services, engine, f"visit:{central.visit_id}")
        finally:
            engine.dispose()
        again = laptop.sync.sync_once()
        assert (again.pushed, again.pulled) == (0, 0)
        answers = laptop.services.capture.responses(agenda.id)
        assert len(answers) == total - 1
        assert {r.note for r in answers} == {f"note {n}" for n in range(total - 1)}


def expected_stamps(
    database: Path, services: Services, scope: str, cursor: int
) -> dict[tuple[str, ...], str]:
    """Per field of ``scope``, the winning stamp among the server's changes up to ``cursor`` and
    this laptop's own changes: what a laptop that applied whole pages only must hold."""
    engine = open_central_store(str(database))
    try:
        with server_session(engine) as session:
            entries = session.scalars(
                select(ChangeLogEntry).where(
                    ChangeLogEntry.scope == scope, ChangeLogEntry.seq <= cursor
                )
            ).all()
            writes = [(e.record_type, e.record_id, e.fields, e.hlc, e.device_id) for e in entries]
    finally:
        engine.dispose()
    writes += [
        (r.record_type, r.record_id, r.fields, r.hlc, r.device_id)
        for r in outbox_rows(services)
        if r.scope == scope
    ]
    best: dict[tuple[str, ...], tuple[str, str]] = {}
    for record_type, record_id, fields, hlc, device_id in writes:
        for name in fields:
            key = (record_type, record_id, name)
            best[key] = max(best.get(key, ("", "")), (hlc, device_id))
    return {key: "|".join(stamp) for key, stamp in best.items()}


def local_stamps(services: Services, scope: str) -> dict[tuple[str, ...], str]:
    with services.context.store.unit_of_work() as uow:
        return {
            (v.record_type, v.record_id, v.field): f"{v.hlc}|{v.device_id}"
            for v in uow.session.scalars(select(FieldVersion).where(FieldVersion.scope == scope))
        }


def eqvisit_sync(profile: Path) -> subprocess.Popen[str]:
    """``eqvisit sync --progress`` in a child process, its output unbuffered."""
    return subprocess.Popen(
        [sys.executable, "-m", "eqvisit", "sync", "--progress", "--profile", str(profile)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def sync_to_the_end(profile: Path) -> subprocess.CompletedProcess[str]:
    """``eqvisit sync`` in a child process, run to the end, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "eqvisit", "sync", "--profile", str(profile)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def kill_inside_a_long_write(
    child: subprocess.Popen[str], store: Path, key: bytes, *, after: str = "Sending "
) -> bool:
    """Once the child has printed a line starting with ``after`` (by default, once it has begun
    sending: its store is open), SIGKILL it 0.02 s into a write."""
    assert child.stdout is not None
    sending = threading.Event()
    output: list[str] = []

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            output.append(line)
            if line.startswith(after):
                sending.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    killed = False
    try:
        if sending.wait(timeout=120) and wait_for_long_write(
            store, lambda: running(child), held_for=0.02, key=key
        ):
            child.send_signal(signal.SIGKILL)
            killed = True
    finally:
        try:
            child.wait(timeout=120)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=30)
            raise
        reader.join(timeout=30)
    assert killed or child.returncode == 0, "".join(output)
    return killed


def running(process: subprocess.Popen[str]) -> bool:
    return process.poll() is None


def test_a_laptop_killed_while_applying_a_large_page_resumes_cleanly(
    central_server: tuple[ServerProcess, Central], tmp_path: Path, fast_dir: Path
) -> None:
    server, central = central_server
    database = server.database
    scope = f"visit:{central.visit_id}"
    reader_folder = tmp_path / "reader"
    with contextlib.ExitStack() as cleanup:
        writer = http_laptop(fast_dir / "writer", server, "lead")
        cleanup.callback(writer.close)
        reader = http_laptop(reader_folder, server, "panel1")
        writer.sync.sync_once()
        try:
            reader.sync.sync_once()  # reference data and the visit as it stands: small
        finally:
            reader.close()
        agenda = writer.services.visits.add_session(
            central.visit_id, SessionDraft(title="Walk-round", audience=Audience.WALK_ROUND)
        )
        versions = 20
        for version in range(versions):  # many changes to few records: each one a merge to apply
            for question in range(80):
                writer.services.capture.save_response(
                    agenda.id, f"q{question:02d}", value=version, note=f"v{version} q{question}"
                )
        writer.sync.sync_once()

        reader_store = resolve_profile(reader_folder).store_file
        reader_key = store_keys(resolve_profile(reader_folder)).unlock(Unlock.from_environment())
        rolled_back = 0
        for attempt in range(2):
            services = open_services(resolve_profile(reader_folder), TEST_UNLOCK)
            try:
                # Something to send, so the child says "Sending" once its store is open.
                services.capture.add_observation(central.visit_id, f"Observation {attempt}")
                start = cursors(services)[scope]
            finally:
                services.close()
            child = eqvisit_sync(reader_folder)
            if not kill_inside_a_long_write(child, reader_store, reader_key):
                break
            assert child.returncode == -signal.SIGKILL
            # The page being applied is wholly in the store with its cursor, or not at all:
            # the laptop's stamps are exactly the server's log up to its cursor plus its own.
            services = open_services(resolve_profile(reader_folder), TEST_UNLOCK)
            try:
                cursor = cursors(services)[scope]
                assert local_stamps(services, scope) == expected_stamps(
                    database, services, scope, cursor
                )
            finally:
                services.close()
            rolled_back += cursor == start
        assert rolled_back >= 1, "no kill landed inside the transaction applying the page"

        finished = sync_to_the_end(reader_folder)
        assert finished.returncode == 0, finished.stderr
        assert f"{scope}: everything you wrote is on the server" in finished.stdout
        services = open_services(resolve_profile(reader_folder), TEST_UNLOCK)
        engine = open_central_store(str(database))
        try:
            assert_change_log_unique(engine)
            assert assert_acknowledged_on_server(services, engine) == len(outbox_rows(services))
            assert_cursors_consistent(services, engine, caught_up=True)
            assert_replica_matches_server(services, engine, scope)
            lead = writer.services.context.identity.user_id
            answers = services.capture.responses(agenda.id)
            assert sorted((r.question_id, r.value) for r in answers if r.author_id == lead) == [
                (f"q{q:02d}", versions - 1) for q in range(80)
            ]
        finally:
            engine.dispose()
            services.close()
        again = sync_to_the_end(reader_folder)
        assert again.returncode == 0, again.stderr
        assert "pushed 0 " in again.stdout and "pulled 0 " in again.stdout, again.stdout


def test_a_laptop_killed_while_applying_a_large_feed_resumes_cleanly(
    central_server: tuple[ServerProcess, Central], tmp_path: Path
) -> None:
    """Killed while it writes a provider's intelligence (the feed, no stamps): the laptop holds
    exactly the records the server's log holds up to the laptop's cursor, then finishes the
    pull with nothing applied twice or lost."""
    server, central = central_server
    scope = f"provider:{central.provider_id}"
    folder = tmp_path / "reader"
    reader = http_laptop(folder, server, "lead")
    try:
        reader.sync.sync_once()  # reference data and the visit: small
    finally:
        reader.close()
    engine = open_central_store(str(server.database))
    try:
        with Session(engine) as session, session.begin():
            server_create_many(
                session,
                "intelligence_items",
                (
                    (new_id(), scope, _intelligence_fields(central.provider_id, index))
                    for index in range(60_000)
                ),
                central.clock,
            )
    finally:
        engine.dispose()

    store = resolve_profile(folder).store_file
    key = store_keys(resolve_profile(folder)).unlock(Unlock.from_environment())
    child = eqvisit_sync(folder)
    # After a first page is in: the kill lands while later pages are written.
    assert kill_inside_a_long_write(child, store, key, after="Received "), "no kill landed"
    services = open_services(resolve_profile(folder), TEST_UNLOCK)
    engine = open_central_store(str(server.database))
    try:
        cursor = cursors(services).get(scope, 0)
        with server_session(engine) as session:
            logged = set(
                session.scalars(
                    select(ChangeLogEntry.record_id).where(
                        ChangeLogEntry.scope == scope, ChangeLogEntry.seq <= cursor
                    )
                )
            )
        with services.context.store.unit_of_work() as uow:
            held = set(uow.session.scalars(select(IntelligenceItem.id)))
        # What the last commit holds (none, if the kill fell in the first transaction), and
        # exactly that: the rolled-back rest is pulled again.
        assert held == logged, f"{len(held)} held, {len(logged)} logged up to {cursor}"
        assert len(held) < 60_000, "the kill did not land inside the pull"
    finally:
        engine.dispose()
        services.close()
    finished = sync_to_the_end(folder)
    assert finished.returncode == 0, finished.stderr
    services = open_services(resolve_profile(folder), TEST_UNLOCK)
    engine = open_central_store(str(server.database))
    try:
        assert assert_owned_scope_matches_server(services, engine, scope) == 60_000
        assert_cursors_consistent(services, engine, caught_up=True)
    finally:
        engine.dispose()
        services.close()


def _intelligence_fields(provider_id: str, index: int) -> dict[str, object]:
    stamp = "2026-03-02T09:30:00.123456+00:00"
    return {
        "provider_id": provider_id,
        "source": "nts",
        "period": str(2021 + index % 5),
        "indicator": f"Indicator {index % 18}",
        "dimensions": {"programme": "Foundation"},
        "n": index % 40,
        "value": 50.0 + index % 50,
        "benchmark": 75.0,
        "flag": "green",
        "text": None,
        "created_at": stamp,
        "updated_at": stamp,
    }


# --- the same record created offline on two laptops, and page order (once broke sync) ---------


def test_one_author_answering_the_same_question_on_two_laptops_offline_converges(
    central: Central, device: MakeDevice
) -> None:
    """One answer per author × session × question, even made twice offline (it once became two
    records with one key, and the pull failed on the unique constraint for good)."""
    first = device("lead")
    second = device("lead")
    first.sync_once()
    agenda = first.services.visits.add_session(
        central.visit_id, SessionDraft(title="Trainees", audience=Audience.LEARNERS)
    )
    first.sync_once()
    second.sync_once()
    first.services.capture.save_response(agenda.id, "induction", value="yes", note="laptop one")
    second.services.capture.save_response(agenda.id, "induction", value="no", note="laptop two")
    first.sync_once()
    second.sync_once()
    assert_recovered(central, first, second)
    answers = first.services.capture.responses(agenda.id)
    assert len(answers) == 1
    kept = values_kept(central, "responses", answers[0].id, "note")
    assert {"laptop one", "laptop two"} <= set(map(str, kept)), "the losing note is kept"


@pytest.mark.parametrize("fault", [Fault.NONE, Fault.DROP_RESPONSE, Fault.DUPLICATE])
def test_references_issued_offline_on_two_laptops_converge(
    central: Central, device: MakeDevice, fault: Fault
) -> None:
    """Both laptops issue MR1 offline; the server renumbers the second to reach it, even when
    the answer that says so is lost or arrives twice."""
    first = device("lead")
    second = device("lead")
    first.sync_once()
    second.sync_once()
    one = first.services.findings.propose(
        central.visit_id, FindingKind.MANDATORY_REQUIREMENT, "Rota gaps"
    )
    two = second.services.findings.propose(
        central.visit_id, FindingKind.MANDATORY_REQUIREMENT, "No rest area"
    )
    first.services.findings.issue_reference(one.id)
    second.services.findings.issue_reference(two.id)
    first.sync_once()
    second.transport.set_plan([Fault.NONE, fault])
    second.sync_once()
    assert_recovered(central, first, second)
    for laptop in (first, second):
        references = {
            f.id: f.reference for f in laptop.services.findings.for_visit(central.visit_id)
        }
        assert references == {one.id: "MR1", two.id: "MR2"}


def test_the_same_panel_member_added_on_two_laptops_offline_converges(
    central: Central, device: MakeDevice
) -> None:
    """One panel seat per user, even added twice offline (it once failed on the unique key)."""
    first = device("lead")
    second = device("lead")
    first.sync_once()
    second.sync_once()
    with server_session(central.engine) as session:
        outsider = session.scalar(select(ServerUser.id).where(ServerUser.username == "outsider"))
    assert outsider is not None
    first.services.visits.add_panel_member(central.visit_id, outsider, PanelRole.EDUCATOR)
    second.services.visits.add_panel_member(central.visit_id, outsider, PanelRole.LEARNER_REP)
    first.sync_once()
    second.sync_once()
    assert_recovered(central, first, second)


def test_a_page_with_an_answer_before_a_new_session_and_its_answers_applies(
    central: Central, device: MakeDevice
) -> None:
    """Parents before children within a page, whatever order it lists new records in (it once
    inserted both answers before the new session: FOREIGN KEY constraint failed, for good)."""
    lead = device("lead")
    panel = device("panel1")
    lead.sync_once()
    first = lead.services.visits.add_session(
        central.visit_id, SessionDraft(title="Trainees", audience=Audience.LEARNERS)
    )
    lead.sync_once()
    panel.sync_once()
    lead.services.capture.save_response(first.id, "induction", value="yes")
    second = lead.services.visits.add_session(
        central.visit_id, SessionDraft(title="Educators", audience=Audience.EDUCATORS)
    )
    lead.services.capture.save_response(second.id, "supervision", value="no")
    lead.sync_once()
    panel.sync_once()
    assert_recovered(central, lead, panel)
    assert len(panel.services.capture.responses(second.id)) == 1


# --- known failures ---------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [Fault.DROP_RESPONSE, Fault.DUPLICATE])
def test_a_restamped_push_whose_answer_is_lost_still_converges(
    central: Central, device: MakeDevice, fault: Fault
) -> None:
    fast = device("lead")
    right = device("lead")
    fast.sync_once()
    right.sync_once()
    fast.services.context.wall_ms = lambda: wall_clock_ms() + DAY_MS  # wrong since its last sync
    fast.services.visits.update(central.visit_id, {"reason": "written on the fast laptop"})
    fast.transport.set_plan([Fault.NONE, fault])  # the push's restamping answer is lost
    fast.sync_once()
    assert fast.transport.faults_applied == [("/v1/push", fault)]

    right.sync_once()
    right.services.visits.update(central.visit_id, {"reason": "later, on a correct clock"})
    right.sync_once()
    with server_session(central.engine) as session:
        visit = session.get(ServerRecord, ("visits", central.visit_id))
        assert visit is not None
        assert visit.state["reason"]["value"] == "later, on a correct clock"
    for _ in range(3):
        report = fast.sync_once()
    assert fast.services.visits.get(central.visit_id).reason == "later, on a correct clock"
    assert all(r.matches for r in report.receipts), "the fast laptop's receipt never matches"
    assert_recovered(central, fast, right)


def test_an_older_concurrent_edit_arriving_after_two_edits_is_kept(
    central: Central, device: MakeDevice
) -> None:
    lead = device("lead")
    other = device("lead")
    lead.sync_once()
    other.sync_once()
    other.services.visits.update(central.visit_id, {"reason": "written offline first"})
    time.sleep(0.005)  # the lead edits later, on a later wall clock
    lead.services.visits.update(central.visit_id, {"reason": "lead's draft"})
    lead.services.visits.update(central.visit_id, {"reason": "lead's final wording"})
    lead.sync_once()
    other.sync_once()  # arrives last: loses to "final wording", which never saw it
    lead.sync_once()
    kept = values_kept(central, "visits", central.visit_id, "reason")
    assert kept[0] == "lead's final wording"
    assert "written offline first" in kept, "the other laptop's reason vanished silently"
