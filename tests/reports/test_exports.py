"""Action plan exports read back with csv and openpyxl: every requirement and action, no limit."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from eqvisit.app_services import Services
from eqvisit.domain.enums import FindingKind
from eqvisit.errors import InvalidValue
from eqvisit.reports.action_plan import HEADER, ActionPlanLine, action_plan_csv, action_plan_xlsx
from tests.reports.conftest import ACCENTS, fill_visit


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def read_xlsx(path: Path) -> list[list[str]]:
    sheet = openpyxl.load_workbook(path, read_only=True).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_exported_plan_has_every_requirement_and_action(
    demo: Services, tmp_path: Path, suffix: str
) -> None:
    filled = fill_visit(demo, findings=8)
    target = tmp_path / f"plan{suffix}"
    summary = demo.exports.action_plan(filled.visit_id, target)
    rows = read_csv(target) if suffix == ".csv" else read_xlsx(target)
    assert rows[0] == list(HEADER)
    body = rows[1:]
    assert summary.rows == len(body)
    references = [r[0] for r in body]
    requirements = {ref for ref in filled.finding_texts if not ref.startswith("GP")}
    assert set(references) == requirements  # good practice is not part of the plan
    by_reference = {r[0]: r for r in body}
    for reference in requirements:
        row = by_reference[reference]
        assert row[2] == filled.finding_texts[reference]
        assert row[8] == f"Action for {reference}: fix the rota — {ACCENTS}"
        assert row[11] == "In progress"
        assert "In progress: Started" in row[12]


@pytest.mark.slow
def test_no_row_limit_past_the_old_excel_limit(tmp_path: Path) -> None:
    lines = [
        ActionPlanLine(f"MR{n}", "Mandatory requirement", f"text {n}", "", ("1.1",), "", "", None)
        for n in range(1, 66_001)
    ]
    csv_rows = list(csv.reader(io.StringIO(action_plan_csv(lines).decode("utf-8-sig"))))
    assert len(csv_rows) == 66_001 and csv_rows[-1][0] == "MR66000"
    target = tmp_path / "big.xlsx"
    target.write_bytes(action_plan_xlsx(lines, "big"))
    sheet = openpyxl.load_workbook(target, read_only=True).active
    read = list(sheet.iter_rows(max_col=3, values_only=True))
    assert len(read) == 66_001 and read[-1] == ("MR66000", "Mandatory requirement", "text 66000")


def test_formulas_are_never_run_by_a_spreadsheet(demo: Services, tmp_path: Path) -> None:
    (visit,) = demo.visits.list_visits()
    risky = '=HYPERLINK("http://example.invalid","click")'
    row = demo.findings.propose(visit.id, FindingKind.MANDATORY_REQUIREMENT, risky, owner="@owner")
    demo.findings.issue_reference(row.id)
    demo.exports.action_plan(visit.id, tmp_path / "plan.csv")
    demo.exports.action_plan(visit.id, tmp_path / "plan.xlsx")
    (csv_row,) = read_csv(tmp_path / "plan.csv")[1:]
    assert csv_row[2] == "'" + risky and csv_row[6] == "'@owner"
    sheet = openpyxl.load_workbook(tmp_path / "plan.xlsx").active
    assert sheet.cell(row=2, column=3).value == risky
    assert sheet.cell(row=2, column=3).data_type == "s"


def test_a_bad_target_is_refused_with_what_and_where(demo: Services, tmp_path: Path) -> None:
    (visit,) = demo.visits.list_visits()
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InvalidValue, match=r"plan.pdf must end in .csv or .xlsx"):
        demo.exports.action_plan(visit.id, out / "plan.pdf")
    with pytest.raises(InvalidValue, match="does not exist"):
        demo.exports.action_plan(visit.id, out / "missing" / "plan.csv")
    assert list(out.iterdir()) == []
