"""The main window: navigation (Providers, Visits, Sync, Reports, Findings), pages, a status
bar, menus, layout.

The window is built in two steps so that it paints before the store is open (DESIGN §2: the
UI never waits): the constructor builds the shell — navigation, a page saying the store is
opening, the status bar, menus, the remembered layout and theme — and :meth:`MainWindow.attach`
adds the pages once the profile's services are open (:mod:`eqvisit.opening`), then emits
``ready`` when their first lists are on screen.

The status bar shows sync state (offline / online, changes waiting, last sync, conflicts), a busy
indicator while the worker runs, and the signed-in user and profile. The View menu switches the
high-contrast theme and scales fonts, and File → Settings edits every setting; both save the
profile's ``settings.json``. The layout (geometry, splitters, section) is remembered per profile
in ``window.ini``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from eqvisit import __version__
from eqvisit.settings import Settings, load_settings, save_settings
from eqvisit.ui.idle_lock import IdleWatcher
from eqvisit.ui.messages import show_error
from eqvisit.ui.providers_page import ProvidersPage
from eqvisit.ui.settings_dialog import SettingsDialog
from eqvisit.ui.theme import (
    SCALE_STEP,
    Appearance,
    ThemeManager,
    appearance_of,
    settings_for,
    with_appearance,
)
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from collections.abc import Callable

    from eqvisit.app_services import Services
    from eqvisit.paths import ProfilePaths
    from eqvisit.services.dto import SyncStatus
    from eqvisit.services.redaction import RedactionItem
    from eqvisit.ui.capture.redaction_dialog import RedactionDialog
    from eqvisit.ui.findings.page import FindingsPage
    from eqvisit.ui.idle_lock import LockScreen
    from eqvisit.ui.report_page import ReportPage
    from eqvisit.ui.sync_page import SyncPage
    from eqvisit.ui.visits_page import VisitsPage

STATUS_REFRESH_MS = 5_000
SECTIONS = ("Providers", "Visits", "Sync", "Reports", "Findings")
OPENING_TEXT = "Opening the local store…"


class MainWindow(QMainWindow):
    """The main window; ``services=None`` builds the shell only, and :meth:`attach` the rest."""

    ready = Signal()  # attached, and the first lists are on screen (the worker went idle)

    visits_page: VisitsPage
    sync_page: SyncPage
    report_page: ReportPage
    findings_page: FindingsPage
    lock_screen: LockScreen

    def __init__(
        self,
        services: Services | None,
        paths: ProfilePaths,
        worker: Worker,
        settings: Settings | None = None,
        *,
        idle_lock_ms: int | None = None,
    ) -> None:
        super().__init__()
        self._services: Services | None = None
        self._paths = paths
        self.worker = worker
        self.settings = settings or load_settings(paths.settings_file).settings
        self.settings_dialog: SettingsDialog | None = None
        self.startup_notice: QMessageBox | None = None
        self.setWindowTitle("eqvisit")
        self.setObjectName("mainWindow")
        self.setAccessibleName("eqvisit")
        self.resize(1280, 800)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.theme = ThemeManager(app)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setAccessibleName("Sections")
        self.navigation.addItems(list(SECTIONS))
        self.navigation.setMaximumWidth(180)

        lock_after_ms = (
            idle_lock_ms if idle_lock_ms is not None else self.settings.idle_lock_minutes * 60_000
        )
        self.redaction_dialog: RedactionDialog | None = None
        self._sync_state = "Offline — not connected to a central store"
        self.opening_page = QLabel(OPENING_TEXT)
        self.opening_page.setObjectName("openingStore")
        self.opening_page.setAccessibleName("Opening the local store")
        self.opening_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.opening_page.setWordWrap(True)
        self.providers_page = ProvidersPage(None, worker)
        self.providers_page.plan_visit.connect(self.plan_visit)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.providers_page)
        self.pages.addWidget(self.opening_page)
        self.navigation.currentRowChanged.connect(self._show_page)

        self.splitter = QSplitter()
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.navigation)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([160, 1120])
        self.content = QStackedWidget()
        self.content.addWidget(self.splitter)
        self.setCentralWidget(self.content)
        self._hidden_while_locked: list[QWidget] = []
        self.idle_watcher = IdleWatcher(lock_after_ms, self)
        self.idle_watcher.idle.connect(self.lock)

        self.sync_label = QLabel(OPENING_TEXT)
        self.sync_label.setObjectName("syncState")
        self.sync_label.setAccessibleName("Sync state")
        self.busy = QProgressBar()
        self.busy.setObjectName("busyIndicator")
        self.busy.setAccessibleName("Working in the background")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.user_label = QLabel()
        self.user_label.setObjectName("signedInUser")
        self.user_label.setAccessibleName("Signed-in user and profile")
        self.statusBar().addWidget(self.sync_label, 1)
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().addPermanentWidget(self.user_label)
        worker.busy_changed.connect(self.busy.setVisible)
        self._store_actions: list[QAction] = []
        self._build_menus()

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self.refresh_status)
        self._restore_layout()
        if services is not None:
            self.attach(services)

    @property
    def attached(self) -> bool:
        return self._services is not None

    def attach(self, services: Services) -> None:
        """Add the pages on the opened profile's services, load their first lists, start syncing.

        The page modules are imported here, not at the top: the shell must paint without them.
        """
        from eqvisit.ui.pages import build_pages

        if self._services is not None:
            raise RuntimeError("the window already has its services")
        self._services = services
        worker = self.worker
        built = build_pages(services, worker, self.settings.sync_interval_minutes * 60_000)
        self.visits_page = built.visits
        self.sync_page, self.report_page = built.sync, built.report
        self.findings_page, self.lock_screen = built.findings, built.lock_screen
        self.sync_page.reviewed.connect(self.refresh_status)
        self.sync_page.reviewed.connect(self.findings_page.load_board)
        self.sync_page.state_changed.connect(self._show_sync_state)
        self.sync_page.synced.connect(self._after_sync)
        self.sync_page.progress.connect(self._show_progress)
        self.sync_page.before_manual_sync = self._review_before_sync
        self.sync_page.wipe_required.connect(self._close_for_wipe)
        self.pages.removeWidget(self.opening_page)
        self.opening_page.deleteLater()
        for page in (
            self.visits_page,
            self.sync_page,
            self.report_page,
            self.findings_page,
        ):
            self.pages.addWidget(page)
        self.lock_screen.unlocked.connect(self.unlock)
        self.content.addWidget(self.lock_screen)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.installEventFilter(self.idle_watcher)
        self.idle_watcher.start()
        for action in self._store_actions:
            action.setEnabled(True)
        self._restore_splitters("visits")
        self._show_page(self.navigation.currentRow())
        worker.busy_changed.connect(self._first_lists_shown)
        self._status_timer.start()
        self.providers_page.attach(services.providers)
        self.visits_page.refresh()
        self.refresh_status()
        if services.sync.connection() is not None:
            self._sync_state = "Connecting…"
            QTimer.singleShot(0, self.sync_page.sync_now)

    def _first_lists_shown(self, busy: bool) -> None:
        if busy:
            return
        self.worker.busy_changed.disconnect(self._first_lists_shown)
        self.ready.emit()

    def _opened_services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the profile is still being opened")
        return self._services

    # -- menus ------------------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: object,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        *,
        needs_store: bool = False,
    ) -> QAction:
        """A window-wide action; ``needs_store``: disabled until :meth:`attach`."""
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)
        if needs_store:
            action.setEnabled(False)
            self._store_actions.append(action)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(
            self._action(
                "&New visit…",
                lambda: self.plan_visit(""),
                QKeySequence.StandardKey.New,
                needs_store=True,
            )
        )
        file_menu.addAction(self._action("&Back up now", self.back_up_now, needs_store=True))
        file_menu.addAction(
            self._action("S&ettings…", self.edit_settings, QKeySequence.StandardKey.Preferences)
        )
        file_menu.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit))
        go_menu = self.menuBar().addMenu("&Go")
        for row, name in enumerate(SECTIONS):
            go_menu.addAction(
                self._action(
                    f"&{name}",
                    lambda _checked=False, r=row: self.navigation.setCurrentRow(r),
                    f"Ctrl+{row + 1}",
                )
            )
        go_menu.addAction(
            self._action("Sync &now", lambda: self.sync_page.request_sync(), "F5", needs_store=True)
        )
        view_menu = self.menuBar().addMenu("&View")
        self.contrast_action = self._action("&High contrast", self._toggle_contrast, "Ctrl+Shift+H")
        self.contrast_action.setCheckable(True)
        view_menu.addAction(self.contrast_action)
        view_menu.addAction(
            self._action("&Larger text", lambda: self.scale_text(SCALE_STEP), "Ctrl+=")
        )
        view_menu.addAction(
            self._action("&Smaller text", lambda: self.scale_text(-SCALE_STEP), "Ctrl+-")
        )
        view_menu.addAction(self._action("&Normal text size", self._reset_text, "Ctrl+0"))
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("&About eqvisit", self.show_about))

    # -- navigation -------------------------------------------------------------------------

    def _show_page(self, row: int) -> None:
        if not self.attached:  # the shell: Providers takes typing, the rest wait for the store
            self.pages.setCurrentWidget(self.providers_page if row == 0 else self.opening_page)
            if row == 0:
                self.providers_page.search_box.setFocus()
            return
        self.pages.setCurrentIndex(row)
        if row == 0:
            self.providers_page.search_box.setFocus()
        elif row == 1:
            self.visits_page.table.setFocus()
        elif row == SECTIONS.index("Findings"):
            self.findings_page.refresh()

    def plan_visit(self, provider_id: str) -> None:
        """Open the new-visit dialog (for ``provider_id`` when given) on the Visits page."""
        self.navigation.setCurrentRow(1)
        self.visits_page.new_visit(provider_id or None)

    # -- redaction aid ----------------------------------------------------------------------

    def _review_before_sync(self, go: Callable[[], None]) -> None:
        """Show the author's unsynced notes that look personal, then sync if they carry on."""
        self.worker.submit(
            self._opened_services().redaction.review, lambda items: self._ask_redaction(items, go)
        )

    def _ask_redaction(self, items: list[RedactionItem], go: Callable[[], None]) -> None:
        if not items:
            go()
            return
        from eqvisit.ui.pages import RedactionDialog

        dialog = RedactionDialog(self, items, self._save_redacted)
        dialog.accepted.connect(go)
        self.redaction_dialog = dialog
        dialog.open()

    def _save_redacted(self, record_type: str, record_id: str, text: str) -> None:
        capture = self._opened_services().capture
        if record_type == "responses":
            job: Callable[[], object] = lambda: capture.edit_note(record_id, text)  # noqa: E731
        else:
            job = lambda: capture.update_observation(record_id, {"text": text})  # noqa: E731
        self.worker.submit(job, lambda _row: self.refresh_status())

    # -- appearance -------------------------------------------------------------------------

    def apply_appearance(self, appearance: Appearance) -> None:
        self.apply_settings(with_appearance(self.settings, appearance))

    def _toggle_contrast(self) -> None:
        current = self.theme.current
        self.apply_appearance(Appearance(not current.high_contrast, current.font_scale))

    def scale_text(self, step: float) -> None:
        self.apply_appearance(self.theme.current.scaled(step))

    def _reset_text(self) -> None:
        self.apply_appearance(Appearance(self.theme.current.high_contrast, 1.0))

    # -- settings and backups ---------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> None:
        """Use ``settings`` now (theme, text size, sync interval) and save them to the profile."""
        self.settings = settings
        self.theme.apply(appearance_of(settings))
        self.contrast_action.setChecked(self.theme.current.high_contrast)
        self.idle_watcher.timer.setInterval(settings.idle_lock_minutes * 60_000)
        if self.attached:
            self.sync_page.timer.setInterval(settings.sync_interval_minutes * 60_000)
        try:
            save_settings(self._paths.settings_file, settings)
        except OSError as exc:
            self.statusBar().showMessage(
                f"Settings not saved to {self._paths.settings_file}: {exc}"
            )

    def edit_settings(self) -> None:
        """Open the settings dialog (kept on the window, so tests can drive it)."""
        dialog = SettingsDialog(self.settings, self._paths.settings_file, self)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.chosen()))
        self.settings_dialog = dialog
        dialog.open()

    def back_up_now(self) -> None:
        self.statusBar().showMessage("Backing up the local store…")
        self.worker.submit(
            self._opened_services().backups.backup_now, self._backed_up, self._backup_failed
        )

    def _backed_up(self, path: object) -> None:
        self.statusBar().showMessage(f"Backup saved to {path}")

    def _backup_failed(self, error: BaseException) -> None:
        self.statusBar().clearMessage()
        show_error(self, "Backup failed", error)

    # -- status -----------------------------------------------------------------------------

    def refresh_status(self) -> None:
        self.worker.submit(self._opened_services().sync_status.status, self._show_status)

    def _show_sync_state(self, text: str) -> None:
        self._sync_state = text
        self.refresh_status()

    def _show_progress(self, text: str) -> None:
        self.sync_label.setText(f"Syncing… {text}")

    # -- idle lock --------------------------------------------------------------------------

    def is_locked(self) -> bool:
        return self.attached and self.content.currentWidget() is self.lock_screen

    def lock(self) -> None:
        """Hide every piece of data (dialogs included) behind the lock screen."""
        if self.is_locked() or not self.attached:
            return
        self.idle_watcher.pause()
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self._hidden_while_locked = [
            w for w in app.topLevelWidgets() if w is not self and w.isVisible()
        ]
        for widget in self._hidden_while_locked:
            widget.hide()
        self.menuBar().setEnabled(False)
        self.content.setCurrentWidget(self.lock_screen)
        self.lock_screen.passphrase.setFocus()

    def unlock(self) -> None:
        self.content.setCurrentWidget(self.splitter)
        self.menuBar().setEnabled(True)
        for widget in self._hidden_while_locked:
            widget.show()
        self._hidden_while_locked = []
        self.idle_watcher.resume()

    def _close_for_wipe(self, message: str) -> None:
        """Say why, then close: the composition root erases the profile once the store closes."""
        self.wipe_notice = QMessageBox(
            QMessageBox.Icon.Critical,
            "Access revoked",
            message,
            QMessageBox.StandardButton.Ok,
            self,
        )
        self.wipe_notice.setObjectName("wipeNotice")
        self.wipe_notice.finished.connect(lambda _result: self.close())
        self.wipe_notice.open()

    def _after_sync(self) -> None:
        self.providers_page.refresh()
        self.visits_page.refresh()
        self.visits_page.show_receipt()
        if self.pages.currentWidget() is self.findings_page:
            self.findings_page.load_board(keep_editor=True)

    def _show_status(self, status: SyncStatus) -> None:
        parts = [self._sync_state, f"{status.pending} changes waiting"]
        if status.open_conflicts:
            parts.append(f"{status.open_conflicts} conflicts to review")
        if status.rejected:
            parts.append(f"{status.rejected} refused")
        self.sync_label.setText(" · ".join(parts))
        self.user_label.setText(
            f"{status.signed_in_user or 'Not signed in'} · profile {self._paths.data_dir.parent}"
        )
        self.sync_page.show_status(status)
        if self.pages.currentWidget() is self.visits_page:
            self.visits_page.show_receipt()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About eqvisit",
            f"eqvisit {__version__}\nOffline-first tool for NHS education quality visits.\n"
            f"Data: {self._paths.data_dir}",
        )

    # -- layout -----------------------------------------------------------------------------

    def _splitters(self) -> dict[str, QSplitter]:
        """The splitters whose state is remembered (the pages' only once they exist)."""
        shell = {"main": self.splitter, "providers": self.providers_page.splitter}
        if not self.attached:
            return shell
        return {**shell, "visits": self.visits_page.splitter}

    def _restore_splitters(self, *names: str) -> None:
        settings = settings_for(self._paths.config_dir)
        for name, splitter in self._splitters().items():
            state = settings.value(f"splitters/{name}") if name in names else None
            if isinstance(state, QByteArray):
                splitter.restoreState(state)

    def _restore_layout(self) -> None:
        settings = settings_for(self._paths.config_dir)
        geometry = settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self._restore_splitters("main", "providers")
        try:
            section = int(str(settings.value("section", 0)))
        except ValueError:
            section = 0
        self.navigation.setCurrentRow(section if 0 <= section < len(SECTIONS) else 0)
        self.theme.apply(appearance_of(self.settings))
        self.contrast_action.setChecked(self.theme.current.high_contrast)

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = settings_for(self._paths.config_dir)
        settings.setValue("geometry", self.saveGeometry())
        for name, splitter in self._splitters().items():
            settings.setValue(f"splitters/{name}", splitter.saveState())
        settings.setValue("section", self.navigation.currentRow())
        settings.sync()
        self._status_timer.stop()
        self.idle_watcher.pause()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle_watcher)
        super().closeEvent(event)
