"""The merge rule, one module for client and server (DESIGN §4).

It lives in ``domain`` rather than ``sync`` because the laptop applies pulled changes in
``storage``, which must not import ``sync``; the rule itself depends on nothing.

Per field, the write with the greatest ``(hlc, device_id)`` wins, whatever order writes arrive in,
so every replica converges. A write *saw* another when its base (the stamp of the value its author
edited on top of) is at or after that other write's stamp. When the winner did not see the loser
and their values differ, the losing value is a **conflict**: it is kept, never dropped silently.

This is stricter than "different author" in DESIGN §4: one person editing on two laptops offline
can lose an edit just as two people can, so any unseen, differing loser is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldWrite:
    """One write of one field: its value, its stamp, who made it, and what it was based on."""

    value: Any
    hlc: str
    device_id: str
    author_id: str | None
    base: str | None
    change_id: str

    @property
    def stamp(self) -> tuple[str, str]:
        return (self.hlc, self.device_id)

    def saw(self, other: FieldWrite) -> bool:
        """Whether this write was made on top of ``other``: its base is exactly that version.

        Every write reaches other laptops only through the central store, which sees each write
        once, so "the version the author edited on top of" is the whole story. Comparing the base
        by order instead (base ≥ other) would wrongly count a write its author never pulled as
        seen, whenever the author had edited the field twice themselves.
        """
        return self.base is not None and self.base == other.hlc


@dataclass(frozen=True)
class FieldOutcome:
    """The result of merging one write into a field's current state."""

    winner: FieldWrite
    conflict_loser: FieldWrite | None
    changed: bool


def merge_field(current: FieldWrite | None, incoming: FieldWrite) -> FieldOutcome:
    """Merge ``incoming`` into ``current``; pure, deterministic, idempotent."""
    if current is None:
        return FieldOutcome(incoming, None, True)
    if incoming.stamp == current.stamp:
        return FieldOutcome(current, None, False)
    if incoming.stamp > current.stamp:
        winner, loser, changed = incoming, current, True
    else:
        winner, loser, changed = current, incoming, False
    lost = not winner.saw(loser) and winner.value != loser.value
    return FieldOutcome(winner, loser if lost else None, changed)
