"""The one-line ``show_if`` syntax of workbooks: tokenizer, recursive-descent parser, printer.

Grammar (keywords are case-insensitive; ``and`` binds tighter than ``or``)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | primary
    primary    := "(" expr ")" | "answered" "(" ref ")" | ref test
    test       := "=" literal | "!=" literal | ["not"] "in" "(" literal ("," literal)* ")"
    ref        := "${" question_id "}"
    literal    := 'text' | "text" | number          (a quote inside text is doubled: 'it''s')

The parser builds the same plain mappings a YAML template holds; nothing is evaluated.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from eqvisit.templates.conditions import (
    AllCondition,
    AnsweredCondition,
    AnyCondition,
    Condition,
    EqualsCondition,
    InCondition,
    NotCondition,
)
from eqvisit.templates.limits import MAX_CONDITION_DEPTH, MAX_CONDITION_TEXT

#: Plain condition data, as in YAML: ``{"equals": {"question": "q1", "value": "no"}}``.
ConditionData = dict[str, object]

_KEYWORDS = frozenset({"and", "or", "not", "in", "answered"})
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_NESTING = 3 * MAX_CONDITION_DEPTH


class ConditionSyntaxError(ValueError):
    """The text is not a valid condition; ``position`` is the 1-based character where it fails."""

    def __init__(self, message: str, position: int) -> None:
        self.position = position
        self.message = message
        super().__init__(f"{message} (at character {position})")


@dataclass(frozen=True)
class _Token:
    kind: str  # ref, string, number, op, lparen, rparen, comma, keyword, end
    text: str
    value: object
    position: int  # 1-based


def _string(text: str, start: int) -> tuple[str, int]:
    """The text of a quoted literal starting at ``start`` and the index after it."""
    quote = text[start]
    pieces: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == quote:
            if index + 1 < len(text) and text[index + 1] == quote:
                pieces.append(quote)
                index += 2
                continue
            return "".join(pieces), index + 1
        pieces.append(char)
        index += 1
    raise ConditionSyntaxError(f"text starting with {quote} is not closed", start + 1)


def tokenize(text: str) -> list[_Token]:
    """Split ``text`` into tokens, ending with an ``end`` token."""
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        position = index + 1
        if char.isspace():
            index += 1
        elif text.startswith("${", index):
            close = text.find("}", index + 2)
            if close < 0:
                raise ConditionSyntaxError("'${' without a closing '}'", position)
            name = text[index + 2 : close].strip()
            if not name:
                raise ConditionSyntaxError("empty question reference '${}'", position)
            tokens.append(_Token("ref", text[index : close + 1], name, position))
            index = close + 1
        elif char in "'\"":
            content, index = _string(text, index)
            tokens.append(_Token("string", text[position - 1 : index], content, position))
        elif char == "!" and text.startswith("!=", index):
            tokens.append(_Token("op", "!=", "!=", position))
            index += 2
        elif char == "=":
            length = 2 if text.startswith("==", index) else 1
            tokens.append(_Token("op", "=", "=", position))
            index += length
        elif char in "(),":
            kind = {"(": "lparen", ")": "rparen", ",": "comma"}[char]
            tokens.append(_Token(kind, char, char, position))
            index += 1
        elif (number := _NUMBER.match(text, index)) is not None:
            literal = number.group()
            parsed = float(literal) if any(c in literal for c in ".eE") else int(literal)
            tokens.append(_Token("number", literal, parsed, position))
            index = number.end()
        elif (word := _WORD.match(text, index)) is not None:
            lowered = word.group().lower()
            if lowered not in _KEYWORDS:
                raise ConditionSyntaxError(
                    f"unexpected word {word.group()!r}; write a question as ${{id}} and text in "
                    "quotes",
                    position,
                )
            tokens.append(_Token("keyword", word.group(), lowered, position))
            index = word.end()
        else:
            raise ConditionSyntaxError(f"unexpected character {char!r}", position)
    tokens.append(_Token("end", "", None, len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.nesting = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def _advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def _is_keyword(self, word: str) -> bool:
        return self.current.kind == "keyword" and self.current.value == word

    def _expect(self, kind: str, what: str) -> _Token:
        token = self.current
        if token.kind != kind:
            found = "the end" if token.kind == "end" else repr(token.text)
            raise ConditionSyntaxError(f"expected {what}, found {found}", token.position)
        return self._advance()

    def _enter(self) -> None:
        self.nesting += 1
        if self.nesting > _MAX_NESTING:
            raise ConditionSyntaxError("the condition is nested too deeply", self.current.position)

    def parse(self) -> ConditionData:
        result = self._expr()
        if self.current.kind != "end":
            raise ConditionSyntaxError(
                f"unexpected {self.current.text!r}; join conditions with 'and' or 'or'",
                self.current.position,
            )
        return result

    def _expr(self) -> ConditionData:
        items = [self._and_expr()]
        while self._is_keyword("or"):
            self._advance()
            items.append(self._and_expr())
        return items[0] if len(items) == 1 else {"any": items}

    def _and_expr(self) -> ConditionData:
        items = [self._unary()]
        while self._is_keyword("and"):
            self._advance()
            items.append(self._unary())
        return items[0] if len(items) == 1 else {"all": items}

    def _unary(self) -> ConditionData:
        if self._is_keyword("not"):
            self._advance()
            self._enter()
            inner = self._unary()
            self.nesting -= 1
            return {"not": inner}
        return self._primary()

    def _primary(self) -> ConditionData:
        token = self.current
        if token.kind == "lparen":
            self._advance()
            self._enter()
            inner = self._expr()
            self.nesting -= 1
            self._expect("rparen", "')'")
            return inner
        if token.kind == "keyword" and token.value == "answered":
            self._advance()
            self._expect("lparen", "'(' after answered")
            ref = self._expect("ref", "a question reference like ${q1}")
            self._expect("rparen", "')'")
            return {"answered": ref.value}
        if token.kind == "ref":
            self._advance()
            return self._test(str(token.value))
        found = "the end" if token.kind == "end" else repr(token.text)
        raise ConditionSyntaxError(
            f"expected a question reference like ${{q1}}, '(' or 'not', found {found}",
            token.position,
        )

    def _literal(self) -> object:
        token = self.current
        if token.kind not in {"string", "number"}:
            found = "the end" if token.kind == "end" else repr(token.text)
            raise ConditionSyntaxError(
                f"expected a value in quotes like 'yes' or a number, found {found}",
                token.position,
            )
        self._advance()
        return token.value

    def _test(self, question: str) -> ConditionData:
        token = self.current
        if token.kind == "op":
            self._advance()
            test: ConditionData = {"equals": {"question": question, "value": self._literal()}}
            return {"not": test} if token.value == "!=" else test
        negate = False
        if self._is_keyword("not"):
            self._advance()
            negate = True
            if not self._is_keyword("in"):
                raise ConditionSyntaxError("expected 'in' after 'not'", self.current.position)
        if self._is_keyword("in"):
            self._advance()
            self._expect("lparen", "'(' after in")
            values = [self._literal()]
            while self.current.kind == "comma":
                self._advance()
                values.append(self._literal())
            self._expect("rparen", "')' or ','")
            test = {"in": {"question": question, "values": values}}
            return {"not": test} if negate else test
        found = "the end" if token.kind == "end" else repr(token.text)
        raise ConditionSyntaxError(
            f"expected '=', '!=' or 'in' after ${{{question}}}, found {found}", token.position
        )


def parse_condition_text(text: str) -> ConditionData:
    """Parse the workbook syntax into plain condition data (validate it as a ``Condition``)."""
    if len(text) > MAX_CONDITION_TEXT:
        raise ConditionSyntaxError(
            f"the condition is longer than {MAX_CONDITION_TEXT} characters", MAX_CONDITION_TEXT
        )
    if not text.strip():
        raise ConditionSyntaxError("the condition is empty", 1)
    return _Parser(tokenize(text)).parse()


def literal_text(value: object) -> str:
    """A value as a literal of the syntax: quoted text, or a number."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"cannot write {value!r} as a condition value")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"cannot write {value!r} as a condition value")
    return repr(value)


