"""Create the QApplication, show the window shell, attach the profile once it is open, run,
and shut down cleanly."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from eqvisit.settings import Settings
from eqvisit.ui.crash_reporting import CrashNotifier
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.startup import StartupChoices, StartupFlow
from eqvisit.ui.worker import Worker, settle_heap

if TYPE_CHECKING:
    from eqvisit.crash import CrashHandler
    from eqvisit.opening import ProfileOpening
    from eqvisit.paths import ProfilePaths

log = logging.getLogger(__name__)

SMOKE_SETTLE_SECONDS = 1.0  # let the window lay out, query and sync once before a smoke test ends
SMOKE_POLL_MS = 100


@dataclass(frozen=True)
class AppOptions:
    """What the composition root learnt before Qt started, and how to run."""

    settings: Settings
    notices: tuple[str, ...] = ()
    smoke_test: bool = False
    crash: CrashHandler | None = None
    trace: Callable[[str], None] | None = None  # told each start-up milestone ("window", …)


def run_app(
    opening: ProfileOpening, paths: ProfilePaths, argv: list[str], options: AppOptions
) -> int:
    """Show the window shell at once, attach the profile when ``opening`` is done, and run."""
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("eqvisit")
    app.setOrganizationName("eqvisit")
    notifier = CrashNotifier(options.crash) if options.crash is not None else None
    worker = Worker()
    window: MainWindow | None = None
    try:
        window = MainWindow(None, paths, worker, options.settings)
        window.show()
        app.processEvents()  # laid out and painted: the opening may take the GIL now
        opening.window_shown()
        flow = StartupFlow(
            window,
            opening,
            worker,
            StartupChoices(paths, argv, options.notices, options.smoke_test, options.trace),
        )
        log.info("start-up: window shown")
        if options.trace is not None:
            options.trace("window")
        window.ready.connect(settle_heap)
        if options.smoke_test:
            return _smoke(app, window, worker, flow)
        code = app.exec()
        return flow.exit_code if flow.exit_code is not None else code
    finally:
        # Finish queued writes before the store closes, and drop Qt objects while Python still
        # runs: PySide6 can crash if they are left for interpreter shutdown to tear down.
        worker.shutdown()
        if window is not None:
            window.close()
            window.deleteLater()
        app.processEvents()
        if notifier is not None:
            notifier.uninstall()


def _smoke(app: QApplication, window: MainWindow, worker: Worker, flow: StartupFlow) -> int:
    """Run the event loop until the profile is attached, the window has settled and the worker
    is idle, then exit (with the start-up's own status if it failed)."""
    started = time.monotonic()
    outcome = {"code": 1}

    def check() -> None:
        waiting = not window.attached or worker.pending
        if time.monotonic() - started < SMOKE_SETTLE_SECONDS or waiting:
            return
        outcome["code"] = 0 if window.isVisible() else 1
        log.info("smoke test: main window %s", "shown" if outcome["code"] == 0 else "missing")
        timer.stop()
        app.quit()

    timer = QTimer()
    timer.setInterval(SMOKE_POLL_MS)
    timer.timeout.connect(check)
    timer.start()
    app.exec()
    return flow.exit_code if flow.exit_code is not None else outcome["code"]
