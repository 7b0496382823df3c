"""The form of one finding and, beside it, the evidence it rests on.

The form only shows values and says what the user changed (``changes()``, ``rating()``); the
page saves them through the worker, debounced, so typing is written within a second and never
waits for the disk. Fields the signed-in user may not change are read-only, from the same
permission table the central store checks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from eqvisit.domain.enums import FindingKind, FindingStatus
from eqvisit.domain.risk import CONSEQUENCE_LABELS, LIKELIHOOD_LABELS, RiskBands, RiskRating
from eqvisit.services.findings_dto import EvidenceKind, FindingDetail, FindingsBoard
from eqvisit.ui.text import label

CODE_ROLE = Qt.ItemDataRole.UserRole + 20
PANEL_STATUSES = (FindingStatus.PROPOSED, FindingStatus.WITHDRAWN)
EVIDENCE_NAMES = {
    EvidenceKind.RESPONSE: "Interview answer",
    EvidenceKind.OBSERVATION: "Observation",
    EvidenceKind.INTELLIGENCE: "Intelligence",
}


def _caption(text: str, buddy: QWidget) -> QLabel:
    caption = QLabel(text)
    caption.setBuddy(buddy)
    return caption


class FindingEditor(QWidget):
    """Emits ``edited`` whenever the user changes a value (not when a finding is shown)."""

    edited = Signal()
    unlink_requested = Signal(str)  # the evidence link's id

    def __init__(self) -> None:
        super().__init__()
        self._shown: FindingDetail | None = None
        self._loading = False
        self._bands: RiskBands | None = None

        self.kind = QComboBox()
        self.kind.setObjectName("findingKind")
        self.kind.setAccessibleName("Kind of finding")
        for kind in FindingKind:
            self.kind.addItem(label(kind), kind)
        self.status = QComboBox()
        self.status.setObjectName("findingStatus")
        self.status.setAccessibleName("Status")
        self.domain = QComboBox()
        self.domain.setObjectName("findingDomain")
        self.domain.setAccessibleName("Framework domain")
        self.standards = QListWidget()
        self.standards.setObjectName("findingStandards")
        self.standards.setAccessibleName("Framework standards the finding cites")
        self.standards.setMaximumHeight(110)
        self.text = QPlainTextEdit()
        self.text.setObjectName("findingText")
        self.text.setAccessibleName("Finding text")
        self.required_actions = QPlainTextEdit()
        self.required_actions.setObjectName("findingActions")
        self.required_actions.setAccessibleName("Required actions and evidence")
        self.required_actions.setMaximumHeight(90)
        self.likelihood = QSpinBox()
        self.likelihood.setObjectName("findingLikelihood")
        self.consequence = QSpinBox()
        self.consequence.setObjectName("findingConsequence")
        for box, names, what in (
            (self.likelihood, LIKELIHOOD_LABELS, "Likelihood"),
            (self.consequence, CONSEQUENCE_LABELS, "Consequence"),
        ):
            box.setRange(0, 5)
            box.setSpecialValueText("not rated")
            box.setAccessibleName(f"{what}, 1 {names[0]} to 5 {names[-1]}")
            box.lineEdit().setAccessibleName(box.accessibleName())
        self.band = QLabel("not rated")
        self.band.setObjectName("findingBand")
        self.band.setAccessibleName("Risk score and band")
        self.owner = QLineEdit()
        self.owner.setObjectName("findingOwner")
        self.owner.setAccessibleName("Owner")
        self.has_due = QCheckBox("Due by")
        self.has_due.setObjectName("findingHasDue")
        self.due = QDateEdit()
        self.due.setObjectName("findingDue")
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.due.setAccessibleName("Due date")

        risk = QHBoxLayout()
        risk.addWidget(self.likelihood)
        risk.addWidget(QLabel("×"))
        risk.addWidget(self.consequence)
        risk.addWidget(self.band, 1)
        due = QHBoxLayout()
        due.addWidget(self.has_due)
        due.addWidget(self.due, 1)
        form = QFormLayout()
        form.addRow(_caption("&Kind", self.kind), self.kind)
        form.addRow(_caption("Stat&us", self.status), self.status)
        form.addRow(_caption("&Domain", self.domain), self.domain)
        form.addRow(_caption("Standards", self.standards), self.standards)
        form.addRow(_caption("&Text", self.text), self.text)
        form.addRow(_caption("Required &actions", self.required_actions), self.required_actions)
        form.addRow(_caption("&Risk (L × C)", self.likelihood), risk)
        form.addRow(_caption("&Owner", self.owner), self.owner)
        form.addRow(QLabel("Due date"), due)
        self.form_box = QWidget()
        self.form_box.setLayout(form)

        self.evidence = QListWidget()
        self.evidence.setObjectName("findingEvidence")
        self.evidence.setAccessibleName("Evidence behind this finding")
        self.evidence.setWordWrap(True)
        self.evidence.setSpacing(4)
        self.evidence.setAlternatingRowColors(True)
        evidence_box = QWidget()
        evidence_layout = QVBoxLayout(evidence_box)
        evidence_layout.setContentsMargins(0, 0, 0, 0)
        self.evidence_caption = QLabel("Evidence behind this finding")
        self.evidence_caption.setBuddy(self.evidence)
        evidence_layout.addWidget(self.evidence_caption)
        evidence_layout.addWidget(self.evidence, 1)
        self.unlink_button = QPushButton("&Unlink selected evidence")
        self.unlink_button.setObjectName("unlinkEvidence")
        self.unlink_button.setEnabled(False)
        self.unlink_button.clicked.connect(self._unlink)
        self.evidence.currentRowChanged.connect(self._enable_unlink)
        evidence_layout.addWidget(self.unlink_button)

        self.splitter = QSplitter()
        self.splitter.setObjectName("findingSplitter")
        self.splitter.addWidget(self.form_box)
        self.splitter.addWidget(evidence_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        for combo in (self.kind, self.status):
            combo.currentIndexChanged.connect(self._user_edit)
        self.domain.currentIndexChanged.connect(self._domain_changed)
        self.standards.itemChanged.connect(self._user_edit)
        self.text.textChanged.connect(self._user_edit)
        self.required_actions.textChanged.connect(self._user_edit)
        self.likelihood.valueChanged.connect(self._risk_changed)
        self.consequence.valueChanged.connect(self._risk_changed)
        self.owner.textEdited.connect(self._user_edit)
        self.has_due.toggled.connect(self._due_toggled)
        self.due.dateChanged.connect(self._user_edit)
        self.show_finding(None, None)

    # -- showing -------------------------------------------------------------------------------

    @property
    def shown(self) -> FindingDetail | None:
        return self._shown

    def show_finding(self, detail: FindingDetail | None, board: FindingsBoard | None) -> None:
        self._loading = True
        try:
            self._shown = detail
            if board is not None:
                self._bands = RiskBands.from_config(board.bands)
                self._fill_domains(board)
            finding = detail.finding if detail is not None else None
            self._fill_statuses(board, finding.status if finding else None)
            self.kind.setCurrentIndex(max(0, self.kind.findData(finding.kind if finding else None)))
            self.status.setCurrentIndex(
                max(0, self.status.findData(finding.status if finding else None))
            )
            self.domain.setCurrentIndex(
                max(0, self.domain.findData(finding.domain_number if finding else None))
            )
            self._fill_standards(board, set(finding.standards) if finding else set())
            self.text.setPlainText(finding.text if finding else "")
            self.required_actions.setPlainText(finding.required_actions if finding else "")
            self.likelihood.setValue(finding.likelihood or 0 if finding else 0)
            self.consequence.setValue(finding.consequence or 0 if finding else 0)
            self.owner.setText(finding.owner if finding else "")
            due = finding.due_on if finding else None
            self.has_due.setChecked(due is not None)
            self.due.setEnabled(due is not None)
            if due is not None:
                self.due.setDate(QDate(due.year, due.month, due.day))
            self._show_band()
            self._show_evidence(detail)
            editable = detail is not None and detail.editable
            for widget in (self.kind, self.status, self.domain, self.standards, self.has_due):
                widget.setEnabled(editable)
            self.kind.setEnabled(editable and finding is not None and finding.reference is None)
            self.due.setEnabled(editable and due is not None)
            for edit in (self.text, self.required_actions):
                edit.setReadOnly(not editable)
            self.owner.setReadOnly(not editable)
            may_rate = board is not None and board.rights.may_edit_all and detail is not None
            self.likelihood.setEnabled(may_rate)
            self.consequence.setEnabled(may_rate)
        finally:
            self._loading = False

    def set_baseline(self, detail: FindingDetail) -> None:
        """The saved state, after a save: what later changes are measured against."""
        self._shown = detail
        self._show_evidence(detail)

    def _fill_domains(self, board: FindingsBoard) -> None:
        self._domains = {d.number: d for d in board.domains}
        self.domain.clear()
        self.domain.addItem("No domain", None)
        for choice in board.domains:
            self.domain.addItem(f"{choice.number} {choice.title}", choice.number)

    def _fill_statuses(self, board: FindingsBoard | None, shown: FindingStatus | None) -> None:
        """The statuses the user may choose, plus the finding's own (a panel member's proposal
        the lead has agreed shows "Agreed", and is not quietly set back to "Proposed")."""
        lead = board is not None and board.rights.may_edit_all
        allowed = list(FindingStatus) if lead else list(PANEL_STATUSES)
        wanted = [s for s in FindingStatus if s in allowed or s == shown]
        if [self.status.itemData(i) for i in range(self.status.count())] != wanted:
            self.status.clear()
            for status in wanted:
                self.status.addItem(label(status), status)

    def _fill_standards(self, board: FindingsBoard | None, chosen: set[str]) -> None:
        self.standards.blockSignals(True)
        self.standards.clear()
        domains = getattr(self, "_domains", {})
        number = self.domain.currentData()
        shown = [domains[number]] if number in domains else list(domains.values())
        codes_shown = set()
        for domain in shown:
            for code, title in domain.standards:
                item = QListWidgetItem(f"{code} {title}")
                item.setData(CODE_ROLE, code)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if code in chosen else Qt.CheckState.Unchecked
                )
                self.standards.addItem(item)
                codes_shown.add(code)
        for code in sorted(chosen - codes_shown):  # cited, but outside the domain shown
            item = QListWidgetItem(code)
            item.setData(CODE_ROLE, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.standards.addItem(item)
        self.standards.blockSignals(False)

    def _show_evidence(self, detail: FindingDetail | None) -> None:
        self.evidence.clear()
        if detail is None:
            self.evidence_caption.setText("Select a finding to see the evidence behind it.")
            return
        self.evidence_caption.setText(
            f"Evidence behind this finding ({len(detail.evidence)})"
            if detail.evidence
            else "No evidence linked yet: use Link evidence…"
        )
        for row in detail.evidence:
            item = QListWidgetItem(f"{EVIDENCE_NAMES[row.kind]} · {row.source}\n{row.text}")
            item.setData(CODE_ROLE, row.link_id)
            self.evidence.addItem(item)
        self._enable_unlink()

    # -- what changed ----------------------------------------------------------------------------

    def changes(self) -> dict[str, Any]:
        """The fields the user changed, against the finding as last saved."""
        if self._shown is None or not self._shown.editable:
            return {}
        finding = self._shown.finding
        values: dict[str, Any] = {
            "status": FindingStatus(self.status.currentData()),
            "domain_number": self.domain.currentData(),
            "standards": self._chosen_standards(),
            "text": self.text.toPlainText(),
            "required_actions": self.required_actions.toPlainText(),
            "owner": self.owner.text().strip(),
            "due_on": self._due(),
        }
        if finding.reference is None:
            values["kind"] = FindingKind(self.kind.currentData())
        current = {
            "kind": finding.kind,
            "status": finding.status,
            "domain_number": finding.domain_number,
            "standards": list(finding.standards),
            "text": finding.text,
            "required_actions": finding.required_actions,
            "owner": finding.owner,
            "due_on": finding.due_on,
        }
        return {k: v for k, v in values.items() if v != current[k]}

    def rating(self) -> tuple[int, int] | None:
        """The likelihood and consequence when both are set and differ from the saved ones."""
        if self._shown is None:
            return None
        pair = (self.likelihood.value(), self.consequence.value())
        finding = self._shown.finding
        if 0 in pair or pair == (finding.likelihood, finding.consequence):
            return None
        return pair

    def _chosen_standards(self) -> list[str]:
        return [
            str(self.standards.item(i).data(CODE_ROLE))
            for i in range(self.standards.count())
            if self.standards.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _due(self) -> date | None:
        if not self.has_due.isChecked():
            return None
        chosen = self.due.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    # -- reactions -------------------------------------------------------------------------------

    def _enable_unlink(self) -> None:
        editable = self._shown is not None and self._shown.editable
        self.unlink_button.setEnabled(editable and self.evidence.currentItem() is not None)

    def _unlink(self) -> None:
        item = self.evidence.currentItem()
        if item is not None and item.data(CODE_ROLE):
            self.unlink_requested.emit(str(item.data(CODE_ROLE)))

    def _user_edit(self) -> None:
        if not self._loading:
            self.edited.emit()

    def _domain_changed(self) -> None:
        if self._loading:
            return
        self._fill_standards(None, set(self._chosen_standards()))
        self.edited.emit()

    def _due_toggled(self, checked: bool) -> None:
        self.due.setEnabled(checked and self.has_due.isEnabled())
        self._user_edit()

    def _risk_changed(self) -> None:
        self._show_band()
        self._user_edit()

    def _show_band(self) -> None:
        likelihood, consequence = self.likelihood.value(), self.consequence.value()
        if not likelihood or not consequence or self._bands is None:
            self.band.setText("not rated (set both likelihood and consequence)")
            return
        rating = RiskRating(likelihood, consequence)
        band = rating.band(self._bands).name
        self.band.setText(
            f"= {rating.score} · {band.upper()} "
            f"({LIKELIHOOD_LABELS[likelihood - 1]} × {CONSEQUENCE_LABELS[consequence - 1]})"
        )
