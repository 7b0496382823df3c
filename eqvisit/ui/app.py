"""Create the QApplication, run first-run if needed, show the main window, and shut down cleanly."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from eqvisit.settings import Settings, save_settings
from eqvisit.ui.crash_reporting import CrashNotifier
from eqvisit.ui.first_run import FirstRunDialog, FirstRunServices
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.worker import Worker, settle_heap

if TYPE_CHECKING:
    from eqvisit.app_services import Services
    from eqvisit.crash import CrashHandler
    from eqvisit.paths import ProfilePaths

log = logging.getLogger(__name__)

SMOKE_SETTLE_SECONDS = 1.0  # let the window lay out, query and sync once before a smoke test ends
SMOKE_POLL_MS = 100


@dataclass(frozen=True)
class AppOptions:
    """What the composition root learnt before Qt started, and how to run."""

    settings: Settings
    demo_central_file: Path
    first_run: bool = False
    notices: tuple[str, ...] = ()
    smoke_test: bool = False
    crash: CrashHandler | None = None


def run_app(services: Services, paths: ProfilePaths, argv: list[str], options: AppOptions) -> int:
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("eqvisit")
    app.setOrganizationName("eqvisit")
    notifier = CrashNotifier(options.crash) if options.crash is not None else None
    worker = Worker()
    window: MainWindow | None = None
    try:
        settings = options.settings
        if options.first_run and not options.smoke_test:
            chosen = _first_run(services, worker, options)
            if chosen is None:
                return 0
            if chosen and chosen != settings.server_url:
                settings = settings.model_copy(update={"server_url": chosen})
                save_settings(paths.settings_file, settings)
        window = MainWindow(services, paths, worker, settings)
        window.show()
        settle_heap()
        if options.notices:
            QTimer.singleShot(0, lambda: _show_notices(window, options.notices))
        if options.smoke_test:
            return _smoke(app, window, worker)
        return app.exec()
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


def _first_run(services: Services, worker: Worker, options: AppOptions) -> str | None:
    """Run the first-run dialog; the signed-in server ("" for the demo), ``None`` if quit."""
    dialog = FirstRunDialog(
        FirstRunServices(services.demo, services.sync, options.demo_central_file),
        worker,
        options.settings.server_url,
    )
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    server = dialog.server_url
    dialog.deleteLater()
    if not accepted:
        return None
    return server or ""


def _show_notices(window: MainWindow, notices: tuple[str, ...]) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Information,
        "eqvisit",
        "\n\n".join(notices),
        QMessageBox.StandardButton.Ok,
        window,
    )
    box.setObjectName("startupNotice")
    window.startup_notice = box
    box.open()


def _smoke(app: QApplication, window: MainWindow, worker: Worker) -> int:
    """Run the event loop until the window has settled and the worker is idle, then exit."""
    started = time.monotonic()
    outcome = {"code": 1}

    def check() -> None:
        if time.monotonic() - started < SMOKE_SETTLE_SECONDS or worker.pending:
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
    return outcome["code"]
