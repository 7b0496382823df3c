from __future__ import annotations

import pytest

from eqvisit.domain.enums import FindingKind as K
from eqvisit.domain.numbering import next_reference, parse_reference
from eqvisit.errors import InvalidValue


def test_first_numbers_per_kind() -> None:
    assert next_reference(K.IMMEDIATE_MANDATORY_REQUIREMENT, []) == "IMR1"
    assert next_reference(K.MANDATORY_REQUIREMENT, []) == "MR1"
    assert next_reference(K.RECOMMENDATION, []) == "R1"
    assert next_reference(K.GOOD_PRACTICE, []) == "GP1"
    assert next_reference(K.AREA_FOR_IMPROVEMENT, []) == "AFI1"


def test_kinds_count_independently_and_gaps_are_never_filled() -> None:
    issued = ["MR1", "MR3", "IMR1", "R2"]
    assert next_reference(K.MANDATORY_REQUIREMENT, issued) == "MR4"
    assert next_reference(K.IMMEDIATE_MANDATORY_REQUIREMENT, issued) == "IMR2"
    assert next_reference(K.RECOMMENDATION, issued) == "R3"


def test_mr_is_not_confused_with_imr_or_r() -> None:
    assert next_reference(K.MANDATORY_REQUIREMENT, ["IMR7", "R9"]) == "MR1"


@pytest.mark.parametrize("bad", ["", "MR", "MR0", "mr1", "X1", "MR01", "IMR-1", "R1a"])
def test_malformed_references_are_refused(bad: str) -> None:
    with pytest.raises(InvalidValue, match="reference"):
        parse_reference(bad)


def test_parse() -> None:
    assert parse_reference("IMR12") == ("IMR", 12)
