from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eqvisit.domain.hlc import MAX_COUNTER, HybridClock, Stamp
from eqvisit.errors import InvalidValue

stamps = st.builds(Stamp, st.integers(0, 10**15), st.integers(0, MAX_COUNTER))


@given(stamps, stamps)
def test_text_order_is_stamp_order(a: Stamp, b: Stamp) -> None:
    assert (str(a) < str(b)) == (a < b)
    assert Stamp.parse(str(a)) == a


@given(st.lists(st.integers(0, 10**13), min_size=1, max_size=50))
def test_stamps_strictly_increase_even_when_the_wall_clock_goes_back(walls: list[int]) -> None:
    clock = HybridClock()
    issued = [clock.now(w) for w in walls]
    assert all(a < b for a, b in pairwise(issued))


def test_observing_a_remote_stamp_moves_past_it() -> None:
    clock = HybridClock()
    clock.now(1_000)
    remote = Stamp(5_000, 7)
    after = clock.observe(remote, 2_000)
    assert after > remote
    assert clock.now(2_000) > after


def test_counter_overflow_rolls_into_the_next_millisecond() -> None:
    clock = HybridClock(Stamp(10, MAX_COUNTER))
    assert clock.now(10) == Stamp(11, 0)


@pytest.mark.parametrize("bad", ["", "12-3", "x" * 22, "0000000000000001-0000a"])
def test_malformed_stamps_are_refused(bad: str) -> None:
    with pytest.raises(InvalidValue):
        Stamp.parse(bad)
