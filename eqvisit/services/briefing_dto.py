"""The briefing pack's frozen DTOs: what a panel member reads the night before a visit.

The shape is a stable interface: the desktop view and the PDF renderer (``reports``) both read it.
Add fields at the end with defaults; never rename or remove one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from eqvisit.domain.enums import (
    ActionStatus,
    IntelligenceSource,
    NtsFlag,
    VisitStatus,
)
from eqvisit.services.dto import (
    ActionRow,
    FindingRow,
    IntelligenceRow,
    ProviderRow,
    VisitDetail,
)


@dataclass(frozen=True)
class FlagCount:
    """How many results of the latest survey year carry ``flag``."""

    flag: NtsFlag
    count: int


@dataclass(frozen=True)
class CqcRatingRow:
    """The latest CQC rating of one key question (Overall, Safe, Effective, Caring, …)."""

    key_question: str
    rating: str
    rated_on: str


@dataclass(frozen=True)
class TrendPoint:
    """One period of an indicator: the n-weighted mean value over every breakdown of it.

    ``value`` is ``None`` when no result of the period had a value; ``n`` is the total
    respondents; ``red_flags`` counts results flagged red that period.
    """

    period: str
    value: float | None
    n: int
    results: int
    red_flags: int


@dataclass(frozen=True)
class TrendSeries:
    """One indicator of one source across periods, oldest first."""

    source: IntelligenceSource
    indicator: str
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class RequirementRow:
    """A requirement (IMR or MR) found at an earlier visit, with its action plan's progress.

    ``action_status`` summarises the actions (see ``summarise_actions``); ``None`` when the
    requirement has no action yet.
    """

    visit_id: str
    visit_title: str
    visit_starts_on: date | None
    visit_status: VisitStatus
    finding: FindingRow
    actions: tuple[ActionRow, ...]
    action_status: ActionStatus | None


@dataclass(frozen=True)
class BriefingPack:
    """Everything the briefing pack shows for one visit.

    - ``visit``: the visit's facts (type, dates, reason, sites, panel, agenda).
    - ``triggers``: the intelligence items that triggered the visit.
    - ``latest_nts_period`` / ``nts_flags`` / ``flag_counts``: the provider's current NTS outlier
      flags: the red and pink results of the latest survey year (red first) and the count of
      every flag that year.
    - ``cqc_ratings``: the latest CQC rating per key question, Overall first.
    - ``concerns``: concerns raised about the provider, newest first.
    - ``trends``: per indicator, its value per period across the years.
    - ``earlier_requirements``: IMRs and MRs of the provider's other visits, newest visit first.
    """

    visit: VisitDetail
    provider: ProviderRow
    triggers: tuple[IntelligenceRow, ...]
    latest_nts_period: str | None
    nts_flags: tuple[IntelligenceRow, ...]
    flag_counts: tuple[FlagCount, ...]
    cqc_ratings: tuple[CqcRatingRow, ...]
    concerns: tuple[IntelligenceRow, ...]
    trends: tuple[TrendSeries, ...]
    earlier_requirements: tuple[RequirementRow, ...]
