"""Small dialogs of the Findings section: propose a finding, link evidence, act on an action.

Each collects plain values and is accepted only when they are complete; the page sends them to
the service on the worker. Opened with ``open()`` and kept on the page, so tests drive them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from eqvisit.domain.enums import ActionStatus, FindingKind
from eqvisit.services.findings_dto import EvidenceKind, EvidenceRow, RequirementRow
from eqvisit.ui.agenda_dialogs import name_fields
from eqvisit.ui.findings.editor import EVIDENCE_NAMES
from eqvisit.ui.text import label

TARGET_ROLE = Qt.ItemDataRole.UserRole + 30


class _FormDialog(QDialog):
    """A form, a message line for what is missing, OK/Cancel; OK accepts only a complete form."""

    def __init__(self, parent: QWidget | None, title: str, name: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(name)
        self.form = QFormLayout()
        self.message = QLabel()
        self.message.setObjectName("dialogMessage")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def problem(self) -> str | None:
        return None

    def showEvent(self, event: QShowEvent) -> None:
        name_fields(self.form)  # every field named by its label, once the form is complete
        super().showEvent(event)

    def _try_accept(self) -> None:
        problem = self.problem()
        if problem is not None:
            self.message.setText(problem)
            return
        self.accept()


class NewFindingDialog(_FormDialog):
    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent, "Propose a finding", "newFindingDialog")
        self.kind = QComboBox()
        self.kind.setObjectName("newFindingKind")
        for kind in FindingKind:
            self.kind.addItem(label(kind), kind)
        self.kind.setCurrentIndex(self.kind.findData(FindingKind.MANDATORY_REQUIREMENT))
        self.text = QPlainTextEdit()
        self.text.setObjectName("newFindingText")
        self.text.setAccessibleName("Finding text")
        self.form.addRow("&Kind", self.kind)
        self.form.addRow("&Text", self.text)

    def problem(self) -> str | None:
        return None if self.text.toPlainText().strip() else "Write what the finding is."

    def values(self) -> tuple[FindingKind, str]:
        return FindingKind(self.kind.currentData()), self.text.toPlainText().strip()


class EvidencePickerDialog(_FormDialog):
    """Pick responses, observations and intelligence items to link; already linked ones are
    not offered again. A filter narrows the list by words."""

    def __init__(
        self, parent: QWidget | None, choices: Sequence[EvidenceRow], linked: set[str]
    ) -> None:
        super().__init__(parent, "Link evidence", "evidencePicker")
        self.filter = QLineEdit()
        self.filter.setObjectName("evidenceFilter")
        self.filter.setPlaceholderText("Filter by words")
        self.kinds = QComboBox()
        self.kinds.setObjectName("evidenceKind")
        self.kinds.addItem("All evidence", None)
        for kind in EvidenceKind:
            self.kinds.addItem(EVIDENCE_NAMES[kind], kind)
        self.list = QListWidget()
        self.list.setObjectName("evidenceChoices")
        self.list.setAccessibleName("Evidence that can be linked")
        self.list.setWordWrap(True)
        for row in choices:
            if row.target_id in linked:
                continue
            item = QListWidgetItem(f"{EVIDENCE_NAMES[row.kind]} · {row.source}\n{row.text}")
            item.setData(TARGET_ROLE, row)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.form.addRow("&Show", self.kinds)
        self.form.addRow("&Filter", self.filter)
        self.form.addRow(self.list)
        self.filter.textChanged.connect(self._apply_filter)
        self.kinds.currentIndexChanged.connect(self._apply_filter)
        self.resize(720, 520)

    def _apply_filter(self) -> None:
        words = self.filter.text().lower().split()
        kind = self.kinds.currentData()
        for i in range(self.list.count()):
            item = self.list.item(i)
            row: EvidenceRow = item.data(TARGET_ROLE)
            text = item.text().lower()
            hidden = (kind is not None and row.kind != kind) or not all(w in text for w in words)
            item.setHidden(hidden)

    def chosen(self) -> list[EvidenceRow]:
        return [
            self.list.item(i).data(TARGET_ROLE)
            for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def problem(self) -> str | None:
        return None if self.chosen() else "Tick the evidence to link."


class AddActionDialog(_FormDialog):
    def __init__(self, parent: QWidget | None, requirements: Sequence[RequirementRow]) -> None:
        super().__init__(parent, "Add an action", "addActionDialog")
        self.requirement = QComboBox()
        self.requirement.setObjectName("actionRequirement")
        for row in requirements:
            self.requirement.addItem(f"{row.reference} {row.text[:60]}", row.finding_id)
        self.description = QPlainTextEdit()
        self.description.setObjectName("actionDescription")
        self.owner = QLineEdit()
        self.owner.setObjectName("actionOwner")
        self.has_due = QCheckBox("Due by")
        self.due = QDateEdit(QDate.currentDate().addMonths(3))
        self.due.setObjectName("actionDue")
        self.due.setAccessibleName("Due date")
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.has_due.setChecked(True)
        self.form.addRow("&Requirement", self.requirement)
        self.form.addRow("&Action", self.description)
        self.form.addRow("&Owner", self.owner)
        self.form.addRow(self.has_due, self.due)

    def problem(self) -> str | None:
        if self.requirement.currentData() is None:
            return "Issue a requirement (IMR, MR or recommendation) before adding actions."
        return None if self.description.toPlainText().strip() else "Describe the action."

    def values(self) -> tuple[str, str, str, date | None]:
        chosen = self.due.date()
        due = (
            date(chosen.year(), chosen.month(), chosen.day()) if self.has_due.isChecked() else None
        )
        return (
            str(self.requirement.currentData()),
            self.description.toPlainText().strip(),
            self.owner.text().strip(),
            due,
        )


class ActionUpdateDialog(_FormDialog):
    """A status change with a note, a follow-up note, or closure with evidence (``mode``)."""

    STATUS = "status"
    NOTE = "note"
    CLOSE = "close"

    def __init__(self, parent: QWidget | None, mode: str, current: ActionStatus) -> None:
        titles = {
            self.STATUS: "Change the action's status",
            self.NOTE: "Add a follow-up note",
            self.CLOSE: "Close the action",
        }
        super().__init__(parent, titles[mode], "actionUpdateDialog")
        self.mode = mode
        self.status = QComboBox()
        self.status.setObjectName("actionStatus")
        for status in ActionStatus:
            if status is not ActionStatus.CLOSED:
                self.status.addItem(label(status), status)
        self.status.setCurrentIndex(max(0, self.status.findData(current)))
        self.note = QPlainTextEdit()
        self.note.setObjectName("actionNote")
        if mode == self.STATUS:
            self.form.addRow("&Status", self.status)
            self.form.addRow("&Note", self.note)
        elif mode == self.NOTE:
            self.form.addRow("&Note", self.note)
        else:
            self.form.addRow(QLabel("What shows the action is done (documents, dates, figures):"))
            self.form.addRow("&Evidence", self.note)

    def problem(self) -> str | None:
        if self.mode != self.STATUS and not self.note.toPlainText().strip():
            return (
                "Closing needs the evidence that the action is done."
                if self.mode == self.CLOSE
                else "Write the note."
            )
        return None

    def values(self) -> tuple[ActionStatus, str]:
        return ActionStatus(self.status.currentData()), self.note.toPlainText().strip()
