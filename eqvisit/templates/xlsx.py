"""Reads a template authored in Excel (XLSForm spirit: survey, choices and settings sheets)."""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from eqvisit.errors import TemplateError
from eqvisit.templates.condition_text import ConditionSyntaxError, parse_condition_text
from eqvisit.templates.framework import Framework, bundled_frameworks
from eqvisit.templates.limits import MAX_XLSX_BYTES, MAX_XLSX_ROWS, MAX_XLSX_UNPACKED_BYTES
from eqvisit.templates.problems import Loc, TemplateValidationError, XlsxCellError
from eqvisit.templates.schema import QuestionType, Template
from eqvisit.templates.validation import build_template

SURVEY = "survey"
CHOICES = "choices"
SETTINGS = "settings"
SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "show_if",
    "standards",
    "min",
    "max",
)
CHOICES_COLUMNS = ("list_name", "name", "label")
SETTINGS_COLUMNS = ("id", "version", "title", "audience", "framework", "description")
BEGIN_SECTION = frozenset({"begin_section", "begin section", "begin_group", "begin group"})
END_SECTION = frozenset({"end_section", "end section", "end_group", "end group"})
#: Workbook type words and the question type each means; list types are followed by a list name.
TYPE_WORDS: dict[str, QuestionType] = {
    "yes_no_unsure": QuestionType.YES_NO_UNSURE,
    "select_one": QuestionType.SINGLE_CHOICE,
    "single_choice": QuestionType.SINGLE_CHOICE,
    "select_multiple": QuestionType.MULTIPLE_CHOICE,
    "multiple_choice": QuestionType.MULTIPLE_CHOICE,
    "scale": QuestionType.SCALE,
    "rag": QuestionType.RAG,
    "number": QuestionType.NUMBER,
    "date": QuestionType.DATE,
    "text": QuestionType.TEXT,
}
LIST_TYPES = frozenset(
    {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.SCALE}
)
#: Survey columns and the question field each fills.
_QUESTION_FIELDS = {
    "type": "type",
    "name": "id",
    "label": "prompt",
    "hint": "guidance",
    "required": "required",
    "show_if": "show_if",
    "standards": "standards",
    "min": "min",
    "max": "max",
}
_SECTION_FIELDS = {"type": None, "name": "id", "label": "title", "hint": "intro"}
_TRUE = frozenset({"yes", "true", "y", "1"})
_FALSE = frozenset({"no", "false", "n", "0"})
_STANDARD_SPLIT = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class _Cell:
    sheet: str
    row: int | None
    column: str | None = None
    letter: str | None = None


@dataclass
class _Sheet:
    """One worksheet read into a header (column name → letter) and the non-blank rows."""

    name: str
    columns: dict[str, str]
    rows: list[tuple[int, dict[str, object]]]

    def cell(self, row: int, column: str) -> _Cell:
        """The cell of ``column`` in ``row``; the whole row when there is no such column."""
        letter = self.columns.get(column)
        if letter is None:
            return _Cell(self.name, row)
        return _Cell(self.name, row, column, letter)


@dataclass
class _Build:
    """The template data being assembled and where each part of it came from."""

    source: str
    cells: dict[Loc, _Cell] = field(default_factory=dict)
    errors: list[TemplateError] = field(default_factory=list)

    def fail(self, cell: _Cell, message: str) -> None:
        self.errors.append(_error(self.source, cell, message))


def _error(source: str, cell: _Cell, message: str) -> XlsxCellError:
    return XlsxCellError(
        source,
        message,
        sheet=cell.sheet,
        row=cell.row,
        column=cell.column,
        column_letter=cell.letter,
    )


class XlsxLocator:
    """Locates a template path at the workbook cell it was read from."""

    def __init__(self, source: str, cells: dict[Loc, _Cell]) -> None:
        self.source = source
        self.cells = cells

    def error(self, loc: Loc, message: str) -> TemplateError:
        for end in range(len(loc), -1, -1):
            cell = self.cells.get(loc[:end])
            if cell is not None:
                return _error(self.source, cell, message)
        return _error(self.source, _Cell(SETTINGS, None), message)


