from __future__ import annotations

from itertools import pairwise

import pytest

from eqvisit.domain.enums import VisitStatus as S
from eqvisit.domain.lifecycle import TRANSITIONS, allowed_next, check_transition
from eqvisit.errors import IllegalTransition

MAIN_LINE = [
    S.PLANNED,
    S.BRIEFING,
    S.FIELDWORK,
    S.FINDINGS,
    S.REPORT_DRAFT,
    S.REPORT_FINAL,
    S.ACTION_PLAN_OPEN,
    S.CLOSED,
]


def test_the_main_line_is_allowed_step_by_step() -> None:
    for current, following in pairwise(MAIN_LINE):
        assert check_transition(current, following) is following
        assert allowed_next(current)[0] is following


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("requested", list(S))
def test_every_pair_is_allowed_exactly_when_the_table_says(current: S, requested: S) -> None:
    if requested in TRANSITIONS[current]:
        assert check_transition(current, requested) is requested
    else:
        with pytest.raises(IllegalTransition) as refused:
            check_transition(current, requested)
        assert refused.value.current == current.value
        assert refused.value.requested == requested.value


def test_a_refusal_says_what_is_allowed_instead() -> None:
    with pytest.raises(
        IllegalTransition, match=r"cannot move to 'report_final'.*allowed next: briefing"
    ):
        check_transition(S.PLANNED, S.REPORT_FINAL)


def test_nothing_leaves_closed_and_the_message_says_so() -> None:
    assert allowed_next(S.CLOSED) == ()
    with pytest.raises(IllegalTransition, match="none \\(the visit is closed\\)"):
        check_transition(S.CLOSED, S.PLANNED)


def test_a_signed_off_report_cannot_go_back_to_draft() -> None:
    with pytest.raises(IllegalTransition):
        check_transition(S.REPORT_FINAL, S.REPORT_DRAFT)


def test_every_status_is_reachable_from_planned_and_can_reach_closed() -> None:
    reachable = {S.PLANNED}
    frontier = [S.PLANNED]
    while frontier:
        for following in TRANSITIONS[frontier.pop()]:
            if following not in reachable:
                reachable.add(following)
                frontier.append(following)
    assert reachable == set(S)
    for status in S:
        seen, stack = {status}, [status]
        while stack:
            for following in TRANSITIONS[stack.pop()]:
                if following not in seen:
                    seen.add(following)
                    stack.append(following)
        assert S.CLOSED in seen
