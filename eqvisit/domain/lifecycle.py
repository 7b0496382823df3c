"""The visit lifecycle: which status may follow which (DESIGN §1).

The main line runs planned → briefing → fieldwork → findings → report draft → report final →
action plan open → closed. A few steps back are allowed where real visits need them (a draft
reopened for more findings; fieldwork resumed after a postponed day); nothing leaves ``closed``.
"""

from __future__ import annotations

from collections.abc import Mapping

from eqvisit.domain.enums import VisitStatus as S
from eqvisit.errors import IllegalTransition

TRANSITIONS: Mapping[S, tuple[S, ...]] = {
    S.PLANNED: (S.BRIEFING, S.FIELDWORK, S.CLOSED),
    S.BRIEFING: (S.FIELDWORK, S.PLANNED, S.CLOSED),
    S.FIELDWORK: (S.FINDINGS, S.BRIEFING),
    S.FINDINGS: (S.REPORT_DRAFT, S.FIELDWORK),
    S.REPORT_DRAFT: (S.REPORT_FINAL, S.FINDINGS),
    S.REPORT_FINAL: (S.ACTION_PLAN_OPEN, S.CLOSED),
    S.ACTION_PLAN_OPEN: (S.CLOSED,),
    S.CLOSED: (),
}


def allowed_next(current: S) -> tuple[S, ...]:
    """The statuses a visit in ``current`` may move to, main line first."""
    return TRANSITIONS[current]


def check_transition(current: S, requested: S) -> S:
    """Return ``requested`` if the move is allowed, else raise :class:`IllegalTransition`."""
    allowed = TRANSITIONS[current]
    if requested not in allowed:
        raise IllegalTransition(current.value, requested.value, tuple(s.value for s in allowed))
    return requested
