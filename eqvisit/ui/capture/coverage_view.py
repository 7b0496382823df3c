"""The coverage board: per session and question, who on the panel has covered it; safety flags.

A view of a ``CoverageBoard`` DTO; ``refresh`` asks its owner to load a new one on the worker.
Safety flags ("possible IMR / patient safety") sit at the top in a red box, never in the notes.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from eqvisit.services.coverage import CoverageBoard, SafetyFlagRow

FLAG_STYLE = (
    "QLabel { background: #fde7ea; color: #7a0010; border: 2px solid #b00020; padding: 6px; }"
)


def safety_banner_html(flags: tuple[SafetyFlagRow, ...] | list[SafetyFlagRow]) -> str:
    """The red box's text: one line per flag, newest first."""
    lines = "".join(
        f"<li><b>{escape(f.session_title)}</b> — {escape(f.prompt)} "
        f"(<i>{escape(f.author)}</i>): {escape(f.note) or 'no note'}</li>"
        for f in flags
    )
    return (
        f"<b>⚠ {len(flags)} possible immediate mandatory requirement / patient safety "
        f"flag{'s' if len(flags) != 1 else ''}</b><ul>{lines}</ul>"
    )


class CoverageView(QWidget):
    def __init__(
        self, board: CoverageBoard, reload: Callable[[], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("coverageBoard")
        self.setWindowTitle("Coverage board")
        self.setAccessibleName("Coverage board")
        self.resize(1000, 700)
        self.flags = QLabel()
        self.flags.setObjectName("safetyFlags")
        self.flags.setWordWrap(True)
        self.flags.setStyleSheet(FLAG_STYLE)
        self.flags.setTextFormat(Qt.TextFormat.RichText)
        self.tree = QTreeWidget()
        self.tree.setObjectName("coverageTree")
        self.tree.setAccessibleName("Sessions and questions covered")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Session / question", "Required", "Covered by"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setObjectName("refreshCoverage")
        self.refresh_button.clicked.connect(reload)
        note = QLabel(
            "Everyone's answers arrive here at each sync; a question is covered once someone "
            "has answered it, written a note or flagged it."
        )
        note.setWordWrap(True)
        self.observations = QLabel()
        self.observations.setObjectName("observationCount")
        layout = QVBoxLayout(self)
        layout.addWidget(self.flags)
        layout.addWidget(note)
        layout.addWidget(self.observations)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.show_board(board)

    def show_board(self, board: CoverageBoard) -> None:
        self.board = board
        self.flags.setVisible(bool(board.safety_flags))
        self.flags.setText(safety_banner_html(board.safety_flags))
        self.observations.setText(
            "Observations: "
            + (", ".join(f"{n} by {who}" for who, n in board.observations.items()) or "none yet")
        )
        self.tree.clear()
        for session in board.sessions:
            summary = f"{session.covered} of {len(session.questions)} questions covered"
            if session.completed_by:
                summary += " · complete for " + ", ".join(session.completed_by)
            if session.attendance:
                counts = ", ".join(f"{g}: {n}" for g, n in session.attendance.items())
                summary += f" · attendance {counts}"
            top = QTreeWidgetItem([session.title, "", summary])
            self.tree.addTopLevelItem(top)
            for question in session.questions:
                covered = ", ".join(question.authors) or "not yet"
                child = QTreeWidgetItem(
                    [question.prompt, "required" if question.required else "", covered]
                )
                if not question.authors and question.required:
                    child.setForeground(2, Qt.GlobalColor.darkRed)
                top.addChild(child)
            top.setExpanded(True)

    def session_item(self, title: str) -> QTreeWidgetItem | None:
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if item is not None and item.text(0) == title:
                return item
        return None
