"""The show_if evaluator: truth tables, nesting, list answers, and visibility over a template."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from eqvisit.errors import TemplateError
from eqvisit.templates.conditions import (
    AllCondition,
    AnsweredCondition,
    AnyCondition,
    Condition,
    EqualsCondition,
    EqualsTest,
    InCondition,
    InTest,
    NotCondition,
    condition_depth,
    evaluate,
    is_visible,
    referenced_questions,
    visible_question_ids,
)
from eqvisit.templates.schema import Question, Template

CONDITION = TypeAdapter(Condition)


def cond(data: object) -> Condition:
    return CONDITION.validate_python(data)


def eq(question: str, value: str | int | float) -> Condition:
    return cond({"equals": {"question": question, "value": value}})


ANSWERS_A = [None, "yes", "no"]
ANSWERS_B = [None, "x", ["x", "y"], ["y"], []]


@pytest.mark.parametrize(("a", "b"), list(itertools.product(ANSWERS_A, ANSWERS_B)))
def test_truth_table(a: object, b: object) -> None:
    answers = {} if a is None else {"a": a}
    if b is not None:
        answers["b"] = b
    a_yes = a == "yes"
    b_has_x = b == "x" or (isinstance(b, list) and "x" in b)
    b_answered = b not in (None, [])
    assert evaluate(eq("a", "yes"), answers) is a_yes
    assert evaluate(cond({"not": {"equals": {"question": "a", "value": "yes"}}}), answers) is (
        not a_yes
    )
    assert evaluate(eq("b", "x"), answers) is b_has_x
    assert evaluate(cond({"in": {"question": "b", "values": ["x", "z"]}}), answers) is b_has_x
    assert evaluate(cond({"answered": "b"}), answers) is b_answered
    assert evaluate(cond({"all": [eq("a", "yes"), eq("b", "x")]}), answers) is (a_yes and b_has_x)
    assert evaluate(cond({"any": [eq("a", "yes"), eq("b", "x")]}), answers) is (a_yes or b_has_x)


def test_nested_all_any_not() -> None:
    condition = cond(
        {
            "any": [
                {"all": [{"equals": {"question": "a", "value": "no"}}, {"answered": "c"}]},
                {"not": {"in": {"question": "b", "values": ["x", "y"]}}},
            ]
        }
    )
    assert evaluate(condition, {"a": "no", "b": "x", "c": "text"}) is True
    assert evaluate(condition, {"a": "no", "b": "x", "c": "  "}) is False
    assert evaluate(condition, {"a": "yes", "b": ["y"]}) is False
    assert evaluate(condition, {"a": "yes", "b": ["z"]}) is True
    assert evaluate(condition, {}) is True  # not(in) on an unanswered question holds


@pytest.mark.parametrize(
    ("answer", "value", "expected"),
    [
        (3, 3, True),
        (3, 3.0, True),
        (3, "3", False),
        ("3", 3, False),
        (True, 1, False),
        (0, 0, True),
        ([1, 2], 2, True),
        ((1, 2), 2, True),
        ({"x"}, "x", True),
        ({"nested": "x"}, "x", False),
    ],
)
def test_equality_is_type_aware(answer: object, value: object, expected: bool) -> None:
    test = EqualsCondition(equals=EqualsTest.model_validate({"question": "q", "value": value}))
    assert evaluate(test, {"q": answer}) is expected


def test_conditions_can_be_built_in_code_by_field_name() -> None:
    built = NotCondition(not_=InCondition(in_=InTest(question="a", values=("x",))))
    assert built == cond({"not": {"in": {"question": "a", "values": ["x"]}}})
    assert built.model_dump() == {"not": {"in": {"question": "a", "values": ("x",)}}}


def test_referenced_questions_and_depth() -> None:
    condition = cond(
        {"all": [{"answered": "b"}, {"not": {"any": [{"answered": "a"}, {"answered": "b"}]}}]}
    )
    assert referenced_questions(condition) == ["b", "a"]
    assert condition_depth(condition) == 4
    assert condition_depth(cond({"answered": "a"})) == 1


def test_evaluate_refuses_conditions_deeper_than_the_limit() -> None:
    condition: Condition = AnsweredCondition(answered="a")
    for _ in range(8):
        condition = NotCondition(not_=condition)
    with pytest.raises(TemplateError, match="nested at most 8 levels"):
        evaluate(condition, {"a": "x"})


def _template(*questions: dict[str, object]) -> Template:
    return Template.model_validate(
        {
            "id": "t",
            "version": 1,
            "title": "T",
            "audience": "learners",
            "framework": "eqf-2024",
            "sections": [{"id": "s", "title": "S", "questions": list(questions)}],
        }
    )


CHAIN = _template(
    {"id": "a", "type": "yes_no_unsure", "prompt": "A?"},
    {
        "id": "b",
        "type": "yes_no_unsure",
        "prompt": "B?",
        "show_if": {"equals": {"question": "a", "value": "no"}},
    },
    {
        "id": "c",
        "type": "text",
        "prompt": "C?",
        "show_if": {"equals": {"question": "b", "value": "no"}},
    },
    {"id": "d", "type": "text", "prompt": "D?"},
)


@pytest.mark.parametrize(
    ("answers", "visible"),
    [
        ({}, ["a", "d"]),
        ({"a": "no"}, ["a", "b", "d"]),
        ({"a": "no", "b": "no"}, ["a", "b", "c", "d"]),
        # b's stale answer must not reveal c once b is hidden again
        ({"a": "yes", "b": "no"}, ["a", "d"]),
    ],
)
def test_visible_question_ids_follow_chains(answers: dict[str, object], visible: list[str]) -> None:
    assert visible_question_ids(CHAIN, answers) == visible


def test_is_visible_looks_only_at_the_question_condition() -> None:
    question: Question = CHAIN.question("c")
    assert is_visible(CHAIN.question("a"), {}) is True
    assert is_visible(question, {"b": "no"}) is True
    assert is_visible(question, {"b": "yes"}) is False


LEAVES = st.sampled_from(["a", "b", "c"]).flatmap(
    lambda q: st.one_of(
        st.builds(lambda v: eq(q, v), st.sampled_from(["x", "y", 1])),
        st.builds(
            lambda vs: cond({"in": {"question": q, "values": vs}}),
            st.lists(st.sampled_from(["x", "y", 1]), min_size=1, max_size=3),
        ),
        st.just(cond({"answered": q})),
    )
)
CONDITIONS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.builds(lambda c: NotCondition(not_=c), inner),
        st.builds(lambda cs: AllCondition(all_=tuple(cs)), st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda cs: AnyCondition(any_=tuple(cs)), st.lists(inner, min_size=1, max_size=3)),
    ),
    max_leaves=8,
)
ANSWER = st.one_of(
    st.none(), st.sampled_from(["x", "y", "", 1]), st.lists(st.sampled_from(["x", "y", 1]))
)
ANSWERS = st.fixed_dictionaries({}, optional={"a": ANSWER, "b": ANSWER, "c": ANSWER})


@settings(max_examples=60, deadline=None)
@given(CONDITIONS, st.lists(CONDITIONS, min_size=1, max_size=3), ANSWERS)
def test_combinators_agree_with_python_logic(
    condition: Condition, several: list[Condition], answers: dict[str, object]
) -> None:
    if condition_depth(condition) >= 8:
        return
    value = evaluate(condition, answers)
    assert evaluate(NotCondition(not_=condition), answers) is (not value)
    shallow = [c for c in several if condition_depth(c) < 8]
    if shallow:
        results = [evaluate(c, answers) for c in shallow]
        assert evaluate(AllCondition(all_=tuple(shallow)), answers) is all(results)
        assert evaluate(AnyCondition(any_=tuple(shallow)), answers) is any(results)
    # Answers to questions the condition does not mention never change the result.
    unrelated = dict(answers, zz="x")
    assert evaluate(condition, unrelated) is value
