"""Hybrid logical clock stamps (DESIGN §4).

A stamp is a physical time in milliseconds plus a counter that breaks ties and absorbs clock
skew. Stamps are written as fixed-width strings (``"0001732312345678-00000"``) so that their text
order is their causal order in Python, SQLite and PostgreSQL alike. Ties between devices are
broken by the device id (the merge rule's ``(HLC, device id)``), not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from eqvisit.errors import InvalidValue

_STAMP = re.compile(r"^(\d{16})-(\d{5})$")
MAX_COUNTER = 99_999


@dataclass(frozen=True, order=True)
class Stamp:
    """One HLC reading; ordering compares wall time, then counter."""

    wall_ms: int
    counter: int

    def __str__(self) -> str:
        return f"{self.wall_ms:016d}-{self.counter:05d}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        match = _STAMP.match(text)
        if match is None:
            raise InvalidValue("hlc", f"'{text}' is not a clock stamp")
        return cls(int(match.group(1)), int(match.group(2)))

    def as_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.wall_ms / 1000, UTC)


ZERO = Stamp(0, 0)


class HybridClock:
    """Issues monotonic stamps from a wall clock, and folds in stamps seen from other devices.

    Not thread-safe: each process owns one clock, used from the worker that writes changes.
    """

    def __init__(self, last: Stamp = ZERO) -> None:
        self._last = last

    @property
    def last(self) -> Stamp:
        return self._last

    def now(self, wall_ms: int) -> Stamp:
        """A stamp greater than every stamp issued or observed so far."""
        stamp = Stamp(wall_ms, 0) if wall_ms > self._last.wall_ms else self._bump(self._last)
        self._last = stamp
        return stamp

    def observe(self, remote: Stamp, wall_ms: int) -> Stamp:
        """Advance past a stamp received from elsewhere (the server's time, or a pulled change)."""
        newest = max(self._last, remote)
        stamp = Stamp(wall_ms, 0) if wall_ms > newest.wall_ms else self._bump(newest)
        self._last = stamp
        return stamp

    @staticmethod
    def _bump(stamp: Stamp) -> Stamp:
        if stamp.counter >= MAX_COUNTER:
            return Stamp(stamp.wall_ms + 1, 0)
        return Stamp(stamp.wall_ms, stamp.counter + 1)
