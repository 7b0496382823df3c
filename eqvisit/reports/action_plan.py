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
    """A workbook streamed row by row (openpyxl's write-only mode), so size costs only time."""
    # openpyxl is imported when a workbook is written, not when the app starts.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Action plan")
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADER))}{len(lines) + 1}"
    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="005EB8")
    header = []
    for name in HEADER:
        head = WriteOnlyCell(sheet, value=name)
        head.font, head.fill = head_font, head_fill
        header.append(head)
    sheet.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in lines:
        row: list[WriteOnlyCell | None] = []
        for value, width in zip(line.values(), WIDTHS, strict=True):
            if not value:
                row.append(None)  # no cell written at all: large plans stay quick
                continue
            target = WriteOnlyCell(sheet, value=value)
            target.data_type = "s"  # never a formula, whatever the text starts with
            if len(value) > width:
                target.alignment = wrap
            row.append(target)
        sheet.append(row)
    workbook.properties.title = title
    workbook.properties.creator = "eqvisit"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _defused(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else ""
