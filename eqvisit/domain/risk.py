"""Risk rating on the NHS 5×5 matrix: likelihood × consequence → score → band.

Only the raw likelihood and consequence are stored; the band is derived from configuration, so a
region that draws its bands differently changes one setting, not the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eqvisit.errors import InvalidValue

LIKELIHOOD_LABELS = ("rare", "unlikely", "possible", "likely", "almost certain")
CONSEQUENCE_LABELS = ("negligible", "minor", "moderate", "major", "catastrophic")


@dataclass(frozen=True)
class Band:
    """Scores from ``low`` to ``high`` inclusive carry this band's ``name``."""

    name: str
    low: int
    high: int


@dataclass(frozen=True)
class RiskBands:
    """An ordered set of bands that together cover every score from 1 to 25 exactly once."""

    bands: tuple[Band, ...]

    def __post_init__(self) -> None:
        covered: list[int] = []
        for band in self.bands:
            if band.low > band.high:
                raise InvalidValue(
                    "risk bands", f"band '{band.name}' runs from {band.low} down to {band.high}"
                )
            covered.extend(range(band.low, band.high + 1))
        possible = sorted({lik * con for lik in range(1, 6) for con in range(1, 6)})
        missing = [s for s in possible if s not in covered]
        if missing:
            raise InvalidValue("risk bands", f"no band covers the score(s) {missing}")
        overlaps = sorted({s for s in covered if covered.count(s) > 1})
        if overlaps:
            raise InvalidValue("risk bands", f"bands overlap on the score(s) {overlaps}")

    @classmethod
    def from_config(cls, config: Sequence[tuple[str, int, int]]) -> RiskBands:
        """Build from ``[(name, low, high), …]`` as written in settings."""
        return cls(tuple(Band(name, low, high) for name, low, high in config))

    def band_for(self, score: int) -> Band:
        for band in self.bands:
            if band.low <= score <= band.high:
                return band
        raise InvalidValue("risk score", f"{score} is outside 1–25")


DEFAULT_BANDS = RiskBands.from_config(
    [("low", 1, 3), ("moderate", 4, 6), ("high", 8, 12), ("extreme", 15, 25)]
)


@dataclass(frozen=True)
class RiskRating:
    """A likelihood and a consequence, each 1–5."""

    likelihood: int
    consequence: int

    def __post_init__(self) -> None:
        for name, value in (("likelihood", self.likelihood), ("consequence", self.consequence)):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                raise InvalidValue(name, f"must be a whole number from 1 to 5, not {value!r}")

    @property
    def score(self) -> int:
        return self.likelihood * self.consequence

    def band(self, bands: RiskBands = DEFAULT_BANDS) -> Band:
        return bands.band_for(self.score)
