"""Translates pydantic validation errors into plain messages at document paths."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from eqvisit.templates.conditions import CONDITION_KEYS, TAG_PREFIX
from eqvisit.templates.fields import type_name
from eqvisit.templates.problems import Loc, Problem


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _clean_loc(loc: tuple[str | int, ...]) -> Loc:
    """Drop the union tags pydantic inserts for conditions (``condition:not`` before ``not``)."""
    cleaned: list[str | int] = []
    for index, part in enumerate(loc):
        if (
            isinstance(part, str)
            and part.startswith(TAG_PREFIX)
            and index + 1 < len(loc)
            and loc[index + 1] == part[len(TAG_PREFIX) :]
        ):
            continue
        cleaned.append(part)
    return tuple(cleaned)


def _condition_message(value: object) -> str:
    keys = ", ".join(CONDITION_KEYS)
    if isinstance(value, dict):
        if not value:
            return f"a condition needs exactly one of the keys {keys}; this one is empty"
        found = ", ".join(repr(k) if not str(k).isidentifier() else str(k) for k in value)
        if len(value) > 1:
            return (
                f"a condition has exactly one key ({keys}); found {found}; "
                "combine several with all: or any:"
            )
        return f"unknown condition {next(iter(value))!r}; use one of {keys}"
    return f"expected a condition (a mapping with one of the keys {keys}), got {type_name(value)}"


def _message(error: ErrorDetails, loc: Loc, known_keys: list[str]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        name = loc[-1] if loc else "value"
        return f"required field {name!r} is missing"
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        close = difflib.get_close_matches(name, known_keys, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        if value is None and not close:
            hint = "; text containing a comma inside {...} must be put in quotes"
        return f"unknown field {name!r}{hint}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "condition":
        return _condition_message(value)
    if kind == "string_type":
        return f"expected text, got {type_name(value)}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"expected a whole number, got {type_name(value)}"
    if kind == "bool_type":
        return f"expected true or false, got {type_name(value)}"
    if kind in {"tuple_type", "list_type"}:
        return f"expected a list, got {type_name(value)}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"expected a mapping (key: value lines), got {type_name(value)}"
    if kind == "enum":
        return f"{_short(value)} is not allowed; use one of {ctx.get('expected', '')}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}, got {_short(value)}"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return f"needs at least {least} item{'s' if least != 1 else ''}"
    return str(error["msg"])


def translate_validation_error(
    exc: ValidationError, known_keys: Iterable[str] = ()
) -> list[Problem]:
    """One :class:`Problem` per pydantic error, with plain messages and document paths.

    An unknown key is compared with ``known_keys`` to suggest what the author probably meant.
    """
    keys = sorted(set(known_keys) | set(CONDITION_KEYS))
    located = [(_clean_loc(error["loc"]), error) for error in exc.errors(include_url=False)]
    problems: list[Problem] = []
    seen: set[tuple[Loc, str]] = set()
    for loc, error in located:
        # "needs at least 1 item" is noise when the items themselves failed and were dropped.
        if error["type"] == "too_short" and any(
            other != loc and other[: len(loc)] == loc for other, _ in located
        ):
            continue
        message = _message(error, loc, keys)
        if (loc, message) not in seen:
            seen.add((loc, message))
            problems.append(Problem(loc, message))
    return problems
