"""The one serial worker that runs service calls off the UI thread (DESIGN §2).

``Worker.submit(fn, on_done, on_error)`` queues ``fn`` for a single background thread; its result
or exception comes back to the UI thread through a queued signal, where the callbacks run. Calls
run one at a time in submission order, so services never see two actions at once.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from eqvisit.ui.gc_guard import keep_collection_on_ui_thread

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


@dataclass
class _Job:
    fn: Callable[[], Any]
    on_done: Done | None
    on_error: Failed | None


class Worker(QObject):
    """Runs jobs on one background thread; callbacks are delivered on the thread that owns it."""

    _finished = Signal(object, object, object)  # job, result, error
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        keep_collection_on_ui_thread()  # a cycle must never be freed on the worker's thread
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._pending = 0
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._thread = threading.Thread(target=self._run, name="eqvisit-worker", daemon=True)
        self._thread.start()

    def submit(
        self, fn: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None
    ) -> None:
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        self._jobs.put(_Job(fn, on_done, on_error))

    @property
    def pending(self) -> int:
        return self._pending

    def shutdown(self, timeout: float = 10.0) -> None:
        """Finish the queued jobs, then stop the thread (called once, when the app closes)."""
        self._jobs.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                result = job.fn()
            except BaseException as exc:  # delivered to the UI, which decides what to show
                log.debug("job failed: %s", type(exc).__name__)
                self._finished.emit(job, None, exc)
            else:
                self._finished.emit(job, result, None)

    @Slot(object, object, object)
    def _deliver(self, job: _Job, result: Any, error: BaseException | None) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)
        if error is not None:
            if job.on_error is not None:
                job.on_error(error)
            else:
                log.error("background job failed", exc_info=error)
        elif job.on_done is not None:
            job.on_done(result)


def settle_heap() -> None:
    """Move the objects made at start-up out of the garbage collector's sight.

    A full collection walks every tracked object and holds the GIL while it does, so with the
    whole application loaded a collection triggered by a sync on the worker froze the UI thread
    for 200-300 ms. Start-up objects live as long as the app; frozen, they are never walked again.
    Called once, when the main window is built.
    """
    gc.collect()
    gc.freeze()
