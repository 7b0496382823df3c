"""Shared pydantic base and constrained field types of templates and frameworks."""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainValidator, StrictStr

_SLUG = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")
_STANDARD = re.compile(r"[1-9][0-9]?\.[1-9][0-9]?")


class FrozenModel(BaseModel):
    """Immutable, strict about unknown keys; strings are stripped of outer whitespace."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


def type_name(value: object) -> str:
    """How a value's type is named to template authors."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lowercase letters, digits, '_' and '-', "
            "starting with a letter (at most 64 characters)"
        )
    return value


def _token(value: str) -> str:
    if not _TOKEN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid option value: use letters, digits, '_', '.', '+' and '-', "
            "starting with a letter or digit (at most 64 characters)"
        )
    return value


def _standard(value: str) -> str:
    if not _STANDARD.fullmatch(value):
        raise ValueError(f"{value!r} is not a standard code like '1.1' (domain.number)")
    return value


def _text(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _standard_any(value: object) -> str:
    if isinstance(value, float):
        raise ValueError(
            f'standard codes must be quoted text such as "{value}" '
            "(unquoted, 1.10 would be read as the number 1.1)"
        )
    if not isinstance(value, str):
        raise ValueError(f'expected a standard code such as "1.1", got {type_name(value)}')
    return _standard(value.strip())


def _option_value(value: object) -> str | int:
    if isinstance(value, str):
        return _token(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"expected a text token or a whole number, got {type_name(value)}")


def _finite(value: int | float) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    return value


def _scalar(value: object) -> str | int | float:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _finite(value)
    raise ValueError(f"expected text or a number, got {type_name(value)}")


def _number(value: object) -> int | float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _finite(value)
    raise ValueError(f"expected a number, got {type_name(value)}")


#: A stable identifier: template, section, question and framework version ids.
Slug = Annotated[StrictStr, AfterValidator(_slug)]
#: Non-empty text (after stripping).
Text = Annotated[StrictStr, AfterValidator(_text)]
#: A standard code such as ``"1.1"``.
StandardCode = Annotated[str, PlainValidator(_standard_any)]
#: The stored value of an answer option: a short token, or a whole number (scale points).
OptionValue = Annotated[str | int, PlainValidator(_option_value)]
#: A value compared in a condition: text or a number.
ScalarValue = Annotated[str | int | float, PlainValidator(_scalar)]
#: A number bound (``min``/``max`` of a number question).
Number = Annotated[int | float, PlainValidator(_number)]
