"""Differences between template versions."""

from __future__ import annotations

import copy
from typing import Any

from eqvisit.templates.diff import QuestionChange, SectionChange, diff_templates
from eqvisit.templates.loader import default_template_paths, load_template
from eqvisit.templates.schema import Template


def build(data: dict[str, Any]) -> Template:
    return Template.model_validate(data)


def test_identical_templates_have_an_empty_diff(minimal_data: dict[str, Any]) -> None:
    diff = diff_templates(build(minimal_data), build(minimal_data))
    assert diff.is_empty
    assert (diff.template_id, diff.old_version, diff.new_version) == ("demo", 1, 1)


def test_added_removed_and_changed_questions(minimal_data: dict[str, Any]) -> None:
    new = copy.deepcopy(minimal_data)
    new["version"] = 2
    questions = new["sections"][0]["questions"]
    questions[0]["prompt"] = "Did you get an induction?"
    questions[0]["standards"] = ["3.1", "1.1"]
    questions[0]["required"] = True
    del questions[1]
    questions.append({"id": "q3", "type": "rag", "prompt": "Rating"})
    diff = diff_templates(build(minimal_data), build(new))
    assert diff.added_questions == ("q3",)
    assert diff.removed_questions == ("q2",)
    assert diff.changed_questions == (QuestionChange("q1", ("prompt", "standards", "required")),)
    assert diff.new_version == 2
    assert not diff.is_empty


def test_show_if_options_and_type_changes(minimal_data: dict[str, Any]) -> None:
    new = copy.deepcopy(minimal_data)
    q2 = new["sections"][0]["questions"][1]
    q2["show_if"] = {"equals": {"question": "q1", "value": "unsure"}}
    q2["type"] = "single_choice"
    q2["options"] = [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]
    diff = diff_templates(build(minimal_data), build(new))
    assert diff.changed_questions == (QuestionChange("q2", ("type", "options", "show_if")),)


def test_moves_between_and_within_sections(minimal_data: dict[str, Any]) -> None:
    old = copy.deepcopy(minimal_data)
    old["sections"][0]["questions"].append({"id": "q3", "type": "text", "prompt": "Three"})
    old["sections"].append(
        {
            "id": "more",
            "title": "More",
            "questions": [
                {"id": "q4", "type": "text", "prompt": "4"},
                {"id": "q5", "type": "text", "prompt": "5"},
            ],
        }
    )
    new = copy.deepcopy(old)
    # q3 moves to the end of the second section; the second section gets a new title.
    q3 = new["sections"][0]["questions"].pop()
    new["sections"][1]["questions"].append(q3)
    new["sections"][1]["title"] = "Even more"
    new["sections"][0]["intro"] = "Read this first."
    diff = diff_templates(build(old), build(new))
    assert diff.changed_questions == (QuestionChange("q3", ("section", "position")),)
    assert diff.changed_sections == (
        SectionChange("intro", ("intro",)),
        SectionChange("more", ("title",)),
    )
    assert diff.added_questions == diff.removed_questions == ()


def test_section_reorder_added_removed(minimal_data: dict[str, Any]) -> None:
    old = copy.deepcopy(minimal_data)
    old["sections"].append(
        {"id": "b", "title": "B", "questions": [{"id": "qb", "type": "text", "prompt": "B"}]}
    )
    old["sections"].append(
        {"id": "c", "title": "C", "questions": [{"id": "qc", "type": "text", "prompt": "C"}]}
    )
    new = copy.deepcopy(old)
    new["sections"] = [new["sections"][1], new["sections"][0]]
    new["sections"].append(
        {"id": "d", "title": "D", "questions": [{"id": "qd", "type": "text", "prompt": "D"}]}
    )
    new["title"] = "Renamed"
    diff = diff_templates(build(old), build(new))
    assert diff.added_sections == ("d",)
    assert diff.removed_sections == ("c",)
    assert diff.changed_sections == (SectionChange("b", ("position",)),)
    assert diff.changed_attributes == ("title",)
    assert diff.added_questions == ("qd",)
    assert diff.removed_questions == ("qc",)
    # qb moved ahead of q1 and q2: one question moved, not three.
    assert [c.question_id for c in diff.changed_questions] == ["qb"]


def test_diff_of_different_defaults_lists_everything() -> None:
    paths = default_template_paths()
    old, new = load_template(paths[0]), load_template(paths[1])
    diff = diff_templates(old, new)
    shared = set(old.question_ids) & set(new.question_ids)
    assert set(diff.added_questions) == set(new.question_ids) - shared
    assert set(diff.removed_questions) == set(old.question_ids) - shared
    assert {c.question_id for c in diff.changed_questions} <= shared
    assert "id" in diff.changed_attributes
