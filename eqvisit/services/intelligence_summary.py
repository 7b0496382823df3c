"""Pure summaries of a provider's intelligence: current flags, CQC ratings, trends, action status.

Shared by the briefing pack and the provider profile. Functions of DTOs only: no store, no clock.

CQC items follow the import format: ``indicator`` is the key question (``Overall``, ``Safe``,
``Effective``, ``Caring``, ``Responsive``, ``Well-led``), ``text`` the rating (``Outstanding``,
``Good``, ``Requires improvement``, ``Inadequate``; ``dimensions["rating"]`` is read when ``text``
is empty) and ``period`` the date of the rating (ISO, so it sorts).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from eqvisit.domain.enums import ActionStatus, IntelligenceSource, NtsFlag
from eqvisit.services.briefing_dto import CqcRatingRow, FlagCount, TrendPoint, TrendSeries
from eqvisit.services.dto import IntelligenceRow

CQC_KEY_QUESTIONS = ("Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led")
FLAG_ORDER = tuple(NtsFlag)
ALERT_FLAGS = (NtsFlag.RED, NtsFlag.PINK)
TREND_SOURCES = (IntelligenceSource.NTS, IntelligenceSource.NETS, IntelligenceSource.ATTRITION)


def latest_period(items: Iterable[IntelligenceRow], source: IntelligenceSource) -> str | None:
    periods = [item.period for item in items if item.source is source]
    return max(periods) if periods else None


def current_flags(
    items: Sequence[IntelligenceRow],
) -> tuple[str | None, tuple[IntelligenceRow, ...], tuple[FlagCount, ...]]:
    """The latest NTS year, its red and pink results (red first) and the count of each flag."""
    period = latest_period(items, IntelligenceSource.NTS)
    latest = [i for i in items if i.source is IntelligenceSource.NTS and i.period == period]
    alerts = sorted(
        (i for i in latest if i.flag in ALERT_FLAGS),
        key=lambda i: (ALERT_FLAGS.index(i.flag) if i.flag else 0, i.indicator, i.id),
    )
    counts = Counter(i.flag for i in latest if i.flag is not None)
    return (
        period,
        tuple(alerts),
        tuple(FlagCount(flag, counts[flag]) for flag in FLAG_ORDER if counts[flag]),
    )


def cqc_ratings(items: Iterable[IntelligenceRow]) -> tuple[CqcRatingRow, ...]:
    """The latest rating of each CQC key question, in CQC's order (unknown questions last)."""
    latest: dict[str, IntelligenceRow] = {}
    for item in items:
        if item.source is not IntelligenceSource.CQC:
            continue
        seen = latest.get(item.indicator)
        if seen is None or item.period > seen.period:
            latest[item.indicator] = item
    ordered = sorted(
        latest.values(),
        key=lambda i: (
            CQC_KEY_QUESTIONS.index(i.indicator)
            if i.indicator in CQC_KEY_QUESTIONS
            else len(CQC_KEY_QUESTIONS),
            i.indicator,
        ),
    )
    return tuple(CqcRatingRow(i.indicator, _rating(i), i.period) for i in ordered)


def _rating(item: IntelligenceRow) -> str:
    if item.text:
        return item.text
    rating = item.dimensions.get("rating")
    return str(rating) if rating is not None else ""


def trends(items: Iterable[IntelligenceRow]) -> tuple[TrendSeries, ...]:
    """Per (source, indicator), one point per period: the n-weighted mean of its values."""
    grouped: dict[tuple[IntelligenceSource, str], dict[str, list[IntelligenceRow]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for item in items:
        if item.source in TREND_SOURCES:
            grouped[(item.source, item.indicator)][item.period].append(item)
    return tuple(
        TrendSeries(
            source,
            indicator,
            tuple(_point(period, results) for period, results in sorted(periods.items())),
        )
        for (source, indicator), periods in sorted(
            grouped.items(), key=lambda kv: (TREND_SOURCES.index(kv[0][0]), kv[0][1])
        )
    )


def _point(period: str, results: Sequence[IntelligenceRow]) -> TrendPoint:
    valued = [(r.value, max(r.n or 0, 0)) for r in results if r.value is not None]
    value: float | None = None
    if valued:
        total_weight = sum(weight for _, weight in valued)
        if total_weight:
            value = sum(v * weight for v, weight in valued) / total_weight
        else:
            value = sum(v for v, _ in valued) / len(valued)
        value = round(value, 2)
    return TrendPoint(
        period=period,
        value=value,
        n=sum(max(r.n or 0, 0) for r in results),
        results=len(results),
        red_flags=sum(1 for r in results if r.flag is NtsFlag.RED),
    )


def summarise_actions(statuses: Sequence[ActionStatus]) -> ActionStatus | None:
    """One status for an action plan: overdue if any is, closed when all are, else how far on."""
    if not statuses:
        return None
    if ActionStatus.OVERDUE in statuses:
        return ActionStatus.OVERDUE
    if all(s is ActionStatus.CLOSED for s in statuses):
        return ActionStatus.CLOSED
    if all(s is ActionStatus.NOT_STARTED for s in statuses):
        return ActionStatus.NOT_STARTED
    if all(s in (ActionStatus.EVIDENCE_SUBMITTED, ActionStatus.CLOSED) for s in statuses):
        return ActionStatus.EVIDENCE_SUBMITTED
    return ActionStatus.IN_PROGRESS
