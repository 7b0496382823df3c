"""``show_if`` conditions: their declarative form, and a safe evaluator over earlier answers.

A condition is a mapping with exactly one key::

    {equals: {question: q1, value: "no"}}         the answer is (or, for a list answer, contains)
    {in: {question: q1, values: [a, b]}}          the answer is (or contains) one of the values
    {answered: q1}                                the question has a non-empty answer
    {not: <condition>}
    {all: [<condition>, ...]}                     every condition holds
    {any: [<condition>, ...]}                     at least one holds

Nothing here evaluates text as code; conditions are data walked by :func:`evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Annotated

from pydantic import Discriminator, Field, Tag

from eqvisit.errors import TemplateError
from eqvisit.templates.fields import FrozenModel, ScalarValue, Slug
from eqvisit.templates.limits import MAX_CONDITION_DEPTH

if TYPE_CHECKING:
    from eqvisit.templates.schema import Question, Template

#: The keys a condition mapping may have, in the order they are documented.
CONDITION_KEYS = ("equals", "in", "answered", "not", "all", "any")
#: Prefix of the union tags pydantic adds to error locations (stripped when errors are located).
TAG_PREFIX = "condition:"


class EqualsTest(FrozenModel):
    """The body of ``equals``: which earlier question, and the value its answer must be."""

    question: Slug
    value: ScalarValue


class InTest(FrozenModel):
    """The body of ``in``: which earlier question, and the values its answer may be."""

    question: Slug
    values: tuple[ScalarValue, ...] = Field(min_length=1)


class EqualsCondition(FrozenModel):
    equals: EqualsTest


class InCondition(FrozenModel):
    in_: InTest = Field(alias="in")


class AnsweredCondition(FrozenModel):
    answered: Slug


class NotCondition(FrozenModel):
    not_: Condition = Field(alias="not")


class AllCondition(FrozenModel):
    all_: tuple[Condition, ...] = Field(alias="all", min_length=1)


class AnyCondition(FrozenModel):
    any_: tuple[Condition, ...] = Field(alias="any", min_length=1)


_KEY_OF_CLASS: dict[type, str] = {
    EqualsCondition: "equals",
    InCondition: "in",
    AnsweredCondition: "answered",
    NotCondition: "not",
    AllCondition: "all",
    AnyCondition: "any",
}


def _condition_tag(value: object) -> str | None:
    """Pick the union member from the single key of a mapping (or the class of a model)."""
    if isinstance(value, dict):
        if len(value) == 1:
            key = next(iter(value))
            if key in CONDITION_KEYS:
                return TAG_PREFIX + str(key)
        return None
    key_of = _KEY_OF_CLASS.get(type(value))
    return None if key_of is None else TAG_PREFIX + key_of


Condition = Annotated[
    Annotated[EqualsCondition, Tag(TAG_PREFIX + "equals")]
    | Annotated[InCondition, Tag(TAG_PREFIX + "in")]
    | Annotated[AnsweredCondition, Tag(TAG_PREFIX + "answered")]
    | Annotated[NotCondition, Tag(TAG_PREFIX + "not")]
    | Annotated[AllCondition, Tag(TAG_PREFIX + "all")]
    | Annotated[AnyCondition, Tag(TAG_PREFIX + "any")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message="expected a condition: a mapping with exactly one of the keys "
        + ", ".join(CONDITION_KEYS),
    ),
]

NotCondition.model_rebuild()
AllCondition.model_rebuild()
AnyCondition.model_rebuild()


def children(condition: Condition) -> tuple[Condition, ...]:
    """The conditions directly inside ``condition`` (none for a test)."""
    if isinstance(condition, NotCondition):
        return (condition.not_,)
    if isinstance(condition, AllCondition):
        return condition.all_
    if isinstance(condition, AnyCondition):
        return condition.any_
    return ()


def referenced_question(condition: Condition) -> str | None:
    """The question a test looks at (``None`` for ``not``/``all``/``any``)."""
    if isinstance(condition, EqualsCondition):
        return condition.equals.question
    if isinstance(condition, InCondition):
        return condition.in_.question
    if isinstance(condition, AnsweredCondition):
        return condition.answered
    return None


def walk(condition: Condition) -> Iterator[Condition]:
    """Every node of ``condition``, parents before children, without recursion."""
    stack = [condition]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def referenced_questions(condition: Condition) -> list[str]:
    """The question ids ``condition`` looks at, in order of first mention."""
    seen: dict[str, None] = {}
    for node in walk(condition):
        ref = referenced_question(node)
        if ref is not None:
            seen.setdefault(ref, None)
    return list(seen)


def condition_depth(condition: Condition) -> int:
    """Levels of nesting: 1 for a single test, 2 for ``not`` around a test, and so on."""
    deepest = 0
    stack = [(condition, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children(node))
    return deepest


def _same(answer: object, value: object) -> bool:
    if isinstance(answer, bool) or isinstance(value, bool):
        return answer is value
    if isinstance(answer, int | float) and isinstance(value, int | float):
        return answer == value
    if isinstance(answer, str) and isinstance(value, str):
        return answer == value
    return False


def _matches(answer: object, value: object) -> bool:
    """Equality, except that a list answer (multiple choice) matches when it contains the value."""
    if isinstance(answer, list | tuple | set | frozenset):
        return any(_same(item, value) for item in answer)
    return _same(answer, value)


def is_answered(answer: object) -> bool:
    """``None``, blank text and empty lists count as unanswered."""
    if answer is None:
        return False
    if isinstance(answer, str):
        return bool(answer.strip())
    if isinstance(answer, list | tuple | set | frozenset | dict):
        return bool(answer)
    return True


def evaluate(condition: Condition, answers: Mapping[str, object], _depth: int = 1) -> bool:
    """Whether ``condition`` holds for ``answers`` (question id → answer; absent = unanswered).

    A test on an unanswered question is false (so ``not`` of it is true). Nesting deeper than
    :data:`~eqvisit.templates.limits.MAX_CONDITION_DEPTH` raises :class:`TemplateError`.
    """
    if _depth > MAX_CONDITION_DEPTH:
        raise TemplateError(
            "<condition>", f"conditions may be nested at most {MAX_CONDITION_DEPTH} levels deep"
        )
    if isinstance(condition, EqualsCondition):
        answer = answers.get(condition.equals.question)
        return is_answered(answer) and _matches(answer, condition.equals.value)
    if isinstance(condition, InCondition):
        answer = answers.get(condition.in_.question)
        return is_answered(answer) and any(_matches(answer, v) for v in condition.in_.values)
    if isinstance(condition, AnsweredCondition):
        return is_answered(answers.get(condition.answered))
    if isinstance(condition, NotCondition):
        return not evaluate(condition.not_, answers, _depth + 1)
    if isinstance(condition, AllCondition):
        return all(evaluate(child, answers, _depth + 1) for child in condition.all_)
    return any(evaluate(child, answers, _depth + 1) for child in condition.any_)


def is_visible(question: Question, answers: Mapping[str, object]) -> bool:
    """Whether ``question`` is shown, given the answers so far (no ``show_if`` → always)."""
    return question.show_if is None or evaluate(question.show_if, answers)


def visible_question_ids(template: Template, answers: Mapping[str, object]) -> list[str]:
    """The ids of the questions shown for ``answers``, in template order.

    An answer to a question that is itself hidden is ignored by later conditions, so stale answers
    left behind when an earlier answer changes never reveal follow-ups.
    """
    effective: dict[str, object] = {}
    shown: list[str] = []
    for question in template.questions:
        if is_visible(question, effective):
            shown.append(question.id)
            if question.id in answers:
                effective[question.id] = answers[question.id]
    return shown
