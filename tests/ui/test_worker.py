from __future__ import annotations

import threading
import time
from itertools import pairwise

from eqvisit.ui.worker import Worker


def test_jobs_run_off_the_ui_thread_in_order_and_results_come_back_on_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    worker = Worker()
    ui_thread = threading.get_ident()
    ran_on: list[int] = []
    delivered: list[tuple[int, int]] = []

    def job(n: int) -> int:
        ran_on.append(threading.get_ident())
        time.sleep(0.01)
        return n

    for n in range(5):
        worker.submit(
            lambda n=n: job(n), lambda result: delivered.append((result, threading.get_ident()))
        )
    qtbot.waitUntil(lambda: len(delivered) == 5, timeout=5_000)
    assert [r for r, _ in delivered] == [0, 1, 2, 3, 4]
    assert {t for _, t in delivered} == {ui_thread}
    assert ui_thread not in ran_on
    worker.shutdown()


def test_errors_reach_the_error_callback(qtbot) -> None:  # type: ignore[no-untyped-def]
    worker = Worker()
    errors: list[BaseException] = []

    def fail() -> None:
        raise ValueError("bad input")

    worker.submit(fail, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5_000)
    assert isinstance(errors[0], ValueError)
    worker.shutdown()


def test_the_event_loop_keeps_turning_while_a_long_job_runs(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer

    worker = Worker()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    done: list[bool] = []
    worker.submit(lambda: time.sleep(0.5), lambda _r: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    timer.stop()
    gaps = [b - a for a, b in pairwise(ticks)]
    assert len(ticks) > 20
    assert max(gaps) < 0.1, "the UI thread stalled while the worker ran"
    worker.shutdown()
