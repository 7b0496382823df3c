"""The merge rule as properties: order-independent, idempotent, never drops an unseen edit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from eqvisit.domain.merge import FieldWrite, merge_field

DEVICES = ("dev-a", "dev-b", "dev-c")


@st.composite
def writes(draw: st.DrawFn) -> list[FieldWrite]:
    """Writes to one field from several devices, each based on a stamp seen earlier (or none)."""
    count = draw(st.integers(1, 8))
    made: list[FieldWrite] = []
    for index in range(count):
        hlc = f"{draw(st.integers(1, 50)):016d}-{index:05d}"
        seen = [w.hlc for w in made if w.hlc < hlc]
        base = draw(st.one_of(st.none(), st.sampled_from(seen))) if seen else None
        made.append(
            FieldWrite(
                value=draw(st.sampled_from(["a", "b", "c", "d"])),
                hlc=hlc,
                device_id=draw(st.sampled_from(DEVICES)),
                author_id=draw(st.sampled_from(["u1", "u2"])),
                base=base,
                change_id=f"c{index}",
            )
        )
    return made


def replay(sequence: list[FieldWrite]) -> tuple[FieldWrite | None, set[str]]:
    current: FieldWrite | None = None
    losers: set[str] = set()
    for write in sequence:
        outcome = merge_field(current, write)
        current = outcome.winner
        if outcome.conflict_loser is not None:
            losers.add(outcome.conflict_loser.change_id)
    return current, losers


@given(writes(), st.randoms(use_true_random=False))
def test_any_delivery_order_gives_the_same_winner(made: list[FieldWrite], rng) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(made)
    rng.shuffle(shuffled)
    assert replay(made)[0] == replay(shuffled)[0] == max(made, key=lambda w: w.stamp)


@given(writes(), st.randoms(use_true_random=False))
def test_duplicated_delivery_gives_the_same_winner(made: list[FieldWrite], rng) -> None:  # type: ignore[no-untyped-def]
    doubled = made + made
    rng.shuffle(doubled)
    assert replay(doubled)[0] == replay(made)[0]


@given(writes())
def test_merging_a_write_into_itself_is_a_no_op(made: list[FieldWrite]) -> None:
    for write in made:
        outcome = merge_field(write, write)
        assert (outcome.winner, outcome.conflict_loser, outcome.changed) == (write, None, False)


@given(writes(), st.randoms(use_true_random=False))
def test_every_edit_is_the_value_or_kept_or_knowingly_overwritten(
    made: list[FieldWrite], rng
) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(made)
    rng.shuffle(shuffled)
    winner, losers = replay(shuffled)
    assert winner is not None
    surviving_values = {winner.value} | {w.value for w in made if w.change_id in losers}
    for write in made:
        # Two writes of the same value are one value (losing to an equal value is no conflict),
        # so a value is accounted for when any write of it was overwritten by someone who saw it.
        overwritten_knowingly = any(
            other.stamp > same.stamp and other.saw(same)
            for same in made
            if same.value == write.value
            for other in made
        )
        assert write.value in surviving_values or overwritten_knowingly


def test_a_later_edit_made_on_top_of_the_current_value_is_not_a_conflict() -> None:
    first = FieldWrite("draft", "0000000000000001-00000", "dev-a", "u1", None, "c1")
    second = FieldWrite("final", "0000000000000002-00000", "dev-b", "u2", first.hlc, "c2")
    outcome = merge_field(first, second)
    assert (outcome.winner, outcome.conflict_loser, outcome.changed) == (second, None, True)


def test_concurrent_edits_keep_the_loser() -> None:
    first = FieldWrite("mine", "0000000000000002-00000", "dev-a", "u1", None, "c1")
    second = FieldWrite("yours", "0000000000000001-00000", "dev-b", "u2", None, "c2")
    outcome = merge_field(first, second)
    assert (outcome.winner, outcome.conflict_loser, outcome.changed) == (first, second, False)


def test_ties_on_hlc_are_broken_by_device_id() -> None:
    a = FieldWrite("a", "0000000000000001-00000", "dev-a", "u1", None, "c1")
    b = FieldWrite("b", "0000000000000001-00000", "dev-b", "u2", None, "c2")
    assert merge_field(a, b).winner == b
    assert merge_field(b, a).winner == b
