"""The server's hybrid clock: stamps for conflict records and admin writes, and the skew bound."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from eqvisit.domain.hlc import HybridClock, Stamp

MAX_SKEW_MS = 5 * 60 * 1000


class ServerClock:
    """Thread-safe HLC for one server process; ``(hlc, server device id)`` keeps stamps unique."""

    def __init__(self, wall_ms: Callable[[], int] | None = None) -> None:
        self._wall_ms = wall_ms or (lambda: time.time_ns() // 1_000_000)
        self._clock = HybridClock()
        self._lock = threading.Lock()

    def now(self) -> Stamp:
        with self._lock:
            return self._clock.now(self._wall_ms())

    def observe(self, text: str) -> None:
        """Move past a stamp that arrived with a change, so later server stamps sort after it."""
        with self._lock:
            self._clock.observe(Stamp.parse(text), self._wall_ms())

    def is_far_ahead(self, text: str) -> bool:
        return Stamp.parse(text).wall_ms > self._wall_ms() + MAX_SKEW_MS
