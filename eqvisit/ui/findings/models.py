"""Table models of the Findings section: findings, the roll-up by domain, the action plan.

Overdue actions stand out twice: in colour (a background the theme can see) and in words
("OVERDUE" in the status column), so the cue does not rest on colour alone.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QTableView

from eqvisit.domain.enums import ActionStatus, FindingKind
from eqvisit.services.findings_dto import ActionPlanRow, DomainRollup, FindingDetail
from eqvisit.ui.table_models import AnyIndex, DtoTableModel
from eqvisit.ui.text import label

OVERDUE_BACKGROUND = QColor("#f9d6d5")
OVERDUE_FOREGROUND = QColor("#7a1010")
KIND_SHORT = {
    FindingKind.GOOD_PRACTICE: "Good practice",
    FindingKind.IMMEDIATE_MANDATORY_REQUIREMENT: "IMR",
    FindingKind.MANDATORY_REQUIREMENT: "MR",
    FindingKind.RECOMMENDATION: "Recommendation",
    FindingKind.AREA_FOR_IMPROVEMENT: "Area for improvement",
}


def risk_text(score: int | None, band: str | None) -> str:
    return f"{score} · {band}" if score is not None and band else "not rated"


class FindingTableModel(DtoTableModel[FindingDetail]):
    def __init__(self) -> None:
        super().__init__(
            [
                ("Ref", lambda d: d.finding.reference or "—"),
                ("Kind", lambda d: KIND_SHORT[d.finding.kind]),
                ("Domain", lambda d: d.finding.domain_number or ""),
                ("Status", lambda d: label(d.finding.status)),
                ("Risk", lambda d: risk_text(d.finding.risk_score, d.finding.risk_band)),
                ("Evidence", lambda d: len(d.evidence)),
                ("Finding", lambda d: d.finding.text.splitlines()[0] if d.finding.text else ""),
            ]
        )


class RollupTableModel(DtoTableModel[DomainRollup]):
    def __init__(self) -> None:
        columns: list[tuple[str, Any]] = [
            ("Domain", lambda r: f"{r.domain_number} {r.title}" if r.domain_number else r.title)
        ]
        for kind in FindingKind:
            columns.append((KIND_SHORT[kind], lambda r, k=kind: dict(r.counts).get(k, 0)))
        columns += [
            ("Total", lambda r: r.total),
            ("Highest risk", lambda r: r.highest_band or "not rated"),
        ]
        super().__init__(columns)


class ActionPlanTableModel(DtoTableModel[ActionPlanRow]):
    def __init__(self) -> None:
        super().__init__(
            [
                ("Ref", lambda r: r.reference),
                ("Action", lambda r: r.description),
                ("Owner", lambda r: r.owner),
                ("Due", lambda r: r.due_on.isoformat() if r.due_on else ""),
                ("Status", _status_text),
                ("Last update", _last_update),
            ]
        )

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and 0 <= index.row() < self.rowCount():
            row = self.row_at(index.row())
            if row.overdue and role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(OVERDUE_BACKGROUND)
            if row.overdue and role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(OVERDUE_FOREGROUND)
        return super().data(index, role)


def _status_text(row: ActionPlanRow) -> str:
    text = label(row.status)
    if not row.overdue:
        return text
    return "OVERDUE" if row.status is ActionStatus.OVERDUE else f"OVERDUE · {text}"


def _last_update(row: ActionPlanRow) -> str:
    if not row.history:
        return ""
    when, _status, note = row.history[-1]
    return f"{when.astimezone():%Y-%m-%d} {note}".strip()


def row_table(name: str, accessible: str, model: QAbstractItemModel) -> QTableView:
    """A read-only table of whole rows, one selected at a time, named for screen readers."""
    table = QTableView()
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table
