"""Before a sync: the author's unsynced notes that look like they name someone, to edit first.

Lists each note or observation with what was found (a roster name, an email, a phone number).
"Edit" puts the text in an editor with the hits selected one by one; "Save edit" writes it
through the capture service on the worker. "Sync anyway" carries on; "Cancel" syncs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from eqvisit.services.redaction import RedactionItem

ITEM_ROLE = Qt.ItemDataRole.UserRole

#: Saves edited text for (record type, record id, new text); runs the write on the worker.
SaveText = Callable[[str, str, str], None]


class RedactionDialog(QDialog):
    def __init__(self, parent: QWidget | None, items: list[RedactionItem], save: SaveText) -> None:
        super().__init__(parent)
        self._save = save
        self.setObjectName("redactionReview")
        self.setWindowTitle("Check before sync")
        self.setAccessibleName("Check notes before sync")
        self.resize(820, 560)
        intro = QLabel(
            "These notes may identify a person or hold contact details. Notes go to the whole "
            "panel and the central store: edit them now, or sync anyway if they are fine."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("redactionList")
        self.list.setAccessibleName("Notes to check")
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("redactionEditor")
        self.editor.setAccessibleName("Text to edit")
        self.editor.setEnabled(False)
        self.found = QLabel()
        self.found.setObjectName("redactionFound")
        self.found.setWordWrap(True)
        self.edit_button = QPushButton("&Edit")
        self.edit_button.setObjectName("redactionEdit")
        self.edit_button.clicked.connect(self.edit_current)
        self.save_button = QPushButton("&Save edit")
        self.save_button.setObjectName("redactionSave")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_current)
        self.buttons = QDialogButtonBox()
        self.sync_button = self.buttons.addButton(
            "S&ync anyway", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.sync_button.setObjectName("syncAnyway")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.edit_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.found)
        layout.addWidget(self.editor, 1)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self.items = list(items)
        for item in self.items:
            entry = QListWidgetItem(
                f"{item.where}: " + "; ".join(hit.description for hit in item.hits)
            )
            entry.setData(ITEM_ROLE, item)
            self.list.addItem(entry)
        self.list.currentRowChanged.connect(self._show)
        self.list.setCurrentRow(0)
        self.sync_button.setText("S&ync anyway" if self.items else "S&ync")

    def current(self) -> RedactionItem | None:
        entry = self.list.currentItem()
        return cast("RedactionItem | None", entry.data(ITEM_ROLE)) if entry is not None else None

    def _show(self, _row: int) -> None:
        item = self.current()
        self.editor.setEnabled(False)
        self.save_button.setEnabled(False)
        self.editor.setPlainText(item.text if item else "")
        self.found.setText(
            "Found " + "; ".join(hit.description for hit in item.hits) if item else ""
        )

    def edit_current(self) -> None:
        """Open the selected text for editing, with the first hit selected."""
        item = self.current()
        if item is None:
            return
        self.editor.setEnabled(True)
        self.save_button.setEnabled(True)
        cursor = self.editor.textCursor()
        cursor.setPosition(item.hits[0].start)
        cursor.setPosition(item.hits[0].end, QTextCursor.MoveMode.KeepAnchor)
        self.editor.setTextCursor(cursor)
        self.editor.setFocus()

    def save_current(self) -> None:
        item = self.current()
        if item is None:
            return
        text = self.editor.toPlainText()
        self._save(item.record_type, item.record_id, text)
        entry = self.list.currentItem()
        if entry is not None:
            entry.setText(f"✓ edited — {item.where}")
        self.editor.setEnabled(False)
        self.save_button.setEnabled(False)
