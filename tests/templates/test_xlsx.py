"""Templates authored in Excel: a workbook imports to the same template as its YAML twin."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
import pytest

from eqvisit.errors import TemplateError
from eqvisit.templates.loader import default_template_paths, load_template, load_template_file
from eqvisit.templates.problems import XlsxCellError, problems_of
from eqvisit.templates.xlsx import load_xlsx
from eqvisit.templates.xlsx_export import write_xlsx

Write = Callable[[str, str | bytes], Path]
Row = Sequence[object]

SETTINGS: list[Row] = [
    ["id", "version", "title", "audience", "framework", "description"],
    ["ward-check", 2, "Ward check", "walk_round", "eqf-2024", "Short walk-round form."],
]
SURVEY: list[Row] = [
    ["type", "name", "label", "hint", "required", "show_if", "standards", "min", "max"],
    ["begin_section", "area", "The area", "One form per area."],
    ["select_one areas", "area_type", "Which area?", None, "yes", None, "1.7"],
    ["number", "beds", "How many beds?", None, None, None, "6.1", 0, 60],
    ["date", "last_audit", "Date of last audit", None, False, None, None],
    ["end_section"],
    [],
    ["begin_section", "rest", "Rest and study", None],
    ["rag", "rest_space", "Rest space", "Day and night.\nIncludes food.", True, None, "1.7, 3.5"],
    [
        "text",
        "rest_notes",
        "What is missing?",
        None,
        None,
        "${rest_space} in ('red', 'amber') or ${area_type} = 'ward'",
        "1.7",
    ],
    ["yes_no_unsure", "logins", "Own logins?", None, "no", None, "3.1; 1.7"],
    [
        "select_multiple problems",
        "it_problems",
        "IT problems seen",
        None,
        None,
        "${logins} != 'yes'",
    ],
    ["scale agree", "welcome", "Felt welcome?", None, None, "answered(${area_type})", "1.4"],
    ["end_section"],
]
CHOICES: list[Row] = [
    ["list_name", "name", "label"],
    ["areas", "ward", "Ward"],
    ["areas", "theatre", "Theatre"],
    ["problems", "few_computers", "Too few computers"],
    ["problems", "no_wifi", "No Wi-Fi"],
    ["agree", 1, "Not at all"],
    ["agree", "2", "Somewhat"],
    ["agree", 3, "Very"],
]
YAML_TWIN = """\
id: ward-check
version: 2
title: Ward check
audience: walk_round
framework: eqf-2024
description: Short walk-round form.
sections:
  - id: area
    title: The area
    intro: One form per area.
    questions:
      - id: area_type
        type: single_choice
        prompt: Which area?
        required: true
        standards: ["1.7"]
        options:
          - {value: ward, label: Ward}
          - {value: theatre, label: Theatre}
      - {id: beds, type: number, prompt: How many beds?, standards: ["6.1"], min: 0, max: 60}
      - {id: last_audit, type: date, prompt: Date of last audit, required: false}
  - id: rest
    title: Rest and study
    questions:
      - id: rest_space
        type: rag
        prompt: Rest space
        guidance: |
          Day and night.
          Includes food.
        required: true
        standards: ["1.7", "3.5"]
      - id: rest_notes
        type: text
        prompt: What is missing?
        standards: ["1.7"]
        show_if:
          any:
            - {in: {question: rest_space, values: [red, amber]}}
            - {equals: {question: area_type, value: ward}}
      - {id: logins, type: yes_no_unsure, prompt: Own logins?, standards: ["3.1", "1.7"]}
      - id: it_problems
        type: multiple_choice
        prompt: IT problems seen
        options:
          - {value: few_computers, label: Too few computers}
          - {value: no_wifi, label: No Wi-Fi}
        show_if: {not: {equals: {question: logins, value: "yes"}}}
      - id: welcome
        type: scale
        prompt: Felt welcome?
        standards: ["1.4"]
        options:
          - {value: 1, label: Not at all}
          - {value: 2, label: Somewhat}
          - {value: 3, label: Very}
        show_if: {answered: area_type}
