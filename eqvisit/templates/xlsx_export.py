"""Writes a template as a workbook in the authoring layout, so teams can edit it in Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Font

from eqvisit.templates.condition_text import condition_to_text
from eqvisit.templates.schema import Option, QuestionType, Template
from eqvisit.templates.xlsx import (
    CHOICES,
    CHOICES_COLUMNS,
    SETTINGS,
    SETTINGS_COLUMNS,
    SURVEY,
    SURVEY_COLUMNS,
)

_TYPE_WORD = {
    QuestionType.SINGLE_CHOICE: "select_one",
    QuestionType.MULTIPLE_CHOICE: "select_multiple",
    QuestionType.SCALE: "scale",
}


def _append(sheet: Any, values: list[object]) -> None:
    """Append a row; text that starts with '=' stays text instead of becoming a formula."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def _sheet(workbook: Any, title: str, columns: tuple[str, ...]) -> Any:
    sheet = workbook.create_sheet(title)
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    return sheet


def template_workbook(template: Template) -> Any:
    """An openpyxl workbook holding ``template``; identical option lists are written once."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    settings = _sheet(workbook, SETTINGS, SETTINGS_COLUMNS)
    _append(
        settings,
        [
            template.id,
            template.version,
            template.title,
            template.audience.value,
            template.framework,
            template.description or None,
        ],
    )
    survey = _sheet(workbook, SURVEY, SURVEY_COLUMNS)
    choices = _sheet(workbook, CHOICES, CHOICES_COLUMNS)
    # Every cell of standards and names is text, so Excel never turns "1.10" into 1.1.
    for column in ("B", "G"):
        survey.column_dimensions[column].number_format = "@"
    lists: dict[tuple[Option, ...], str] = {}
    for section in template.sections:
        _append(survey, ["begin_section", section.id, section.title, section.intro])
        for question in section.questions:
            kind = _TYPE_WORD.get(question.type, question.type.value)
            if question.options is not None:
                name = lists.get(question.options)
                if name is None:
                    name = question.id
                    lists[question.options] = name
                    for option in question.options:
                        _append(choices, [name, option.value, option.label])
                kind = f"{kind} {name}"
            _append(
                survey,
                [
                    kind,
                    question.id,
                    question.prompt,
                    question.guidance or None,
                    "yes" if question.required else None,
                    None if question.show_if is None else condition_to_text(question.show_if),
                    ", ".join(question.standards) or None,
                    question.min,
                    question.max,
                ],
            )
        _append(survey, ["end_section"])
    return workbook


def write_xlsx(template: Template, path: Path) -> None:
    """Save ``template`` as a workbook at ``path`` (overwriting it)."""
    template_workbook(template).save(path)
