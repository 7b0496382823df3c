"""The workbook show_if syntax: parsing, errors with positions, and printing back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from eqvisit.templates.condition_text import (
    ConditionSyntaxError,
    condition_to_text,
    parse_condition_text,
    tokenize,
)
from eqvisit.templates.conditions import (
    AllCondition,
    AnyCondition,
    Condition,
    NotCondition,
    condition_depth,
)

CONDITION = TypeAdapter(Condition)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${q1} = 'yes'", {"equals": {"question": "q1", "value": "yes"}}),
        ('${q1} == "no"', {"equals": {"question": "q1", "value": "no"}}),
        ("${n} = 3", {"equals": {"question": "n", "value": 3}}),
        ("${n} = -2.5", {"equals": {"question": "n", "value": -2.5}}),
        ("${q1} != 'yes'", {"not": {"equals": {"question": "q1", "value": "yes"}}}),
        ("${q2} in ('a', 'b')", {"in": {"question": "q2", "values": ["a", "b"]}}),
        ("${q2} NOT IN ('a')", {"not": {"in": {"question": "q2", "values": ["a"]}}}),
        ("answered(${q3})", {"answered": "q3"}),
        ("${q} = 'it''s'", {"equals": {"question": "q", "value": "it's"}}),
        (
            "${a} = 'x' and ${b} = 'y' or ${c} = 'z'",
            {
                "any": [
                    {
                        "all": [
                            {"equals": {"question": "a", "value": "x"}},
                            {"equals": {"question": "b", "value": "y"}},
                        ]
                    },
                    {"equals": {"question": "c", "value": "z"}},
                ]
            },
        ),
        (
            "not(${a} = 'x' or answered(${b})) and ${c} in (1, 2)",
            {
                "all": [
                    {
                        "not": {
                            "any": [
                                {"equals": {"question": "a", "value": "x"}},
                                {"answered": "b"},
                            ]
                        }
                    },
                    {"in": {"question": "c", "values": [1, 2]}},
                ]
            },
        ),
        (
            "(${a} = 'x' and ${b} = 'y') and ${c} = 'z'",
            {
                "all": [
                    {
                        "all": [
                            {"equals": {"question": "a", "value": "x"}},
                            {"equals": {"question": "b", "value": "y"}},
                        ]
                    },
                    {"equals": {"question": "c", "value": "z"}},
                ]
            },
        ),
    ],
)
def test_parse(text: str, expected: dict[str, object]) -> None:
    assert parse_condition_text(text) == expected


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("", 1, "the condition is empty"),
        ("${q1} = yes", 9, "unexpected word 'yes'"),
        ("${q1 = 'yes'", 1, "'${' without a closing '}'"),
        ("${} = 'x'", 1, "empty question reference"),
        ("${q1} = 'yes", 9, "text starting with ' is not closed"),
        ("${q1} > 3", 7, "unexpected character '>'"),
        ("${q1} 'yes'", 7, "expected '=', '!=' or 'in' after ${q1}"),
        ("${q1} = 'a' ${q2} = 'b'", 13, "join conditions with 'and' or 'or'"),
        ("${q1} in ()", 11, "expected a value in quotes"),
        ("${q1} in ('a' 'b')", 15, "expected ')' or ','"),
        ("(${q1} = 'a'", 13, "expected ')', found the end"),
        ("not", 4, "expected a question reference"),
        ("${q1} not = 'a'", 11, "expected 'in' after 'not'"),
        ("answered ${q1}", 10, "expected '(' after answered"),
        ("${a} = 'x' and", 15, "found the end"),
        ("eval('1')", 1, "unexpected word 'eval'"),
        ("__import__('os')", 1, "unexpected word '__import__'"),
        ("(" * 100 + "${a} = 'x'" + ")" * 100, 26, "nested too deeply"),
        ("${a} = 'x' or " * 200 + "${a} = 'x'", 2000, "longer than 2000 characters"),
    ],
)
def test_syntax_errors_give_position(text: str, position: int, message: str) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition_text(text)
    assert message in caught.value.message
    assert caught.value.position == position
    assert str(caught.value).endswith(f"(at character {position})")


def test_tokenizer_positions_are_one_based() -> None:
    tokens = tokenize("  ${q} = 'a'")
    assert [(t.kind, t.position) for t in tokens] == [
        ("ref", 3),
        ("op", 8),
        ("string", 10),
        ("end", 13),
    ]


QUESTIONS = st.sampled_from(["q1", "q2", "grade", "a-b"])
VALUES = st.one_of(
    st.text(min_size=1, max_size=8).map(str.strip).filter(bool),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
LEAVES = st.one_of(
    st.builds(lambda q, v: {"equals": {"question": q, "value": v}}, QUESTIONS, VALUES),
    st.builds(
        lambda q, vs: {"in": {"question": q, "values": vs}},
        QUESTIONS,
        st.lists(VALUES, min_size=1, max_size=3),
    ),
    st.builds(lambda q: {"answered": q}, QUESTIONS),
)
CONDITIONS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.builds(lambda c: {"not": c}, inner),
        st.builds(lambda cs: {"all": cs}, st.lists(inner, min_size=2, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(inner, min_size=2, max_size=3)),
    ),
    max_leaves=8,
).map(CONDITION.validate_python)


def _has_single_item_group(condition: Condition) -> bool:
    if isinstance(condition, AllCondition | AnyCondition):
        items = condition.all_ if isinstance(condition, AllCondition) else condition.any_
        return len(items) < 2 or any(_has_single_item_group(c) for c in items)
    if isinstance(condition, NotCondition):
        return _has_single_item_group(condition.not_)
    return False


@settings(max_examples=60, deadline=None)
@given(CONDITIONS)
def test_printing_then_parsing_gives_the_same_condition(condition: Condition) -> None:
    if condition_depth(condition) > 8 or _has_single_item_group(condition):
        return
    text = condition_to_text(condition)
    assert CONDITION.validate_python(parse_condition_text(text)) == condition


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="${}()'\",=! aqnotdrisweb0123.-", max_size=60))
def test_arbitrary_text_parses_or_raises_syntax_error(text: str) -> None:
    failure: ConditionSyntaxError | None = None
    try:
        result = parse_condition_text(text)
    except ConditionSyntaxError as exc:
        failure = exc
    if failure is not None:
        assert 1 <= failure.position <= len(text) + 1
    else:
        assert isinstance(result, dict)
        assert len(result) == 1
