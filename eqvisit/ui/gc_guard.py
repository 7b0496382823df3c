"""Python's cyclic garbage collector, run on the UI thread only.

CPython collects cycles in whichever thread crosses the allocation threshold. With the worker
(and the profile's opening thread) allocating, that is often a background thread, and a cycle
holding a Qt object is then destroyed off the UI thread: undefined behaviour in Qt, seen here as
a segfault in the worker thread while it was "Garbage-collecting". So automatic collection is
turned off and a timer on the UI thread collects, with the generations and thresholds the
collector would have used (the pattern calibre, pyqtgraph and novelWriter use). Reference
counting still frees everything that is not in a cycle, at once, on any thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

CHECK_EVERY_MS = 500


class MainThreadCollector(QObject):
    """Owned by the application; collects what the automatic collector would have."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.setObjectName("mainThreadCollector")
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        gc.disable()

    def check(self) -> int:
        """Collect the youngest generation, or the oldest one over its threshold; the number of
        objects freed.

        The counts are net of frees, so a burst of allocation on the worker that is freed again
        before the next tick leaves them low; the young generation is collected on every tick
        (cheap) so that a cycle dropped in such a burst does not wait for the next one.
        """
        counts = gc.get_count()
        generation = 0
        for level, (count, threshold) in enumerate(zip(counts, self._thresholds, strict=True)):
            if threshold and count > threshold:
                generation = level
        return gc.collect(generation)


def keep_collection_on_ui_thread() -> MainThreadCollector:
    """Install the collector on the running application (once; later calls return it)."""
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        raise RuntimeError("install the collector from the UI thread, after the QApplication")
    found = app.findChild(MainThreadCollector, "mainThreadCollector")
    return found if found is not None else MainThreadCollector(app)
