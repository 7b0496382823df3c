"""Create the QApplication, show the main window, run the event loop, and shut down cleanly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.worker import Worker, settle_heap

if TYPE_CHECKING:
    from eqvisit.app_services import Services
    from eqvisit.paths import ProfilePaths


def run_app(services: Services, paths: ProfilePaths, argv: list[str]) -> int:
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("eqvisit")
    app.setOrganizationName("eqvisit")
    worker = Worker()
    window = MainWindow(services, paths, worker)
    window.show()
    settle_heap()
    try:
        return app.exec()
    finally:
        # Finish queued writes before the store closes, and drop Qt objects while Python still
        # runs, so nothing is torn down in interpreter shutdown.
        worker.shutdown()
        window.deleteLater()
        app.processEvents()
