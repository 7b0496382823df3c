"""Hypothesis strategies for valid templates, used by the round-trip tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from eqvisit.domain.enums import Audience
from eqvisit.templates.framework import load_framework
from eqvisit.templates.schema import FIXED_OPTIONS, QuestionType, Template

CODES = sorted(load_framework("eqf-2024").codes())
SLUGS = st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True)
TOKENS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,8}", fullmatch=True)
TEXT = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
        min_size=1,
        max_size=120,
    )
    .map(str.strip)
    .filter(bool)
)
MULTILINE = st.lists(TEXT, min_size=1, max_size=3).map("\n".join)


def _options(draw: Any, kind: QuestionType) -> list[dict[str, object]] | None:
    if kind is QuestionType.SCALE:
        points = draw(st.lists(st.integers(-5, 10), min_size=2, max_size=7, unique=True))
        labels = draw(
            st.lists(TEXT, min_size=len(points), max_size=len(points), unique_by=str.casefold)
        )
        return [
            {"value": p, "label": label} for p, label in zip(sorted(points), labels, strict=True)
        ]
    if kind in {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE}:
        values = draw(
            st.lists(st.one_of(TOKENS, st.integers(0, 99)), min_size=2, max_size=6, unique=True)
        )
        labels = draw(
            st.lists(TEXT, min_size=len(values), max_size=len(values), unique_by=str.casefold)
        )
        return [{"value": v, "label": label} for v, label in zip(values, labels, strict=True)]
    return None


def _leaf(draw: Any, earlier: list[dict[str, Any]]) -> dict[str, object]:
    target = draw(st.sampled_from(earlier))
    kind = QuestionType(target["type"])
    if target.get("options"):
        values = [o["value"] for o in target["options"]]
    elif kind in FIXED_OPTIONS:
        values = [v for v, _ in FIXED_OPTIONS[kind]]
    elif kind is QuestionType.NUMBER:
        values = draw(
            st.lists(
                st.integers(-50, 50) | st.floats(-9, 9).map(lambda f: round(f, 2)),
                min_size=1,
                max_size=3,
            )
        )
    elif kind is QuestionType.DATE:
        values = ["2024-01-31", "2025-12-01"]
    else:
        values = draw(st.lists(TEXT, min_size=1, max_size=3))
    form = draw(st.sampled_from(["equals", "in", "answered"]))
    if form == "equals":
        return {"equals": {"question": target["id"], "value": draw(st.sampled_from(values))}}
    if form == "in":
        chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))
        return {"in": {"question": target["id"], "values": chosen}}
    return {"answered": target["id"]}


def _condition(draw: Any, earlier: list[dict[str, Any]], depth: int = 1) -> dict[str, object]:
    shape = draw(st.sampled_from(["leaf", "leaf", "not", "all", "any"])) if depth < 4 else "leaf"
    if shape == "leaf":
        return _leaf(draw, earlier)
    if shape == "not":
        return {"not": _condition(draw, earlier, depth + 1)}
    count = draw(st.integers(2, 3))
    return {shape: [_condition(draw, earlier, depth + 1) for _ in range(count)]}


@st.composite
def templates(draw: Any, max_questions: int = 12) -> Template:
    """Valid templates with every question type, options, bounds and show_if conditions."""
    ids = draw(st.lists(SLUGS, min_size=2, max_size=max_questions + 3, unique=True))
    section_count = draw(st.integers(1, min(3, len(ids) - 1)))
    section_ids, question_ids = ids[:section_count], ids[section_count:]
    earlier: list[dict[str, Any]] = []
    sections: list[dict[str, object]] = []
    cuts = (
        sorted(
            draw(
                st.lists(
                    st.integers(1, len(question_ids) - 1), max_size=section_count - 1, unique=True
                )
            )
        )
        if len(question_ids) > 1
        else []
    )
    bounds = [0, *cuts, len(question_ids)]
    for index, section_id in enumerate(section_ids[: len(bounds) - 1]):
        questions: list[dict[str, object]] = []
        for question_id in question_ids[bounds[index] : bounds[index + 1]]:
            kind = draw(st.sampled_from(list(QuestionType)))
            question: dict[str, Any] = {"id": question_id, "type": kind.value, "prompt": draw(TEXT)}
            if draw(st.booleans()):
                question["guidance"] = draw(st.one_of(TEXT, MULTILINE))
            question["standards"] = draw(st.lists(st.sampled_from(CODES), max_size=3, unique=True))
            question["required"] = draw(st.booleans())
            options = _options(draw, kind)
            if options is not None:
                question["options"] = options
            if kind is QuestionType.NUMBER and draw(st.booleans()):
                low = draw(st.integers(-100, 100))
                question["min"] = low
                question["max"] = low + draw(st.integers(0, 100))
            if earlier and draw(st.booleans()):
                question["show_if"] = _condition(draw, earlier)
            questions.append(question)
            earlier.append(question)
        section: dict[str, object] = {"id": section_id, "title": draw(TEXT), "questions": questions}
        if draw(st.booleans()):
            section["intro"] = draw(st.one_of(TEXT, MULTILINE))
        sections.append(section)
    data = {
        "id": draw(SLUGS),
        "version": draw(st.integers(1, 10_000)),
        "title": draw(TEXT),
        "audience": draw(st.sampled_from(list(Audience))).value,
        "framework": "eqf-2024",
        "description": draw(st.one_of(st.just(""), TEXT)),
        "sections": sections,
    }
    return Template.model_validate(data)
