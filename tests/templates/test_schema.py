"""The template models themselves: immutability, built-in rules, helpers."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from eqvisit.domain.enums import Audience
from eqvisit.templates import resources
from eqvisit.templates.problems import TemplateValidationError, XlsxCellError, format_loc
from eqvisit.templates.schema import Option, QuestionType, Template


def test_template_is_frozen_and_hashable(minimal_data: dict[str, Any]) -> None:
    template = Template.model_validate(minimal_data)
    with pytest.raises(ValidationError):
        template.title = "Changed"  # type: ignore[misc]
    assert hash(template) == hash(Template.model_validate(copy.deepcopy(minimal_data)))
    assert template.audience is Audience.LEARNERS


def test_constructing_in_code_enforces_cross_field_rules(minimal_data: dict[str, Any]) -> None:
    minimal_data["sections"][0]["questions"][1]["id"] = "q1"
    with pytest.raises(ValidationError, match="duplicate question id 'q1'"):
        Template.model_validate(minimal_data)


def test_standards_are_not_looked_up_by_the_model(minimal_data: dict[str, Any]) -> None:
    minimal_data["sections"][0]["questions"][0]["standards"] = ["6.9"]
    assert Template.model_validate(minimal_data).question("q1").standards == ("6.9",)


def test_text_is_stripped(minimal_data: dict[str, Any]) -> None:
    minimal_data["title"] = "  Demo  \n"
    assert Template.model_validate(minimal_data).title == "Demo"


def test_fixed_choices_of_yes_no_unsure_and_rag(minimal_data: dict[str, Any]) -> None:
    template = Template.model_validate(minimal_data)
    assert [o.value for o in template.question("q1").choices] == ["yes", "no", "unsure"]
    assert template.question("q2").choices == ()
    assert template.question_ids == ("q1", "q2")
    with pytest.raises(KeyError):
        template.question("nope")


def test_question_types_are_the_documented_eight() -> None:
    assert [t.value for t in QuestionType] == [
        "yes_no_unsure",
        "single_choice",
        "multiple_choice",
        "scale",
        "rag",
        "number",
        "date",
        "text",
    ]


def test_option_values_are_tokens_or_whole_numbers() -> None:
    assert Option(value=3, label="Three").value == 3
    assert Option(value="ST3+", label="ST3 and above").value == "ST3+"
    for bad in ("two words", "", 2.5, True, None):
        with pytest.raises(ValidationError):
            Option.model_validate({"value": bad, "label": "x"})


def test_format_loc() -> None:
    assert format_loc(()) == ""
    assert (
        format_loc(("sections", 0, "questions", 2, "prompt")) == "sections[0].questions[2].prompt"
    )
    assert format_loc(("sections", 0, "my key")) == "sections[0]['my key']"
    assert format_loc(("\r",)) == "['\\r']"


def test_validation_error_needs_problems() -> None:
    with pytest.raises(ValueError, match="at least one problem"):
        TemplateValidationError([])


def test_cell_error_forms() -> None:
    whole_sheet = XlsxCellError("f.xlsx", "missing", sheet="survey")
    row = XlsxCellError("f.xlsx", "bad row", sheet="survey", row=4)
    cell = XlsxCellError("f.xlsx", "bad", sheet="survey", row=4, column="name", column_letter="B")
    assert str(whole_sheet) == "f.xlsx:survey: missing"
    assert str(row) == "f.xlsx:survey!4:4: bad row"
    assert str(cell) == "f.xlsx:survey!B4: name: bad"
    assert cell.exit_code == 2


def test_resources_root_in_a_checkout() -> None:
    root = resources.resources_root()
    assert root == Path(__file__).resolve().parents[2] / "resources"
    assert (root / "frameworks" / "eqf-2024.yaml").is_file()
    assert resources.templates_dir() == root / "templates"


def test_resources_root_in_a_frozen_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_root() == tmp_path / "resources"
