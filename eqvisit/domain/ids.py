"""Record ids and timestamps: client-generated UUIDv7 strings and timezone-aware UTC times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import uuid6

Clock = Callable[[], datetime]


def new_id() -> str:
    """A new UUIDv7 as its canonical 36-character string (time-ordered, so inserts stay local)."""
    return str(uuid6.uuid7())


def utc_now() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)
