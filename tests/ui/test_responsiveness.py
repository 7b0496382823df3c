"""The event loop keeps turning while a large sync and a large import run on the worker."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer

from eqvisit.app_services import Services
from eqvisit.domain.ids import new_id, utc_now
from eqvisit.services.sync import LOCAL_SCHEME
from eqvisit.storage.repositories import intelligence
from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.server.demo import DEMO_PASSWORD, seed_demo
from eqvisit.ui.worker import Worker, settle_heap
from tests.conftest import ETR_FILE

TICK_MS = 10
STALL_LIMIT_S = 0.100


class GapMeter:
    """Records the longest gap between ticks of a 10 ms timer on the UI thread."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0
        self.ticks = 0
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now
        self.ticks += 1

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()


def run_measured(qtbot, worker: Worker, job) -> tuple[GapMeter, object]:  # type: ignore[no-untyped-def]
    meter = GapMeter()
    results: list[object] = []
    errors: list[BaseException] = []
    meter.start()
    worker.submit(job, results.append, errors.append)
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=300_000)
    meter.timer.stop()
    assert not errors, errors
    return meter, results[0]


def test_a_full_sync_on_the_worker_never_stalls_the_event_loop(  # type: ignore[no-untyped-def]
    qtbot, services: Services, tmp_path: Path
) -> None:
    central = tmp_path / "central.sqlite3"
    engine = open_central_store(str(central))
    try:
        seed_demo(engine, ETR_FILE, seed=7)
    finally:
        engine.dispose()
    services.sync.login(f"{LOCAL_SCHEME}{central}", "lead", DEMO_PASSWORD, "laptop")
    settle_heap()  # as the app does once its window is up
    worker = Worker()
    try:
        meter, report = run_measured(qtbot, worker, services.sync.sync_once)
    finally:
        worker.shutdown()
    assert report.pulled > 1_000  # type: ignore[attr-defined]
    assert meter.ticks > 10, "the timer kept firing during the sync"
    assert meter.longest < STALL_LIMIT_S, f"event loop stalled {meter.longest * 1000:.0f} ms"


def test_a_large_intelligence_import_on_the_worker_never_stalls_the_event_loop(  # type: ignore[no-untyped-def]
    qtbot, demo: Services
) -> None:
    provider_id = demo.visits.list_visits()[0].provider_id
    now = utc_now()

    def rows():  # type: ignore[no-untyped-def]
        for i in range(200_000):
            yield {
                "id": new_id(),
                "provider_id": provider_id,
                "source": "nts",
                "period": str(2015 + i % 5),
                "indicator": f"Indicator {i % 29}",
                "dimensions": {"programme": f"P{i % 40}"},
                "n": i % 60,
                "value": float(i % 100),
                "benchmark": 78.0,
                "flag": "white",
                "text": None,
                "created_at": now,
                "updated_at": now,
            }

    def import_all() -> int:
        with demo.context.store.unit_of_work() as uow:
            count = intelligence.bulk_insert(uow.session, rows())
            uow.commit()
            return count

    settle_heap()
    worker = Worker()
    try:
        meter, count = run_measured(qtbot, worker, import_all)
    finally:
        worker.shutdown()
    assert count == 200_000
    assert meter.ticks > 10
    assert meter.longest < STALL_LIMIT_S, f"event loop stalled {meter.longest * 1000:.0f} ms"
