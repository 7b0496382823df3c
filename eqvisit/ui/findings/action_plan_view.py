"""The action plan of a visit: each requirement's actions, their status and dated history,
follow-up notes and closure with evidence. Overdue actions are marked in colour and in words."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from eqvisit.ui.findings.dialogs import ActionUpdateDialog, AddActionDialog
from eqvisit.ui.findings.models import ActionPlanTableModel, row_table
from eqvisit.ui.messages import describe
from eqvisit.ui.text import label
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from eqvisit.services.action_plan import ActionPlanService
    from eqvisit.services.findings_dto import ActionPlanRow, RequirementRow


class ActionPlanView(QWidget):
    def __init__(self, plan: ActionPlanService, worker: Worker) -> None:
        super().__init__()
        self._plan = plan
        self._worker = worker
        self._visit_id: str | None = None
        self._may_manage = False
        self.add_dialog: AddActionDialog | None = None
        self.update_dialog: ActionUpdateDialog | None = None

        self.model = ActionPlanTableModel()
        self.table = row_table("actionPlanTable", "Action plan", self.model)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._show_history)
        self.history = QTextBrowser()
        self.history.setObjectName("actionHistory")
        self.history.setAccessibleName("The selected action's history")
        self.summary = QLabel()
        self.summary.setObjectName("actionPlanSummary")
        self.message = QLabel()
        self.message.setObjectName("actionPlanMessage")
        self.message.setWordWrap(True)

        self.add_button = QPushButton("&Add action…")
        self.add_button.setObjectName("addAction")
        self.add_button.clicked.connect(self.add_action)
        self.status_button = QPushButton("Change &status…")
        self.status_button.setObjectName("actionStatusButton")
        self.status_button.clicked.connect(lambda: self._update(ActionUpdateDialog.STATUS))
        self.note_button = QPushButton("Follow-up &note…")
        self.note_button.setObjectName("actionNoteButton")
        self.note_button.clicked.connect(lambda: self._update(ActionUpdateDialog.NOTE))
        self.close_button = QPushButton("&Close with evidence…")
        self.close_button.setObjectName("actionCloseButton")
        self.close_button.clicked.connect(lambda: self._update(ActionUpdateDialog.CLOSE))
        buttons = QHBoxLayout()
        for button in (self.add_button, self.status_button, self.note_button, self.close_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.summary)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.history)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self._enable()

    def show_visit(self, visit_id: str | None, may_manage: bool) -> None:
        self._visit_id = visit_id
        self._may_manage = may_manage
        self.refresh()

    def refresh(self) -> None:
        visit_id = self._visit_id
        if visit_id is None:
            self.model.set_rows([])
            self._enable()
            return
        self._worker.submit(lambda: self._plan.plan(visit_id), self._show_rows, self._failed)

    def _show_rows(self, rows: list[ActionPlanRow]) -> None:
        selected = self._selected()
        self.model.set_rows(rows)
        overdue = sum(1 for r in rows if r.overdue)
        self.summary.setText(
            f"{len(rows)} actions · {overdue} overdue" if rows else "No actions yet."
        )
        for i, row in enumerate(rows):
            if selected is not None and row.id == selected.id:
                self.table.selectRow(i)
        self._enable()

    def _failed(self, error: BaseException) -> None:
        self.message.setText(describe(error))

    def _selected(self) -> ActionPlanRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _enable(self) -> None:
        chosen = self._selected() is not None
        self.add_button.setEnabled(self._may_manage and self._visit_id is not None)
        for button in (self.status_button, self.note_button, self.close_button):
            button.setEnabled(self._may_manage and chosen)
        if not self._may_manage:
            self.add_button.setToolTip("Only the visit's lead keeps the action plan.")

    def _show_history(self) -> None:
        self._enable()
        row = self._selected()
        if row is None:
            self.history.clear()
            return
        due = row.due_on.isoformat() if row.due_on else "no due date"
        state = "<b>OVERDUE</b> · " if row.overdue else ""
        lines = [
            f"<p><b>{escape(row.reference)}</b> {escape(row.description)}<br>"
            f"{state}{escape(label(row.status))} · owner {escape(row.owner or 'not set')} · "
            f"due {due}</p>"
        ]
        if row.closure_evidence:
            lines.append(f"<p><b>Closed with:</b> {escape(row.closure_evidence)}</p>")
        items = "".join(
            f"<li>{when.astimezone():%Y-%m-%d %H:%M} · {escape(label(status))}"
            f"{' — ' + escape(note) if note else ''}</li>"
            for when, status, note in row.history
        )
        lines.append(f"<ul>{items}</ul>" if items else "<p>No updates yet.</p>")
        self.history.setHtml("".join(lines))

    # -- changes -------------------------------------------------------------------------------

    def add_action(self) -> None:
        visit_id = self._visit_id
        if visit_id is None:
            return
        self._worker.submit(
            lambda: self._plan.requirements(visit_id), self._open_add_dialog, self._failed
        )

    def _open_add_dialog(self, requirements: list[RequirementRow]) -> None:
        dialog = AddActionDialog(self, requirements)
        dialog.accepted.connect(lambda: self._add(dialog))
        self.add_dialog = dialog
        dialog.open()

    def _add(self, dialog: AddActionDialog) -> None:
        finding_id, description, owner, due = dialog.values()
        self._worker.submit(
            lambda: self._plan.add_action(finding_id, description, owner=owner, due_on=due),
            lambda _row: self.refresh(),
            self._failed,
        )

    def _update(self, mode: str) -> None:
        row = self._selected()
        if row is None:
            return
        dialog = ActionUpdateDialog(self, mode, row.status)
        dialog.accepted.connect(lambda: self._send_update(row.id, dialog))
        self.update_dialog = dialog
        dialog.open()

    def _send_update(self, action_id: str, dialog: ActionUpdateDialog) -> None:
        status, note = dialog.values()
        if dialog.mode == ActionUpdateDialog.CLOSE:
            job = lambda: self._plan.close(action_id, note)  # noqa: E731
        elif dialog.mode == ActionUpdateDialog.NOTE:
            job = lambda: self._plan.add_note(action_id, note)  # noqa: E731
        else:
            job = lambda: self._plan.set_status(action_id, status, note)  # noqa: E731
        self.message.clear()
        self._worker.submit(job, lambda _row: self.refresh(), self._failed)