def _clean(value: object) -> object:
    """Cell values as template data: stripped text (blank → ``None``), whole floats → int."""
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return value


def _check_zip(path: Path, source: str) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise TemplateError(source, "no such file") from None
    except OSError as exc:
        raise TemplateError(source, f"cannot be read: {exc.strerror or exc}") from None
    if size > MAX_XLSX_BYTES:
        raise TemplateError(
            source, f"the workbook is larger than {MAX_XLSX_BYTES // (1024 * 1024)} MB"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TemplateError(source, "is not an .xlsx workbook (it is not a zip archive)") from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise TemplateError(source, "the workbook unpacks to more data than allowed; refused")


def _rows(worksheet: Any, source: str, name: str) -> Iterator[tuple[object, ...]]:
    for index, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if index > MAX_XLSX_ROWS:
            raise _error(source, _Cell(name, index), f"more than {MAX_XLSX_ROWS} rows")
        yield tuple(values)


def _read_sheet(worksheet: Any, name: str, known: tuple[str, ...], build: _Build) -> _Sheet:
    rows = _rows(worksheet, build.source, name)
    header = next(rows, None)
    columns: dict[str, str] = {}
    positions: dict[int, str] = {}
    for index, raw in enumerate(header or (), start=1):
        letter = get_column_letter(index)
        heading = _clean(raw)
        if heading is None:
            continue
        key = str(heading).strip().lower().replace(" ", "_")
        cell = _Cell(name, 1, key, letter)
        if key not in known:
            build.fail(cell, f"unknown column {heading!r}; the {name} sheet has {', '.join(known)}")
        elif key in columns:
            build.fail(cell, f"column {key!r} appears twice (also column {columns[key]})")
        else:
            columns[key] = letter
            positions[index - 1] = key
    body: list[tuple[int, dict[str, object]]] = []
    for number, values in enumerate(rows, start=2):
        row: dict[str, object] = {}
        for position, raw in enumerate(values):
            value = _clean(raw)
            if value is None:
                continue
            column = positions.get(position)
            if column is None:
                build.fail(
                    _Cell(name, number, None, get_column_letter(position + 1)),
                    "this cell has a value but its column has no (known) heading in row 1",
                )
                continue
            row[column] = value
        if row:
            body.append((number, row))
    return _Sheet(name, columns, body)


def _read_workbook(path: Path, build: _Build) -> dict[str, _Sheet]:
    _check_zip(path, build.source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise TemplateError(
            build.source, f"is not a readable .xlsx workbook ({type(exc).__name__})"
        ) from None
    try:
        by_name = {ws.title.strip().lower(): ws for ws in workbook.worksheets}
        sheets: dict[str, _Sheet] = {}
        for name, known in (
            (SETTINGS, SETTINGS_COLUMNS),
            (SURVEY, SURVEY_COLUMNS),
            (CHOICES, CHOICES_COLUMNS),
        ):
            worksheet = by_name.get(name)
            if worksheet is None:
                if name != CHOICES:
                    build.fail(_Cell(name, None), f"the workbook has no {name!r} sheet")
                continue
            try:
                sheets[name] = _read_sheet(worksheet, name, known, build)
            except TemplateError:
                raise
            except Exception as exc:  # damaged sheet XML
                raise _error(
                    build.source, _Cell(name, None), f"cannot be read ({type(exc).__name__})"
                ) from None
        return sheets
    finally:
        workbook.close()


def _settings(sheet: _Sheet, build: _Build) -> dict[str, object]:
    data: dict[str, object] = {}
    if not sheet.rows:
        build.fail(_Cell(SETTINGS, 2), "put the template's id, version, title, ... in row 2")
        return data
    number, row = sheet.rows[0]
    for extra_number, _ in sheet.rows[1:]:
        build.fail(
            _Cell(SETTINGS, extra_number), "the settings sheet has one row of values (row 2)"
        )
    if number != 2:
        build.fail(_Cell(SETTINGS, number), "the settings values belong in row 2")
    build.cells[()] = _Cell(SETTINGS, number)
    for column in SETTINGS_COLUMNS:
        build.cells[(column,)] = sheet.cell(number, column)
        if column in row:
            value = row[column]
            if column == "version" and isinstance(value, str) and value.isdigit():
                value = int(value)
            data[column] = value
    return data


@dataclass(frozen=True)
class _Choice:
    row: int
    name: object
    label: object


def _choices(sheet: _Sheet | None, build: _Build) -> dict[str, list[_Choice]]:
    lists: dict[str, list[_Choice]] = {}
    if sheet is None:
        return lists
    for number, row in sheet.rows:
        list_name = row.get("list_name")
        if list_name is None:
            build.fail(sheet.cell(number, "list_name"), "which list is this choice in?")
            continue
        lists.setdefault(str(list_name), []).append(
            _Choice(number, row.get("name"), row.get("label"))
        )
    return lists


def _parse_bool(value: object, cell: _Cell, build: _Build) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    build.fail(cell, f"write yes or no, not {value!r}")
    return None


def _standards(value: object) -> list[object]:
    if isinstance(value, int | float):
        return [repr(float(value)) if isinstance(value, float) else str(value)]
    return [part for part in _STANDARD_SPLIT.split(str(value)) if part]


class _SurveyReader:
    """Walks the survey rows, turning section and question rows into template data."""

    def __init__(
        self, sheet: _Sheet, choice_lists: dict[str, list[_Choice]], build: _Build
    ) -> None:
        self.sheet = sheet
        self.choice_lists = choice_lists
        self.build = build
        self.sections: list[dict[str, object]] = []
        self.open_row: int | None = None

    def read(self, choices: _Sheet | None) -> list[dict[str, object]]:
        self.build.cells[("sections",)] = _Cell(SURVEY, None)
        for number, row in self.sheet.rows:
            type_cell = self.sheet.cell(number, "type")
            kind = row.get("type")
            if kind is None:
                self.build.fail(type_cell, "every row needs a type (or begin_section/end_section)")
                continue
            words = str(kind).strip().split()
            first = " ".join(words).lower()
            if first in BEGIN_SECTION:
                self._begin(number, row)
            elif first in END_SECTION:
                self._end(number, row)
            else:
                self._question(number, row, words, choices)
        if self.open_row is not None:
            self.build.fail(
                self.sheet.cell(self.open_row, "type"),
                "this section is never closed; add an end_section row",
            )
        return self.sections

    def _unused(self, number: int, row: dict[str, object], allowed: set[str], what: str) -> None:
        for column in row:
            if column not in allowed:
                self.build.fail(self.sheet.cell(number, column), f"not used on {what} rows")

    def _begin(self, number: int, row: dict[str, object]) -> None:
        if self.open_row is not None:
            self.build.fail(
                self.sheet.cell(number, "type"),
                f"the section begun in row {self.open_row} is still open; "
                "add end_section before starting another",
            )
            return
        self._unused(number, row, {"type", "name", "label", "hint"}, "begin_section")
        loc: Loc = ("sections", len(self.sections))
        self.build.cells[loc] = self.sheet.cell(number, "type")
        self.build.cells[(*loc, "questions")] = self.sheet.cell(number, "type")
        section: dict[str, object] = {"questions": []}
        for column, key in _SECTION_FIELDS.items():
            if key is None:
                continue
            self.build.cells[(*loc, key)] = self.sheet.cell(number, column)
            if column in row:
                section[key] = row[column]
        self.sections.append(section)
        self.open_row = number

    def _end(self, number: int, row: dict[str, object]) -> None:
        if self.open_row is None:
            self.build.fail(self.sheet.cell(number, "type"), "end_section without begin_section")
            return
        self._unused(number, row, {"type"}, "end_section")
        self.open_row = None

    def _question(
        self, number: int, row: dict[str, object], words: list[str], choices: _Sheet | None
    ) -> None:
        type_cell = self.sheet.cell(number, "type")
        if self.open_row is None:
            self.build.fail(type_cell, "a question outside any section; add a begin_section row")
            return
        word = words[0].lower()
        kind = TYPE_WORDS.get(word)
        if kind is None or len(words) > 2:
            self.build.fail(
                type_cell,
                f"unknown type {' '.join(words)!r}; use begin_section, end_section, "
                "select_one LIST, select_multiple LIST, scale LIST, yes_no_unsure, rag, number, "
                "date or text",
            )
            return
        section = self.sections[-1]
        questions = section["questions"]
        assert isinstance(questions, list)
        loc: Loc = ("sections", len(self.sections) - 1, "questions", len(questions))
        self.build.cells[loc] = type_cell
        question: dict[str, object] = {"type": kind.value}
        for column, key in _QUESTION_FIELDS.items():
            self.build.cells[(*loc, key)] = self.sheet.cell(number, column)
            if column == "type" or column not in row:
                continue
            value = row[column]
            cell = self.sheet.cell(number, column)
            if column == "required":
                flag = _parse_bool(value, cell, self.build)
                if flag is not None:
                    question[key] = flag
            elif column == "show_if":
                try:
                    question[key] = parse_condition_text(str(value))
                except ConditionSyntaxError as exc:
                    self.build.fail(cell, f"{exc.message} (character {exc.position})")
            elif column == "standards":
                question[key] = _standards(value)
            else:
                question[key] = value
        list_name = words[1] if len(words) == 2 else None
        if kind in LIST_TYPES:
            if list_name is None:
                self.build.fail(type_cell, f"{word} needs a choice list: {word} LIST_NAME")
                return
            options = self._options(list_name, kind, loc, choices, type_cell)
            if options is not None:
                question["options"] = options
        elif list_name is not None:
            self.build.fail(type_cell, f"type {word} takes no choice list")
        questions.append(question)

    def _options(
        self,
        list_name: str,
        kind: QuestionType,
        loc: Loc,
        choices: _Sheet | None,
        type_cell: _Cell,
    ) -> list[dict[str, object]] | None:
        entries = self.choice_lists.get(list_name)
        if entries is None or choices is None:
            self.build.fail(
                type_cell, f"there is no choice list {list_name!r} in the choices sheet"
            )
            return None
        self.build.cells[(*loc, "options")] = type_cell
        options: list[dict[str, object]] = []
        for index, entry in enumerate(entries):
            option_loc: Loc = (*loc, "options", index)
            self.build.cells[option_loc] = choices.cell(entry.row, "list_name")
            self.build.cells[(*option_loc, "value")] = choices.cell(entry.row, "name")
            self.build.cells[(*option_loc, "label")] = choices.cell(entry.row, "label")
            option: dict[str, object] = {}
            name = entry.name
            if kind is QuestionType.SCALE and isinstance(name, str) and name.lstrip("-").isdigit():
                name = int(name)
            if name is not None:
                option["value"] = name
            if entry.label is not None:
                option["label"] = entry.label
            options.append(option)
        return options


def load_xlsx(path: Path, *, frameworks: Mapping[str, Framework] | None = None) -> Template:
    """Load and validate a template workbook.

    Problems raise :class:`~eqvisit.errors.TemplateError`; those in cells are
    :class:`~eqvisit.templates.problems.XlsxCellError` (``FILE:SHEET!CELL: column: what``),
    gathered in a :class:`~eqvisit.templates.problems.TemplateValidationError`.
    """
    build = _Build(str(path))
    sheets = _read_workbook(path, build)
    data: dict[str, object] = {}
    if SETTINGS in sheets:
        data.update(_settings(sheets[SETTINGS], build))
    if SURVEY in sheets:
        choices = sheets.get(CHOICES)
        reader = _SurveyReader(sheets[SURVEY], _choices(choices, build), build)
        data["sections"] = reader.read(choices)
    if build.errors:
        raise TemplateValidationError(build.errors)
    return build_template(
        data,
        XlsxLocator(build.source, build.cells),
        bundled_frameworks() if frameworks is None else frameworks,
    )