"""


def make_workbook(
    path: Path,
    settings: Sequence[Row] | None = None,
    survey: Sequence[Row] | None = None,
    choices: Sequence[Row] | None = None,
) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
        if rows is None:
            continue
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path


def workbook_problems(path: Path) -> list[TemplateError]:
    with pytest.raises(TemplateError) as caught:
        load_xlsx(path)
    return problems_of(caught.value)


def test_workbook_equals_its_yaml_twin(tmp_path: Path, write: Write) -> None:
    workbook = make_workbook(tmp_path / "ward.xlsx", SETTINGS, SURVEY, CHOICES)
    from_excel = load_xlsx(workbook)
    from_yaml = load_template(write("ward.yaml", YAML_TWIN))
    assert from_excel == from_yaml
    assert load_template_file(workbook) == from_yaml
    assert from_excel.question("rest_space").guidance == "Day and night.\nIncludes food."


def test_sheet_names_and_headings_are_case_insensitive(tmp_path: Path, write: Write) -> None:
    survey = [[str(c).upper() if c else c for c in SURVEY[0]], *SURVEY[1:]]
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in (("Settings", SETTINGS), ("SURVEY", survey), ("Choices", CHOICES)):
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    workbook.create_sheet("Notes").append(["anything", "goes", "here"])
    path = tmp_path / "w.xlsx"
    workbook.save(path)
    assert load_xlsx(path) == load_template(write("ward.yaml", YAML_TWIN))


@pytest.mark.parametrize("source", default_template_paths(), ids=lambda p: p.stem)
def test_default_templates_survive_a_trip_through_excel(tmp_path: Path, source: Path) -> None:
    template = load_template(source)
    path = tmp_path / f"{template.id}.xlsx"
    write_xlsx(template, path)
    assert load_xlsx(path) == template


def _with(rows: Sequence[Row], index: int, column: int, value: object) -> list[Row]:
    changed: list[list[object]] = [list(row) for row in rows]
    row = changed[index]
    row.extend([None] * (column + 1 - len(row)))
    row[column] = value
    return [*changed]


CELL_CASES = [
    # (sheet rows changed, expected error text)
    (
        "survey",
        _with(SURVEY, 9, 5, "${rest_space} in ('red', 'amber'"),
        "survey!F10: show_if: expected ')' or ',', found the end (character 33)",
    ),
    (
        "survey",
        _with(SURVEY, 9, 5, "${later} = 'x'"),
        "survey!F10: show_if: show_if refers to 'later': there is no such question in this "
        "template",
    ),
    (
        "survey",
        _with(SURVEY, 8, 5, "${rest_notes} = 'x'"),
        "survey!F9: show_if: show_if refers to 'rest_notes': it comes later; show_if may only "
        "use answers to earlier questions",
    ),
    (
        "survey",
        _with(SURVEY, 3, 1, "area_type"),
        "survey!B4: name: duplicate question id 'area_type' (also sections[0].questions[0])",
    ),
    ("survey", _with(SURVEY, 3, 2, None), "survey!C4: label: required field 'prompt' is missing"),
    ("survey", _with(SURVEY, 2, 4, "maybe"), "survey!E3: required: write yes or no, not 'maybe'"),
    (
        "survey",
        _with(SURVEY, 2, 6, "1.7, 9.9"),
        "survey!G3: standards: standard 9.9 does not exist",
    ),
    ("survey", _with(SURVEY, 3, 7, "none"), "survey!H4: min: expected a number, got text"),
    (
        "survey",
        _with(SURVEY, 2, 0, "select_one nowhere"),
        "survey!A3: type: there is no choice list 'nowhere' in the choices sheet",
    ),
    (
        "survey",
        _with(SURVEY, 2, 0, "select_one"),
        "survey!A3: type: select_one needs a choice list",
    ),
    ("survey", _with(SURVEY, 3, 0, "integer"), "survey!A4: type: unknown type 'integer'"),
    (
        "survey",
        _with(SURVEY, 3, 0, "rag colours"),
        "survey!A4: type: type rag takes no choice list",
    ),
    ("survey", _with(SURVEY, 3, 0, None), "survey!A4: type: every row needs a type"),
    ("survey", _with(SURVEY, 1, 6, "1.1"), "survey!G2: standards: not used on begin_section rows"),
    ("survey", _with(SURVEY, 5, 2, "label"), "survey!C6: label: not used on end_section rows"),
    ("survey", _with(SURVEY, 2, 10, "stray"), "survey!K3: this cell has a value but its column"),
    ("survey", _with(SURVEY, 0, 2, "caption"), "survey!C1: caption: unknown column 'caption'"),
    ("survey", _with(SURVEY, 0, 9, "type"), "survey!J1: type: column 'type' appears twice"),
    (
        "survey",
        SURVEY[:5] + SURVEY[7:],
        "survey!A6: type: the section begun in row 2 is still open",
    ),
    ("survey", SURVEY[:-1], "survey!A8: type: this section is never closed"),
    ("survey", [SURVEY[0], *SURVEY[2:]], "survey!A2: type: a question outside any section"),
    ("survey", [*SURVEY, ["end_section"]], "survey!A15: type: end_section without begin_section"),
    (
        "survey",
        [SURVEY[0], ["begin_section", "empty", "Empty"], ["end_section"]],
        "survey!A2: type: needs at least 1 item",
    ),
    (
        "choices",
        _with(CHOICES, 2, 1, "ward"),
        "choices!B3: name: duplicate option value 'ward' (also option 1)",
    ),
    ("choices", _with(CHOICES, 2, 2, None), "choices!C3: label: required field 'label' is missing"),
    (
        "choices",
        _with(CHOICES, 6, 1, "two"),
        "choices!B7: name: scale points must be whole numbers",
    ),
    ("choices", _with(CHOICES, 1, 0, None), "choices!A2: list_name: which list is this choice in?"),
    (
        "settings",
        _with(SETTINGS, 1, 3, "patients"),
        "settings!D2: audience: 'patients' is not allowed",
    ),
    ("settings", _with(SETTINGS, 1, 1, 0), "settings!B2: version: must be at least 1"),
    (
        "settings",
        _with(SETTINGS, 1, 2, None),
        "settings!C2: title: required field 'title' is missing",
    ),
    ("settings", [SETTINGS[0]], "settings!2:2: put the template's id, version, title"),
    (
        "settings",
        [*SETTINGS, SETTINGS[1]],
        "settings!3:3: the settings sheet has one row of values",
    ),
    ("settings", _with(SETTINGS, 1, 4, "eqf-1999"), "settings!E2: framework: unknown framework"),
]


@pytest.mark.parametrize(("sheet", "rows", "expected"), CELL_CASES)
def test_errors_name_sheet_row_and_column(
    tmp_path: Path, sheet: str, rows: list[Row], expected: str
) -> None:
    sheets: dict[str, list[Row]] = {
        "settings": SETTINGS,
        "survey": SURVEY,
        "choices": CHOICES,
        sheet: rows,
    }
    path = make_workbook(
        tmp_path / "bad.xlsx", sheets["settings"], sheets["survey"], sheets["choices"]
    )
    found = workbook_problems(path)
    texts = [str(p) for p in found]
    assert any(text.startswith(f"{path}:{expected}") for text in texts), texts
    assert all(isinstance(p, XlsxCellError) for p in found)


def test_cell_error_attributes(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "bad.xlsx", SETTINGS, _with(SURVEY, 9, 5, "${x} ="), CHOICES)
    (problem,) = workbook_problems(path)
    assert isinstance(problem, XlsxCellError)
    assert (problem.source, problem.sheet, problem.row, problem.column, problem.cell) == (
        str(path),
        "survey",
        10,
        "show_if",
        "F10",
    )
    assert problem.line == 10
    assert problem.field == "show_if"


def test_missing_sheets_are_reported_together(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "empty.xlsx", choices=CHOICES)
    texts = [str(p) for p in workbook_problems(path)]
    assert texts == [
        f"{path}:settings: the workbook has no 'settings' sheet",
        f"{path}:survey: the workbook has no 'survey' sheet",
    ]


def test_missing_label_column_points_at_the_row(tmp_path: Path) -> None:
    survey: list[Row] = [list(row[:2]) + list(row[3:]) for row in SURVEY]
    path = make_workbook(tmp_path / "w.xlsx", SETTINGS, survey, CHOICES)
    texts = [str(p) for p in workbook_problems(path)]
    assert f"{path}:survey!3:3: required field 'prompt' is missing" in texts


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is not an .xlsx workbook"),
        (b"\x00\x01garbage" * 100, "is not an .xlsx workbook"),
        (b"id: demo\n", "is not an .xlsx workbook"),
    ],
)
def test_garbage_files(write: Write, content: bytes, message: str) -> None:
    path = write("bad.xlsx", content)
    problem = workbook_problems(path)[0]
    assert message in str(problem)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert "is not a readable .xlsx workbook" in str(workbook_problems(path)[0])


def test_zip_bomb_is_refused_before_opening(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\x00" * (60 * 1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    assert "unpacks to more data than allowed" in str(workbook_problems(path)[0])


def test_too_many_rows(tmp_path: Path) -> None:
    survey = [*SURVEY[:-1], *[["text", f"q{i}", "Q"] for i in range(5000)], ["end_section"]]
    path = make_workbook(tmp_path / "long.xlsx", SETTINGS, survey, CHOICES)
    assert "survey!5001:5001: more than 5000 rows" in str(workbook_problems(path)[0])


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in str(workbook_problems(tmp_path / "none.xlsx")[0])
