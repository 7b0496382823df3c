"""The action plan as CSV and XLSX: one row per action, every requirement present, no row limit.

A requirement with no actions yet still gets a row (its action columns empty), so the export is
the complete plan. Text that a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``,
``@…``) is neutralised: in CSV by a leading apostrophe (the usual convention), in XLSX by storing
the cell as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

HEADER = (
    "Reference",
    "Kind",
    "Requirement",
    "Required actions / evidence",
    "Standards",
    "Risk",
    "Requirement owner",
    "Requirement due",
    "Action",
    "Action owner",
    "Action due",
    "Action status",
    "Status history",
)
WIDTHS = (10, 22, 60, 50, 14, 14, 22, 14, 50, 22, 14, 18, 60)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ActionPlanLine:
    """One row of the plan: a requirement and (optionally) one of its actions."""

    reference: str
    kind: str
    requirement: str
    required_actions: str
    standards: tuple[str, ...]
    risk: str
    requirement_owner: str
    requirement_due: date | None
    action: str = ""
    action_owner: str = ""
    action_due: date | None = None
    action_status: str = ""
    history: str = ""

    def values(self) -> tuple[str, ...]:
        return (
            self.reference,
            self.kind,
            self.requirement,
            self.required_actions,
            ", ".join(self.standards),
            self.risk,
            self.requirement_owner,
            _iso(self.requirement_due),
            self.action,
            self.action_owner,
            _iso(self.action_due),
            self.action_status,
            self.history,
        )


def action_plan_csv(lines: Sequence[ActionPlanLine]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows accents and Welsh letters correctly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for line in lines:
        writer.writerow([_defused(value) for value in line.values()])
    return buffer.getvalue().encode("utf-8-sig")


def action_plan_xlsx(lines: Sequence[ActionPlanLine], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Action plan"
    sheet.append(HEADER)
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        head = sheet.cell(row=1, column=column)
        head.font = Font(bold=True, color="FFFFFF")
        head.fill = PatternFill("solid", fgColor="005EB8")
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, line in enumerate(lines, start=2):
        for column, value in enumerate(line.values(), start=1):
            target = sheet.cell(row=row, column=column)
            target.value = value
            target.data_type = "s"  # never a formula, whatever the text starts with
            target.alignment = wrap
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.properties.title = title
    workbook.properties.creator = "eqvisit"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _defused(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else ""
