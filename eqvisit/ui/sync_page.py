"""Sync: the connection, a "Sync now" button, the last result, and background sync on a timer.

Sync runs on the worker like every other service call, so typing never waits for the network.
A revoked device stops the timer and says so; an unreachable server only marks us offline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from eqvisit.errors import AuthError, NetworkError, WipeRequired
from eqvisit.ui.findings.review import ReviewDialog
from eqvisit.ui.messages import describe
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from eqvisit.services.conflicts import ConflictService
    from eqvisit.services.dto import SyncStatus
    from eqvisit.services.sync import SyncReport, SyncService

SYNC_INTERVAL_MS = 5 * 60 * 1000


class SyncPage(QWidget):
    """Emits ``state_changed(text)`` for the status bar after every attempt, and ``progress``."""

    state_changed = Signal(str)
    synced = Signal()
    reviewed = Signal()  # a conflict resolved or a refused change retried/discarded
    progress = Signal(str)  # emitted on the worker thread; Qt queues it to the UI thread
    wipe_required = Signal(str)  # the device was revoked: the window says so, then closes

    def __init__(
        self,
        sync: SyncService,
        worker: Worker,
        interval_ms: int = SYNC_INTERVAL_MS,
        conflicts: ConflictService | None = None,
    ) -> None:
        super().__init__()
        self._sync = sync
        self._worker = worker
        self._conflicts = conflicts
        self.review_dialog: ReviewDialog | None = None
        self._running = False
        self.connection_label = QLabel()
        self.connection_label.setObjectName("syncConnection")
        self.connection_label.setWordWrap(True)
        self.summary = QLabel("Not synced yet in this session.")
        self.summary.setObjectName("syncSummary")
        self.summary.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setObjectName("syncResult")
        self.result_label.setWordWrap(True)
        self.rejections = QListWidget()
        self.rejections.setObjectName("syncRejections")
        self.rejections.setAccessibleName("Changes the server refused")
        self.sync_button = QPushButton("&Sync now")
        self.sync_button.setObjectName("syncNow")
        self.sync_button.setAccessibleName("Sync with the central store now")
        self.sync_button.clicked.connect(self.request_sync)
        self.copy_button = QPushButton("&Copy refused changes")
        self.copy_button.setObjectName("copyRejections")
        self.copy_button.clicked.connect(self._copy_rejections)

        self.review_button = QPushButton("&Review conflicts and refused changes…")
        self.review_button.setObjectName("openReview")
        self.review_button.setEnabled(conflicts is not None)
        self.review_button.clicked.connect(self.open_review)

        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.review_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.connection_label)
        layout.addLayout(buttons)
        layout.addWidget(self.result_label)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("Changes the server refused (kept on this laptop):"))
        layout.addWidget(self.rejections, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.sync_now)
        self._show_connection()

    def _show_connection(self) -> None:
        connection = self._sync.connection()
        if connection is None:
            self.connection_label.setText(
                "This profile is not signed in to a central store. Run 'eqvisit login' (or the "
                "demo) to connect; everything you write is kept here until then."
            )
            self.sync_button.setEnabled(False)
            return
        where = (
            "a local demo central store"
            if connection.server_url.startswith("local:")
            else connection.server_url
        )
        self.connection_label.setText(f"Signed in to {where} as {connection.display_name}.")
        self.sync_button.setEnabled(True)
        self.timer.start()

    #: Set by the main window: runs before a sync a person asked for, and calls ``go`` to sync.
    before_manual_sync: Callable[[Callable[[], None]], None] | None = None

    def request_sync(self) -> None:
        """A sync asked for by the person (button, F5): check their notes first if set up."""
        if self.before_manual_sync is None:
            self.sync_now()
        else:
            self.before_manual_sync(self.sync_now)

    def sync_now(self) -> None:
        if self._running or self._sync.connection() is None:
            return
        self._running = True
        self.sync_button.setEnabled(False)
        self.state_changed.emit("Syncing…")
        report_progress = self.progress.emit
        self._worker.submit(
            lambda: self._sync.sync_once(report_progress), self._on_synced, self._on_failed
        )

    def _on_synced(self, report: SyncReport) -> None:
        self._running = False
        self.sync_button.setEnabled(True)
        when = datetime.now().strftime("%H:%M")
        waiting = sum(r.unsent for r in report.receipts)
        receipt = (
            "Everything you wrote on your visits is on the server."
            if all(r.matches for r in report.receipts)
            else f"{waiting} changes are not on the server yet."
        )
        self.result_label.setText(
            f"Last sync {when}: sent {report.pushed} ({report.rejected} refused), "
            f"received {report.pulled}. {receipt}"
        )
        for reason in report.rejections:
            self.rejections.addItem(reason)
        self.state_changed.emit(f"Online · last sync {when}")
        self.synced.emit()

    def _on_failed(self, error: BaseException) -> None:
        self._running = False
        self.sync_button.setEnabled(True)
        if isinstance(error, WipeRequired):
            self.timer.stop()
            self.sync_button.setEnabled(False)
            self.state_changed.emit("Access revoked — this laptop's data is being erased")
            self.result_label.setText(str(error))
            self.wipe_required.emit(str(error))
            return
        if isinstance(error, NetworkError):
            self.state_changed.emit(
                "Offline — the central store cannot be reached; your work is kept here"
            )
        elif isinstance(error, AuthError):
            self.timer.stop()
            self.state_changed.emit("Sync stopped — sign in again")
        else:
            self.state_changed.emit("Sync failed — see the Sync page")
        self.result_label.setText(describe(error))

    def show_status(self, status: SyncStatus) -> None:
        self.summary.setText(
            f"Changes waiting to send: {status.pending}\n"
            f"Changes the server refused: {status.rejected}\n"
            f"Conflicts to review: {status.open_conflicts}\n"
            f"This device: {status.device_id}"
        )

    def open_review(self) -> None:
        if self._conflicts is None:
            return
        dialog = ReviewDialog(self, self._conflicts, self._worker)
        dialog.changed.connect(self.reviewed.emit)
        self.review_dialog = dialog
        dialog.open()

    def _copy_rejections(self) -> None:
        lines = [self.rejections.item(i).text() for i in range(self.rejections.count())]
        QApplication.clipboard().setText("\n".join(lines))
