"""Record ids and timestamps: client-generated UUIDv7 strings and timezone-aware UTC times."""

from __future__ import annotations

import uuid
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


_NATURAL_NAMESPACE = uuid.UUID("0c4a4b0e-5f3e-4d8a-9a57-6f1f3e2b7d10")


def natural_id(record_type: str, *key: str) -> str:
    """The id of a record identified by a natural key (a response is session × author × question).

    Derived from the key, so two laptops that create "the same" record offline create the same
    record, whose fields then merge like any other, instead of two rows that cannot coexist.
    """
    return str(uuid.uuid5(_NATURAL_NAMESPACE, "/".join((record_type, *key))))
