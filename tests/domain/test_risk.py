from __future__ import annotations

import pytest

from eqvisit.domain.risk import DEFAULT_BANDS, RiskBands, RiskRating
from eqvisit.errors import InvalidValue


@pytest.mark.parametrize(
    ("likelihood", "consequence", "score", "band"),
    [
        (1, 1, 1, "low"),
        (1, 3, 3, "low"),
        (2, 2, 4, "moderate"),
        (2, 3, 6, "moderate"),
        (2, 4, 8, "high"),
        (3, 4, 12, "high"),
        (3, 5, 15, "extreme"),
        (4, 4, 16, "extreme"),
        (5, 5, 25, "extreme"),
    ],
)
def test_default_bands(likelihood: int, consequence: int, score: int, band: str) -> None:
    rating = RiskRating(likelihood, consequence)
    assert rating.score == score
    assert rating.band().name == band


def test_every_cell_of_the_matrix_has_exactly_one_default_band() -> None:
    names = {
        RiskRating(lik, con).band(DEFAULT_BANDS).name for lik in range(1, 6) for con in range(1, 6)
    }
    assert names == {"low", "moderate", "high", "extreme"}


@pytest.mark.parametrize("value", [0, 6, -1, 2.5, "3", True, None])
def test_likelihood_and_consequence_must_be_1_to_5(value: object) -> None:
    with pytest.raises(InvalidValue, match="likelihood"):
        RiskRating(value, 3)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="consequence"):
        RiskRating(3, value)  # type: ignore[arg-type]


def test_configured_bands_change_the_band_not_the_score() -> None:
    strict = RiskBands.from_config(
        [("acceptable", 1, 4), ("tolerable", 5, 9), ("intolerable", 10, 25)]
    )
    rating = RiskRating(2, 5)
    assert rating.score == 10
    assert rating.band(strict).name == "intolerable"
    assert rating.band().name == "high"


def test_bands_with_a_gap_are_refused() -> None:
    with pytest.raises(InvalidValue, match=r"no band covers the score\(s\) \[4, 5, 6\]"):
        RiskBands.from_config([("low", 1, 3), ("high", 8, 25)])


def test_overlapping_bands_are_refused() -> None:
    with pytest.raises(InvalidValue, match="overlap"):
        RiskBands.from_config([("low", 1, 5), ("high", 4, 25)])


def test_reversed_band_is_refused() -> None:
    with pytest.raises(InvalidValue, match="runs from 25 down to 1"):
        RiskBands.from_config([("all", 25, 1)])
