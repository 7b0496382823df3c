"""Qt item models: thin adapters over lists of DTOs (column constants, a sort role, a row role)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from eqvisit.services.dto import PanelMemberRow, ProviderRow, SessionRow, VisitSummary
from eqvisit.ui.text import label

RowT = TypeVar("RowT")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

AnyIndex = QModelIndex | QPersistentModelIndex


class DtoTableModel(QAbstractTableModel, Generic[RowT]):
    """A read-only table over DTO rows; each column is a header and a function of the row."""

    def __init__(self, columns: Sequence[tuple[str, Callable[[RowT], Any]]]) -> None:
        super().__init__()
        self._columns = list(columns)
        self._rows: list[RowT] = []

    def set_rows(self, rows: Sequence[RowT]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> RowT:
        return self._rows[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SORT_ROLE):
            try:
                value = self._columns[index.column()][1](row)
            except (AttributeError, KeyError, TypeError, ValueError):
                return None
            if role == SORT_ROLE:
                return value
            return "" if value is None else str(value)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section][0]
        return None


class ProviderTableModel(DtoTableModel[ProviderRow]):
    def __init__(self) -> None:
        super().__init__(
            [
                ("ODS code", lambda r: r.ods_code),
                ("Name", lambda r: r.name),
                ("Kind", lambda r: label(r.kind)),
                ("Region", lambda r: r.region_code),
                ("Postcode", lambda r: r.postcode),
                ("Status", lambda r: label(r.status)),
                ("Red flags", lambda r: r.red_flags),
            ]
        )


class VisitTableModel(DtoTableModel[VisitSummary]):
    def __init__(self) -> None:
        super().__init__(
            [
                ("Date", lambda r: r.starts_on.isoformat() if r.starts_on else ""),
                ("Visit", lambda r: r.title),
                ("Provider", lambda r: r.provider_name),
                ("Type", lambda r: label(r.visit_type)),
                ("Status", lambda r: label(r.status)),
            ]
        )


class PanelTableModel(DtoTableModel[PanelMemberRow]):
    def __init__(self) -> None:
        super().__init__(
            [
                ("Name", lambda r: r.user.display_name),
                ("Panel role", lambda r: label(r.panel_role)),
                ("Organisation", lambda r: r.user.organisation or ""),
            ]
        )


class SessionTableModel(DtoTableModel[SessionRow]):
    """The agenda; ``names`` maps interviewer user ids to display names (set before rows)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        super().__init__(
            [
                ("Time", _session_time),
                ("Session", lambda r: r.title),
                ("Audience", lambda r: label(r.audience)),
                ("Room", lambda r: r.room),
                (
                    "Interviewers",
                    lambda r: ", ".join(self.names.get(i, "?") for i in r.interviewer_ids),
                ),
                (
                    "Template",
                    lambda r: f"{r.template_id} v{r.template_version}" if r.template_id else "",
                ),
            ]
        )


def _session_time(row: SessionRow) -> str:
    if row.starts_at is None:
        return ""
    start = row.starts_at.astimezone().strftime("%a %d %b %H:%M")
    end = row.ends_at.astimezone().strftime("%H:%M") if row.ends_at else ""
    return f"{start}–{end}" if end else start
