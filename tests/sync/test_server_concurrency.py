"""The central store under concurrent requests: readers never queue behind a writer, and
writers in one server take turns instead of failing with "database is locked"."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select

from eqvisit.sync.server.app import create_app
from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.server.models import ChangeLogEntry
from eqvisit.sync.transport import InProcessTransport
from tests.sync.conftest import PASSWORD, Central, seed_central
from tests.sync.test_server_guards import BASE_URL, PROTOCOL, a_change, login

CLIENTS = 12
BATCHES = 6
BATCH = 5


@pytest.fixture
def http(central: Central) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=BASE_URL, transport=InProcessTransport(central.app)) as client:
        yield client


def _signed_in(http: httpx.Client, device: str) -> dict[str, str]:
    answer = login(http, "lead", PASSWORD, device)
    assert answer.status_code == 200, answer.text
    return {**PROTOCOL, "Authorization": f"Bearer {answer.json()['token']}"}


def test_reads_answer_while_another_process_holds_the_write_lock(tmp_path: Path) -> None:
    """SQLite's own write lock, held by another process (an admin command, say)."""
    path = tmp_path / "central.sqlite3"
    engine = open_central_store(str(path))
    central = seed_central(engine)
    http = httpx.Client(base_url=BASE_URL, transport=InProcessTransport(central.app))
    headers = _signed_in(http, "device-reader")
    scope = f"visit:{central.visit_id}"
    other_process = sqlite3.connect(path, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    try:
        # Each of these waited for the lock (5 s) and then failed with a 500 before readers
        # began DEFERRED.
        assert http.get("/v1/scopes", headers=headers).status_code == 200
        pulled = http.get("/v1/pull", params={"scope": scope}, headers=headers)
        assert pulled.status_code == 200, pulled.text
        assert pulled.json()["changes"], "the visit's records are readable"
        assert http.get("/v1/receipt", params={"scope": scope}, headers=headers).status_code == 200
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()
        http.close()
        engine.dispose()


def test_concurrent_pushes_all_land(central: Central, http: httpx.Client) -> None:
    if central.engine.dialect.name == "sqlite":
        # A short busy timeout: writers that met SQLite's lock instead of taking turns in the
        # server would fail within 50 ms rather than after 5 s.
        event.listen(central.engine, "connect", _short_busy_timeout)
        central.engine.dispose()
    app = create_app(central.engine, clock=central.clock)
    devices = [f"device-{n}" for n in range(CLIENTS)]
    headers = {device: _signed_in(http, device) for device in devices}
    statuses: list[int] = []
    failures: list[str] = []
    start = threading.Barrier(CLIENTS)

    def client(device: str) -> None:
        with httpx.Client(base_url=BASE_URL, transport=InProcessTransport(app)) as own:
            start.wait()
            for _ in range(BATCHES):
                changes = [a_change(central, device_id=device) for _ in range(BATCH)]
                answer = own.post("/v1/push", json={"changes": changes}, headers=headers[device])
                statuses.append(answer.status_code)
                if answer.status_code != 200:
                    failures.append(answer.text)
                    continue
                refused = [r for r in answer.json()["results"] if r["status"] != "accepted"]
                failures.extend(str(r) for r in refused)

    threads = [threading.Thread(target=client, args=(device,)) for device in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert statuses == [200] * (CLIENTS * BATCHES)
    with central.session() as session:
        logged = session.scalar(
            select(func.count())
            .select_from(ChangeLogEntry)
            .where(ChangeLogEntry.device_id.in_(devices))
        )
    assert logged == CLIENTS * BATCHES * BATCH


def _short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout=50")
