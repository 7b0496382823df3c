"""Small checks on values a person enters, raising :class:`InvalidValue` naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from eqvisit.errors import InvalidValue

MAX_ATTENDANCE = 1_000
MAX_GROUP_LABEL = 40


def check_date_range(
    start: date | datetime | None, end: date | datetime | None, field: str
) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidValue(
            field, f"ends ({end.isoformat()}) before it starts ({start.isoformat()})"
        )


def check_attendance(attendance: Mapping[str, object]) -> dict[str, int]:
    """Attendance is head counts by group label (``{"FY1": 6}``) — numbers, never names."""
    clean: dict[str, int] = {}
    for label, count in attendance.items():
        name = str(label).strip()
        if not name:
            raise InvalidValue(
                "attendance", "a group needs a label such as 'FY1' or 'Nursing students'"
            )
        if len(name) > MAX_GROUP_LABEL:
            raise InvalidValue(
                "attendance",
                f"group label '{name[:20]}…' is longer than {MAX_GROUP_LABEL} characters",
            )
        if (
            isinstance(count, bool)
            or not isinstance(count, int)
            or not 0 <= count <= MAX_ATTENDANCE
        ):
            raise InvalidValue(
                f"attendance[{name}]",
                f"must be a whole number from 0 to {MAX_ATTENDANCE}, not {count!r}",
            )
        clean[name] = count
    return clean


def check_text(value: str, field: str, *, max_length: int, required: bool = False) -> str:
    text = value.strip()
    if required and not text:
        raise InvalidValue(field, "is required")
    if len(text) > max_length:
        raise InvalidValue(field, f"is {len(text)} characters long; the limit is {max_length}")
    return text
