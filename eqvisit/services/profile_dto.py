"""The provider profile's frozen DTOs: details, intelligence by source, trends, history."""

from __future__ import annotations

from dataclasses import dataclass

from eqvisit.domain.enums import IntelligenceSource
from eqvisit.services.briefing_dto import CqcRatingRow, FlagCount, RequirementRow, TrendSeries
from eqvisit.services.dto import IntelligenceRow, ProviderDetail, VisitSummary


@dataclass(frozen=True)
class IntelligenceGroup:
    """The items of one source, latest period first."""

    source: IntelligenceSource
    items: tuple[IntelligenceRow, ...]


@dataclass(frozen=True)
class ProviderProfile:
    """What the provider profile shows; ``open_requirements`` are those not yet closed."""

    detail: ProviderDetail
    groups: tuple[IntelligenceGroup, ...]
    latest_nts_period: str | None
    nts_flags: tuple[IntelligenceRow, ...]
    flag_counts: tuple[FlagCount, ...]
    cqc_ratings: tuple[CqcRatingRow, ...]
    trends: tuple[TrendSeries, ...]
    open_requirements: tuple[RequirementRow, ...]
    visits: tuple[VisitSummary, ...]


@dataclass(frozen=True)
class ProviderFilterChoices:
    """The values the provider filters offer, from what this laptop holds."""

    regions: tuple[str, ...]
    icbs: tuple[str, ...]