def _grouped(condition: Condition) -> str:
    text = condition_to_text(condition)
    return f"({text})" if isinstance(condition, AllCondition | AnyCondition) else text


def condition_to_text(condition: Condition) -> str:
    """Write ``condition`` in the workbook syntax; parsing the result gives the same condition.

    (An ``all``/``any`` holding a single condition is written as that condition.)
    """
    if isinstance(condition, EqualsCondition):
        test = condition.equals
        return f"${{{test.question}}} = {literal_text(test.value)}"
    if isinstance(condition, InCondition):
        values = ", ".join(literal_text(v) for v in condition.in_.values)
        return f"${{{condition.in_.question}}} in ({values})"
    if isinstance(condition, AnsweredCondition):
        return f"answered(${{{condition.answered}}})"
    if isinstance(condition, NotCondition):
        inner = condition.not_
        if isinstance(inner, EqualsCondition):
            return f"${{{inner.equals.question}}} != {literal_text(inner.equals.value)}"
        if isinstance(inner, InCondition):
            values = ", ".join(literal_text(v) for v in inner.in_.values)
            return f"${{{inner.in_.question}}} not in ({values})"
        return f"not({condition_to_text(inner)})"
    joiner = " and " if isinstance(condition, AllCondition) else " or "
    items = condition.all_ if isinstance(condition, AllCondition) else condition.any_
    return joiner.join(_grouped(item) for item in items)
