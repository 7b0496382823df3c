"""The Findings section: pick a visit; its findings with the evidence behind each side by side,
the roll-up by framework domain, and the action plan.

Edits save themselves (debounced, ``SAVE_DELAY_MS``) through the worker, so nothing typed waits
for the disk and at most the last moment of typing is at risk. Buttons follow the signed-in
user's rights in the visit: a panel member proposes and edits their own findings; the lead rates
risk, issues reference numbers and keeps the action plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from eqvisit.ui.findings.action_plan_view import ActionPlanView
from eqvisit.ui.findings.dialogs import EvidencePickerDialog, NewFindingDialog
from eqvisit.ui.findings.editor import FindingEditor
from eqvisit.ui.findings.models import FindingTableModel, RollupTableModel, row_table
from eqvisit.ui.messages import describe
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from eqvisit.services.action_plan import ActionPlanService
    from eqvisit.services.dto import FindingRow, VisitSummary
    from eqvisit.services.findings import FindingService
    from eqvisit.services.findings_board import FindingsBoardService
    from eqvisit.services.findings_dto import EvidenceRow, FindingsBoard
    from eqvisit.services.visits import VisitService

SAVE_DELAY_MS = 700


@dataclass(frozen=True)
class FindingsServices:
    """What the Findings section needs, passed in by the main window."""

    findings: FindingService
    board: FindingsBoardService
    action_plan: ActionPlanService
    visits: VisitService


class FindingsPage(QWidget):
    def __init__(self, services: FindingsServices, worker: Worker) -> None:
        super().__init__()
        self._services = services
        self._worker = worker
        self._board: FindingsBoard | None = None
        self._saving = False
        self.new_dialog: NewFindingDialog | None = None
        self.evidence_dialog: EvidencePickerDialog | None = None

        self.visit = QComboBox()
        self.visit.setObjectName("findingsVisit")
        self.visit.setAccessibleName("Visit")
        visit_caption = QLabel("&Visit:")
        visit_caption.setBuddy(self.visit)
        self.new_button = QPushButton("&New finding…")
        self.new_button.setObjectName("newFinding")
        self.new_button.clicked.connect(self.new_finding)
        self.issue_button = QPushButton("&Issue reference")
        self.issue_button.setObjectName("issueReference")
        self.issue_button.setToolTip(
            "Give the finding its number (IMR1, MR1, R1 …); it never changes"
        )
        self.issue_button.clicked.connect(self.issue_reference)
        self.link_button = QPushButton("&Link evidence…")
        self.link_button.setObjectName("linkEvidence")
        self.link_button.clicked.connect(self.link_evidence)
        self.message = QLabel()
        self.message.setObjectName("findingsMessage")
        self.message.setWordWrap(True)
        self.rights_label = QLabel()
        self.rights_label.setObjectName("findingsRights")
        self.rights_label.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(visit_caption)
        top.addWidget(self.visit, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.issue_button)
        top.addWidget(self.link_button)

        self.model = FindingTableModel()
        self.table = row_table("findingsTable", "Findings of the visit", self.model)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.editor = FindingEditor()
        self.editor.edited.connect(self._schedule_save)
        self.editor.unlink_requested.connect(self.unlink_evidence)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("findingsSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.editor)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([200, 560])

        self.rollup_model = RollupTableModel()
        self.rollup = row_table("findingsRollup", "Findings by framework domain", self.rollup_model)
        self.rollup.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.rollup.horizontalHeader().setStretchLastSection(False)
        self.action_plan = ActionPlanView(services.action_plan, worker)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("findingsTabs")
        self.tabs.addTab(self.splitter, "&Findings and evidence")
        self.tabs.addTab(self.rollup, "By &domain")
        self.tabs.addTab(self.action_plan, "&Action plan")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.rights_label)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)

        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(SAVE_DELAY_MS)
        self.save_timer.timeout.connect(self.save_now)
        self.visit.currentIndexChanged.connect(self._visit_chosen)
        self._enable()

    # -- loading ---------------------------------------------------------------------------------

    @property
    def visit_id(self) -> str | None:
        data = self.visit.currentData()
        return str(data) if data else None

    def refresh(self) -> None:
        """Reload the list of visits, keeping the one chosen, then its board."""
        self._worker.submit(self._services.visits.list_visits, self._show_visits, self._failed)

    def _show_visits(self, rows: list[VisitSummary]) -> None:
        current = self.visit_id
        self.visit.blockSignals(True)
        self.visit.clear()
        for row in rows:
            self.visit.addItem(f"{row.title} — {row.provider_name}", row.id)
        index = self.visit.findData(current) if current else -1
        self.visit.setCurrentIndex(index if index >= 0 else (0 if rows else -1))
        self.visit.blockSignals(False)
        self._visit_chosen()

    def show_visit(self, visit_id: str) -> None:
        index = self.visit.findData(visit_id)
        if index >= 0:
            self.visit.setCurrentIndex(index)

    def _visit_chosen(self) -> None:
        self.save_now()
        self.load_board()

    def load_board(self, keep_editor: bool = False) -> None:
        visit_id = self.visit_id
        if visit_id is None:
            self._board = None
            self.model.set_rows([])
            self.rollup_model.set_rows([])
            self.editor.show_finding(None, None)
            self.action_plan.show_visit(None, False)
            self._enable()
            return
        self._worker.submit(
            lambda: self._services.board.board(visit_id),
            lambda board: self._show_board(board, keep_editor),
            self._failed,
        )

    def _show_board(self, board: FindingsBoard, keep_editor: bool) -> None:
        if board.visit_id != self.visit_id:
            return  # another visit was chosen while this one loaded
        selected = self.editor.shown.finding.id if self.editor.shown else None
        self._board = board
        self.table.blockSignals(True)
        self.table.selectionModel().blockSignals(True)
        self.model.set_rows(board.findings)
        row_index = next(
            (i for i, d in enumerate(board.findings) if d.finding.id == selected), None
        )
        if row_index is None and board.findings and not keep_editor:
            row_index = 0
        if row_index is not None:
            self.table.selectRow(row_index)
        self.table.selectionModel().blockSignals(False)
        self.table.blockSignals(False)
        detail = board.findings[row_index] if row_index is not None else None
        if keep_editor and detail is not None and detail.finding.id == selected:
            self.editor.set_baseline(detail)
        else:
            self.editor.show_finding(detail, board)
        self.rollup_model.set_rows(board.rollup)
        self.rollup.resizeColumnsToContents()
        rights = board.rights
        if rights.may_edit_all:
            self.rights_label.setText(
                "You lead this visit: you can edit, rate and number every finding."
            )
        elif rights.may_propose:
            self.rights_label.setText(
                "You can propose findings and edit your own proposals; the lead agrees them, "
                "rates the risk and issues reference numbers."
            )
        else:
            self.rights_label.setText("You can read this visit's findings.")
        self.action_plan.show_visit(board.visit_id, rights.may_manage_actions)
        self._enable()

    def _failed(self, error: BaseException) -> None:
        self._saving = False
        self.message.setText(describe(error))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.save_now()
        if self._board is None or not current.isValid():
            return
        self.editor.show_finding(self.model.row_at(current.row()), self._board)
        self._enable()

    def _enable(self) -> None:
        rights = self._board.rights if self._board else None
        shown = self.editor.shown
        self.new_button.setEnabled(bool(rights and rights.may_propose))
        self.issue_button.setEnabled(
            bool(
                rights and rights.may_issue_reference and shown and shown.finding.reference is None
            )
        )
        self.link_button.setEnabled(bool(shown and shown.editable))

    # -- saving ----------------------------------------------------------------------------------

    def _schedule_save(self) -> None:
        self.save_timer.start()

    def save_now(self) -> None:
        """Send what changed in the editor (if anything) to the service now."""
        self.save_timer.stop()
        shown = self.editor.shown
        if shown is None:
            return
        changes = self.editor.changes()
        rating = self.editor.rating()
        if "text" in changes and not str(changes["text"]).strip():
            self.message.setText("A finding needs its text: the text was not saved while empty.")
            del changes["text"]
        if not changes and rating is None:
            return
        finding_id = shown.finding.id
        findings = self._services.findings

        def save() -> FindingRow:
            row = findings.update(finding_id, changes) if changes else None
            if rating is not None:
                row = findings.rate_risk(finding_id, *rating)
            assert row is not None
            return row

        self._worker.submit(save, self._saved, self._failed)

    def _saved(self, row: FindingRow) -> None:
        self.message.setText(f"Saved {row.reference or 'the finding'}.")
        self.load_board(keep_editor=True)

    # -- actions ---------------------------------------------------------------------------------

    def new_finding(self) -> None:
        dialog = NewFindingDialog(self)
        dialog.accepted.connect(lambda: self._propose(dialog))
        self.new_dialog = dialog
        dialog.open()

    def _propose(self, dialog: NewFindingDialog) -> None:
        visit_id = self.visit_id
        if visit_id is None:
            return
        kind, text = dialog.values()
        self.save_now()
        self._worker.submit(
            lambda: self._services.findings.propose(visit_id, kind, text),
            self._proposed,
            self._failed,
        )

    def _proposed(self, row: FindingRow) -> None:
        self.message.setText("Finding proposed.")
        self.editor.show_finding(None, self._board)
        self._worker.submit(
            lambda: self._services.board.board(row.visit_id),
            lambda board: self._show_new(board, row.id),
            self._failed,
        )

    def _show_new(self, board: FindingsBoard, finding_id: str) -> None:
        detail = next((d for d in board.findings if d.finding.id == finding_id), None)
        if detail is not None:
            self.editor.show_finding(detail, board)
        self._show_board(board, keep_editor=False)

    def issue_reference(self) -> None:
        shown = self.editor.shown
        if shown is None:
            return
        self.save_now()
        finding_id = shown.finding.id
        self._worker.submit(
            lambda: self._services.findings.issue_reference(finding_id), self._issued, self._failed
        )

    def _issued(self, row: FindingRow) -> None:
        self.message.setText(f"Issued {row.reference}. It stays with this finding for good.")
        self.load_board(keep_editor=False)

    def link_evidence(self) -> None:
        visit_id = self.visit_id
        shown = self.editor.shown
        if visit_id is None or shown is None:
            return
        linked = {e.target_id for e in shown.evidence}
        self._worker.submit(
            lambda: self._services.board.evidence_choices(visit_id),
            lambda choices: self._open_picker(choices, linked),
            self._failed,
        )

    def _open_picker(self, choices: list[EvidenceRow], linked: set[str]) -> None:
        dialog = EvidencePickerDialog(self, choices, linked)
        dialog.accepted.connect(lambda: self._link(dialog))
        self.evidence_dialog = dialog
        dialog.open()

    def _link(self, dialog: EvidencePickerDialog) -> None:
        shown = self.editor.shown
        if shown is None:
            return
        finding_id = shown.finding.id
        targets = [(row.kind.value, row.target_id) for row in dialog.chosen()]
        self._worker.submit(
            lambda: self._services.findings.link_all(finding_id, targets),
            self._linked,
            self._failed,
        )

    def unlink_evidence(self, link_id: str) -> None:
        self._worker.submit(
            lambda: self._services.findings.unlink_evidence(link_id), self._unlinked, self._failed
        )

    def _unlinked(self, _result: object) -> None:
        self.message.setText("Evidence unlinked (the evidence itself is kept).")
        self.load_board(keep_editor=True)

    def _linked(self, count: int) -> None:
        self.message.setText(f"Linked {count} piece(s) of evidence.")
        self.load_board(keep_editor=True)
