"""Cross-field rules of a template that the schema alone cannot express; each finding has a path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from eqvisit.templates.conditions import (
    AllCondition,
    AnsweredCondition,
    AnyCondition,
    Condition,
    EqualsCondition,
    InCondition,
    NotCondition,
)
from eqvisit.templates.framework import Framework
from eqvisit.templates.limits import MAX_CONDITION_DEPTH
from eqvisit.templates.problems import Loc, Problem
from eqvisit.templates.schema import (
    FIXED_OPTIONS,
    LISTED_OPTION_TYPES,
    Question,
    QuestionType,
    Template,
)

_ANSWER_KIND = {
    QuestionType.NUMBER: "a number",
    QuestionType.DATE: "a date written YYYY-MM-DD",
    QuestionType.TEXT: "text",
}


def _question_loc(section: int, question: int) -> Loc:
    return ("sections", section, "questions", question)


def _check_options(question: Question, loc: Loc) -> list[Problem]:
    problems: list[Problem] = []
    kind = question.type
    if kind in LISTED_OPTION_TYPES:
        if question.options is None or len(question.options) < 2:
            problems.append(
                Problem((*loc, "options"), f"a {kind} question needs at least 2 options")
            )
            return problems
        seen_values: dict[str | int, int] = {}
        seen_labels: dict[str, int] = {}
        for index, option in enumerate(question.options):
            if option.value in seen_values:
                problems.append(
                    Problem(
                        (*loc, "options", index, "value"),
                        f"duplicate option value {option.value!r} "
                        f"(also option {seen_values[option.value] + 1})",
                    )
                )
            seen_values.setdefault(option.value, index)
            if option.label.casefold() in seen_labels:
                problems.append(
                    Problem(
                        (*loc, "options", index, "label"),
                        f"duplicate option label {option.label!r} "
                        f"(also option {seen_labels[option.label.casefold()] + 1})",
                    )
                )
            seen_labels.setdefault(option.label.casefold(), index)
            if kind is QuestionType.SCALE and not isinstance(option.value, int):
                problems.append(
                    Problem(
                        (*loc, "options", index, "value"),
                        "scale points must be whole numbers (e.g. 1 to 5)",
                    )
                )
    elif question.options is not None:
        fixed = FIXED_OPTIONS.get(kind)
        why = (
            f"its answers are always {', '.join(v for v, _ in fixed)}"
            if fixed
            else "it has no options"
        )
        problems.append(Problem((*loc, "options"), f"options are not used by type {kind}: {why}"))
    if kind is not QuestionType.NUMBER:
        for bound in ("min", "max"):
            if getattr(question, bound) is not None:
                problems.append(Problem((*loc, bound), f"{bound} is only used by number questions"))
    elif question.min is not None and question.max is not None and question.min > question.max:
        problems.append(
            Problem((*loc, "max"), f"max ({question.max}) is below min ({question.min})")
        )
    return problems


def _check_value(target: Question, value: object, loc: Loc) -> Problem | None:
    """Whether ``value`` is an answer ``target`` could have."""
    choices = target.choices
    if choices:
        allowed = [option.value for option in choices]
        if not any(type(value) is type(v) and value == v for v in allowed):
            listed = ", ".join(repr(v) for v in allowed)
            return Problem(loc, f"{value!r} is not an option of {target.id!r} (options: {listed})")
        return None
    if target.type is QuestionType.NUMBER:
        if not isinstance(value, int | float):
            return Problem(loc, f"{target.id!r} is a number question; compare it with a number")
        return None
    if target.type is QuestionType.DATE:
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            return Problem(loc, f"{target.id!r} is a date question; write the date as YYYY-MM-DD")
        return None
    if not isinstance(value, str):
        return Problem(loc, f"{target.id!r} has {_ANSWER_KIND[target.type]} answers; compare text")
    return None


def _check_condition(
    condition: Condition,
    loc: Loc,
    question: Question,
    earlier: Mapping[str, Question],
    later: frozenset[str],
) -> list[Problem]:
    problems: list[Problem] = []
    stack: list[tuple[Condition, Loc, int]] = [(condition, loc, 1)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_CONDITION_DEPTH:
            problems.append(
                Problem(
                    where, f"conditions may be nested at most {MAX_CONDITION_DEPTH} levels deep"
                )
            )
            continue
        if isinstance(node, NotCondition):
            stack.append((node.not_, (*where, "not"), depth + 1))
            continue
        if isinstance(node, AllCondition | AnyCondition):
            key = "all" if isinstance(node, AllCondition) else "any"
            items = node.all_ if isinstance(node, AllCondition) else node.any_
            stack.extend(
                (child, (*where, key, index), depth + 1)
                for index, child in reversed(list(enumerate(items)))
            )
            continue
        if isinstance(node, EqualsCondition):
            ref, ref_loc = node.equals.question, (*where, "equals", "question")
            values: list[tuple[object, Loc]] = [(node.equals.value, (*where, "equals", "value"))]
        elif isinstance(node, InCondition):
            ref, ref_loc = node.in_.question, (*where, "in", "question")
            values = [(v, (*where, "in", "values", i)) for i, v in enumerate(node.in_.values)]
        else:
            assert isinstance(node, AnsweredCondition)
            ref, ref_loc, values = node.answered, (*where, "answered"), []
        target = earlier.get(ref)
        if target is None:
            if ref == question.id:
                why = "a question cannot depend on its own answer"
            elif ref in later:
                why = "it comes later; show_if may only use answers to earlier questions"
            else:
                why = "there is no such question in this template"
            problems.append(Problem(ref_loc, f"show_if refers to {ref!r}: {why}"))
            continue
        for value, value_loc in values:
            problem = _check_value(target, value, value_loc)
            if problem is not None:
                problems.append(problem)
    return problems


def _check_standards(question: Question, loc: Loc, framework: Framework | None) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    codes = framework.codes() if framework is not None else None
    for index, code in enumerate(question.standards):
        if code in seen:
            problems.append(Problem((*loc, "standards", index), f"standard {code} is listed twice"))
        seen.add(code)
        if codes is not None and framework is not None and code not in codes:
            problems.append(
                Problem(
                    (*loc, "standards", index),
                    f"standard {code} does not exist in framework {framework.version}",
                )
            )
    return problems


def check_template(template: Template, frameworks: Mapping[str, Framework] | None) -> list[Problem]:
    """Every cross-field problem of ``template``, in document order.

    With ``frameworks`` (version → framework), the cited framework must be among them and every
    cited standard must exist in it; with ``None`` standards are not looked up.
    """
    problems: list[Problem] = []
    framework: Framework | None = None
    if frameworks is not None:
        framework = frameworks.get(template.framework)
        if framework is None:
            known = ", ".join(sorted(frameworks)) or "none"
            problems.append(
                Problem(
                    ("framework",),
                    f"unknown framework version {template.framework!r} (available: {known})",
                )
            )

    all_ids = frozenset(template.question_ids)
    section_ids: dict[str, int] = {}
    earlier: dict[str, Question] = {}
    first_loc: dict[str, Loc] = {}
    for s_index, section in enumerate(template.sections):
        if section.id in section_ids:
            problems.append(
                Problem(
                    ("sections", s_index, "id"),
                    f"duplicate section id {section.id!r} "
                    f"(also sections[{section_ids[section.id]}])",
                )
            )
        section_ids.setdefault(section.id, s_index)
        for q_index, question in enumerate(section.questions):
            loc = _question_loc(s_index, q_index)
            if question.id in first_loc:
                where = first_loc[question.id]
                problems.append(
                    Problem(
                        (*loc, "id"),
                        f"duplicate question id {question.id!r} "
                        f"(also sections[{where[1]}].questions[{where[3]}])",
                    )
                )
            problems.extend(_check_options(question, loc))
            problems.extend(_check_standards(question, loc, framework))
            if question.show_if is not None:
                problems.extend(
                    _check_condition(
                        question.show_if,
                        (*loc, "show_if"),
                        question,
                        earlier,
                        all_ids - earlier.keys(),
                    )
                )
            first_loc.setdefault(question.id, loc)
            earlier.setdefault(question.id, question)
    return problems
