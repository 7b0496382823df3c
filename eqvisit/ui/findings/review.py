"""Review what sync could not settle alone (opened from the Sync page).

Conflicts: both values side by side with author and time; keep either, or merge the text in an
editor prefilled with both. Each choice is an ordinary synced change; neither value is deleted.
Refused changes: the reason, "Copy" puts the change on the clipboard; "Edit and retry" sends it
again as a new change; "Discard" drops it only after an explicit confirmation.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from eqvisit.ui.messages import describe
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from eqvisit.services.conflicts import ConflictRow, ConflictService, RejectedChangeRow

ROW_ROLE = Qt.ItemDataRole.UserRole + 40


def shown_value(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1)


class TextDialog(QDialog):
    """A text editor with OK/Cancel and a line for what is wrong; ``check`` returns a problem."""

    def __init__(self, parent: QWidget | None, title: str, name: str, text: str, hint: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(name)
        self.editor = QPlainTextEdit(text)
        self.editor.setObjectName(f"{name}Text")
        self.editor.setAccessibleName(title)
        self.message = QLabel()
        self.message.setObjectName("dialogMessage")
        self.message.setWordWrap(True)
        self.check: Any = lambda _text: None
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        hint_label = QLabel(hint)
        hint_label.setWordWrap(True)
        layout.addWidget(hint_label)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def _try_accept(self) -> None:
        problem = self.check(self.editor.toPlainText())
        if problem:
            self.message.setText(problem)
            return
        self.accept()


def _side(title: str, name: str) -> tuple[QGroupBox, QPlainTextEdit]:
    box = QGroupBox(title)
    value = QPlainTextEdit()
    value.setObjectName(name)
    value.setAccessibleName(title)
    value.setReadOnly(True)
    layout = QVBoxLayout(box)
    layout.addWidget(value)
    return box, value


class ReviewDialog(QDialog):
    """Emits ``changed`` after each resolution, retry or discard (the status bar refreshes)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None, conflicts: ConflictService, worker: Worker) -> None:
        super().__init__(parent)
        self.setWindowTitle("Review conflicts and refused changes")
        self.setObjectName("reviewDialog")
        self._service = conflicts
        self._worker = worker
        self.merge_dialog: TextDialog | None = None
        self.retry_dialog: TextDialog | None = None
        self.confirm_box: QMessageBox | None = None

        self.message = QLabel()
        self.message.setObjectName("reviewMessage")
        self.message.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._conflicts_tab(), "Conflicts")
        self.tabs.addTab(self._refused_tab(), "Refused changes")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.resize(980, 640)
        self.refresh()

    # -- layout --------------------------------------------------------------------------------

    def _conflicts_tab(self) -> QWidget:
        tab = QWidget()
        self.conflict_list = QListWidget()
        self.conflict_list.setObjectName("conflictList")
        self.conflict_list.setAccessibleName("Conflicts to review")
        self.conflict_list.setMaximumHeight(160)
        self.conflict_list.currentItemChanged.connect(self._show_conflict)
        self.winning_box, self.winning_value = _side("Kept now", "conflictWinning")
        self.losing_box, self.losing_value = _side("Set aside", "conflictLosing")
        sides = QHBoxLayout()
        sides.addWidget(self.winning_box)
        sides.addWidget(self.losing_box)
        self.keep_winning = QPushButton("Keep this value")
        self.keep_winning.setObjectName("keepWinning")
        self.keep_winning.clicked.connect(lambda: self._keep("winning"))
        self.keep_losing = QPushButton("Use this value")
        self.keep_losing.setObjectName("keepLosing")
        self.keep_losing.clicked.connect(lambda: self._keep("losing"))
        self.merge_button = QPushButton("&Merge text…")
        self.merge_button.setObjectName("mergeConflict")
        self.merge_button.clicked.connect(self.merge)
        self.conflict_note = QLabel()
        self.conflict_note.setObjectName("conflictNote")
        self.conflict_note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_winning)
        buttons.addWidget(self.keep_losing)
        buttons.addWidget(self.merge_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(
            QLabel("Two people changed the same thing without seeing each other's edit:")
        )
        layout.addWidget(self.conflict_list)
        layout.addLayout(sides, 1)
        layout.addWidget(self.conflict_note)
        layout.addLayout(buttons)
        return tab

    def _refused_tab(self) -> QWidget:
        tab = QWidget()
        self.refused_list = QListWidget()
        self.refused_list.setObjectName("refusedList")
        self.refused_list.setAccessibleName("Changes the server refused")
        self.refused_list.setMaximumHeight(160)
        self.refused_list.currentItemChanged.connect(self._show_refused)
        self.refused_detail = QTextBrowser()
        self.refused_detail.setObjectName("refusedDetail")
        self.refused_detail.setAccessibleName("The refused change and why it was refused")
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setObjectName("copyRefused")
        self.copy_button.clicked.connect(self.copy_refused)
        self.retry_button = QPushButton("&Edit and retry…")
        self.retry_button.setObjectName("retryRefused")
        self.retry_button.clicked.connect(self.edit_and_retry)
        self.discard_button = QPushButton("&Discard…")
        self.discard_button.setObjectName("discardRefused")
        self.discard_button.clicked.connect(self.discard)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(QLabel("The server refused these changes; they are kept on this laptop:"))
        layout.addWidget(self.refused_list)
        layout.addWidget(self.refused_detail, 1)
        layout.addLayout(buttons)
        return tab

    # -- loading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._worker.submit(
            lambda: (self._service.open_conflicts(), self._service.rejected_changes()),
            self._show,
            self._failed,
        )

    def _show(self, lists: tuple[list[ConflictRow], list[RejectedChangeRow]]) -> None:
        conflicts, refused = lists
        self.tabs.setTabText(0, f"Conflicts ({len(conflicts)})")
        self.tabs.setTabText(1, f"Refused changes ({len(refused)})")
        self.conflict_list.clear()
        for row in conflicts:
            item = QListWidgetItem(f"{row.what} · {row.field.replace('_', ' ')}")
            item.setData(ROW_ROLE, row)
            self.conflict_list.addItem(item)
        self.refused_list.clear()
        for refused_row in refused:
            item = QListWidgetItem(f"{refused_row.what} — {refused_row.reason}")
            item.setData(ROW_ROLE, refused_row)
            self.refused_list.addItem(item)
        if conflicts:
            self.conflict_list.setCurrentRow(0)
        else:
            self._show_conflict()
        if refused:
            self.refused_list.setCurrentRow(0)
        else:
            self._show_refused()
        if not conflicts and refused:
            self.tabs.setCurrentIndex(1)

    def _failed(self, error: BaseException) -> None:
        self.message.setText(describe(error))

    def _conflict(self) -> ConflictRow | None:
        item = self.conflict_list.currentItem()
        return cast("ConflictRow | None", item.data(ROW_ROLE)) if item is not None else None

    def _refused(self) -> RejectedChangeRow | None:
        item = self.refused_list.currentItem()
        return cast("RejectedChangeRow | None", item.data(ROW_ROLE)) if item is not None else None

    def _show_conflict(self) -> None:
        row = self._conflict()
        for button in (self.keep_winning, self.keep_losing, self.merge_button):
            button.setEnabled(row is not None and row.may_resolve)
        self.merge_button.setEnabled(row is not None and row.may_resolve and row.mergeable)
        if row is None:
            self.winning_box.setTitle("Kept now")
            self.losing_box.setTitle("Set aside")
            self.winning_value.clear()
            self.losing_value.clear()
            self.conflict_note.setText("No conflicts to review.")
            return
        winner = "you" if row.mine == "winning" else row.winning_author
        loser = "you" if row.mine == "losing" else row.losing_author
        self.winning_box.setTitle(
            f"Kept now — by {winner}, {row.winning_at.astimezone():%Y-%m-%d %H:%M}"
        )
        self.losing_box.setTitle(
            f"Set aside — by {loser}, {row.losing_at.astimezone():%Y-%m-%d %H:%M}"
        )
        self.winning_value.setPlainText(shown_value(row.winning_value))
        self.losing_value.setPlainText(shown_value(row.losing_value))
        self.keep_winning.setText(f"Keep {'mine' if row.mine == 'winning' else winner + '’s'}")
        self.keep_losing.setText(f"Use {'mine' if row.mine == 'losing' else loser + '’s'}")
        note = (
            "Whichever you choose, both values stay in the record of this conflict."
            if row.may_resolve
            else "Only the visit's lead or the two authors may resolve this conflict."
        )
        if row.changed_since:
            now = shown_value(row.current_value)
            note = (
                f"Changed again since the conflict: it now reads “{now[:200]}”. "
                f"Choosing a value here replaces that. {note}"
            )
        self.conflict_note.setText(note)

    def _show_refused(self) -> None:
        row = self._refused()
        for button in (self.copy_button, self.retry_button, self.discard_button):
            button.setEnabled(row is not None)
        if row is None:
            self.refused_detail.setPlainText("No refused changes.")
            return
        self.refused_detail.setPlainText(row.text)

    # -- resolving -------------------------------------------------------------------------------

    def _keep(self, side: str) -> None:
        row = self._conflict()
        if row is None:
            return
        self._resolve(row.id, row.winning_value if side == "winning" else row.losing_value)

    def merge(self) -> None:
        row = self._conflict()
        if row is None:
            return
        dialog = TextDialog(
            self,
            "Merge the two texts",
            "mergeDialog",
            f"{row.winning_value}\n\n{row.losing_value}",
            "Both texts are below; edit them into the one the visit should keep.",
        )
        dialog.check = lambda text: None if text.strip() else "The merged text is empty."
        dialog.accepted.connect(lambda: self._resolve(row.id, dialog.editor.toPlainText()))
        self.merge_dialog = dialog
        dialog.open()

    def _resolve(self, conflict_id: str, value: Any) -> None:
        self._worker.submit(
            lambda: self._service.resolve(conflict_id, value), self._done, self._failed
        )

    def _done(self, _result: object = None) -> None:
        self.message.setText("Done. It goes to the server with the next sync.")
        self.changed.emit()
        self.refresh()

    # -- refused changes -------------------------------------------------------------------------

    def copy_refused(self) -> None:
        row = self._refused()
        if row is not None:
            QApplication.clipboard().setText(row.text)
            self.message.setText("The refused change is on the clipboard.")

    def edit_and_retry(self) -> None:
        row = self._refused()
        if row is None:
            return
        dialog = TextDialog(
            self,
            "Edit and retry",
            "retryDialog",
            json.dumps(row.fields, indent=2, ensure_ascii=False),
            f"Refused: {row.reason}\nEdit the fields (JSON) and send them again as a new change.",
        )
        dialog.check = _json_problem
        dialog.accepted.connect(
            lambda: self._worker.submit(
                lambda: self._service.retry(row.change_id, json.loads(dialog.editor.toPlainText())),
                self._done,
                self._failed,
            )
        )
        self.retry_dialog = dialog
        dialog.open()

    def discard(self) -> None:
        row = self._refused()
        if row is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Discard the refused change?",
            f"Discard this change for good?\n\n{row.text}\n\nIt will not be sent again. "
            "Copy it first if you may need it.",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("confirmDiscard")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: (
                self._discard(row.change_id)
                if box.standardButton(button) == QMessageBox.StandardButton.Discard
                else None
            )
        )
        self.confirm_box = box
        box.open()

    def _discard(self, change_id: str) -> None:
        self._worker.submit(lambda: self._service.discard(change_id), self._done, self._failed)


def _json_problem(text: str) -> str | None:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"Not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
    if not isinstance(value, dict) or not value:
        return 'Write the fields as a JSON object, such as {"text": "…"}.'
    return None
