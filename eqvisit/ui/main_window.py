"""The main window: navigation (Providers, Visits, Sync), pages, and a status bar for sync state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
)

from eqvisit import __version__
from eqvisit.ui.providers_page import ProvidersPage
from eqvisit.ui.report_page import ReportPage
from eqvisit.ui.sync_page import SyncPage
from eqvisit.ui.visits_page import VisitsPage
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from eqvisit.app_services import Services
    from eqvisit.paths import ProfilePaths
    from eqvisit.services.dto import SyncStatus

STATUS_REFRESH_MS = 5_000


class MainWindow(QMainWindow):
    def __init__(self, services: Services, paths: ProfilePaths, worker: Worker) -> None:
        super().__init__()
        self._services = services
        self._paths = paths
        self.worker = worker
        self.setWindowTitle("eqvisit")
        self.setObjectName("mainWindow")
        self.resize(1200, 760)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setAccessibleName("Sections")
        self.navigation.addItems(["Providers", "Visits", "Sync", "Reports"])
        self.navigation.setMaximumWidth(180)

        self.providers_page = ProvidersPage(services.providers, worker)
        self.visits_page = VisitsPage(services.visits, worker)
        self.sync_page = SyncPage(services.sync, worker)
        self.report_page = ReportPage(services.reports, services.visits, services.exports, worker)
        self.sync_page.state_changed.connect(self._show_sync_state)
        self.sync_page.synced.connect(self._after_sync)
        self._sync_state = "Offline — not connected to a central store"
        self.pages = QStackedWidget()
        for page in (self.providers_page, self.visits_page, self.sync_page, self.report_page):
            self.pages.addWidget(page)
        self.navigation.currentRowChanged.connect(self._show_page)

        splitter = QSplitter()
        splitter.addWidget(self.navigation)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([160, 1040])
        self.setCentralWidget(splitter)

        self.sync_label = QLabel()
        self.sync_label.setObjectName("syncState")
        self.user_label = QLabel()
        self.user_label.setObjectName("signedInUser")
        self.statusBar().addWidget(self.sync_label, 1)
        self.statusBar().addPermanentWidget(self.user_label)
        self._build_menus()

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self.refresh_status)
        self._status_timer.start()
        self._restore_layout()
        self.navigation.setCurrentRow(0)
        self.providers_page.run_search()
        self.visits_page.refresh()
        self.refresh_status()
        if services.sync.connection() is not None:
            self._sync_state = "Connecting…"
            QTimer.singleShot(0, self.sync_page.sync_now)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        go_menu = self.menuBar().addMenu("&Go")
        for row, (name, key) in enumerate(
            (("&Providers", "Ctrl+1"), ("&Visits", "Ctrl+2"), ("&Sync", "Ctrl+3"))
        ):
            action = QAction(name, self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(lambda _checked=False, r=row: self.navigation.setCurrentRow(r))
            go_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About eqvisit", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def _show_page(self, row: int) -> None:
        self.pages.setCurrentIndex(row)
        if row == 0:
            self.providers_page.search_box.setFocus()

    def refresh_status(self) -> None:
        self.worker.submit(self._services.sync_status.status, self._show_status)

    def _show_sync_state(self, text: str) -> None:
        self._sync_state = text
        self.refresh_status()

    def _after_sync(self) -> None:
        self.providers_page.run_search()
        self.visits_page.refresh()

    def _show_status(self, status: SyncStatus) -> None:
        parts = [self._sync_state, f"{status.pending} changes waiting"]
        if status.open_conflicts:
            parts.append(f"{status.open_conflicts} conflicts")
        if status.rejected:
            parts.append(f"{status.rejected} refused")
        self.sync_label.setText(" · ".join(parts))
        self.user_label.setText(
            f"{status.signed_in_user or 'Not signed in'} · profile {self._paths.data_dir.parent}"
        )
        self.sync_page.show_status(status)

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About eqvisit",
            f"eqvisit {__version__}\nOffline-first tool for NHS education quality visits.\n"
            f"Data: {self._paths.data_dir}",
        )

    def _restore_layout(self) -> None:
        settings = QSettings(str(self._paths.config_dir / "window.ini"), QSettings.Format.IniFormat)
        geometry = settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = QSettings(str(self._paths.config_dir / "window.ini"), QSettings.Format.IniFormat)
        settings.setValue("geometry", self.saveGeometry())
        self._status_timer.stop()
        super().closeEvent(event)
