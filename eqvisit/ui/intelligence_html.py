"""HTML fragments shared by the provider profile and the briefing pack (flags, CQC, requirements).

Every value is escaped; colours come from ``theme`` and every badge also says its flag in words,
so colour is never the only signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from eqvisit.domain.enums import NtsFlag
from eqvisit.ui.text import label, source_label
from eqvisit.ui.theme import CQC_COLOURS, FLAG_COLOURS

if TYPE_CHECKING:
    from eqvisit.services.briefing_dto import CqcRatingRow, FlagCount, RequirementRow
    from eqvisit.services.dto import IntelligenceRow, VisitSummary
    from eqvisit.services.profile_dto import IntelligenceGroup

MAX_ROWS_PER_SOURCE = 60


def badge(text: str, colours: tuple[str, str]) -> str:
    background, foreground = colours
    return (
        f'<span style="background-color:{background}; color:{foreground};">'
        f"&nbsp;{escape(text)}&nbsp;</span>"
    )


def flag_badge(flag: NtsFlag | None) -> str:
    if flag is None:
        return ""
    return badge(label(flag), FLAG_COLOURS[flag])


def describe_item(item: IntelligenceRow) -> str:
    breakdown = " · ".join(
        str(v) for k, v in sorted(item.dimensions.items()) if k != "synthetic" and v
    )
    value = f"{item.value:.1f}" if item.value is not None else ""
    parts = [escape(item.indicator)]
    if breakdown:
        parts.append(escape(breakdown))
    if value:
        parts.append(f"value {value}" + (f" (n={item.n})" if item.n is not None else ""))
    return " — ".join(parts)


def flags_section(
    period: str | None, alerts: Sequence[IntelligenceRow], counts: Sequence[FlagCount]
) -> str:
    if period is None:
        return "<p>No National Training Survey results for this provider yet.</p>"
    summary = " ".join(f"{flag_badge(c.flag)}&nbsp;{c.count}" for c in counts)
    rows = "".join(
        f"<tr><td>{flag_badge(i.flag)}</td><td>{describe_item(i)}</td></tr>" for i in alerts
    )
    table = (
        f"<table cellspacing='0' cellpadding='3'>{rows}</table>"
        if rows
        else "<p>No red or pink outliers in the latest year.</p>"
    )
    return f"<p><b>NTS {escape(period)}</b>: {summary}</p>{table}"


def cqc_section(ratings: Sequence[CqcRatingRow]) -> str:
    if not ratings:
        return "<p>No CQC ratings held for this provider.</p>"
    rows = "".join(
        f"<tr><td>{escape(r.key_question)}</td>"
        f"<td>{badge(r.rating, CQC_COLOURS.get(r.rating.lower(), ('#f0f4f5', '#000000')))}</td>"
        f"<td>{escape(r.rated_on)}</td></tr>"
        for r in ratings
    )
    return f"<table cellspacing='0' cellpadding='3'>{rows}</table>"


def requirements_section(requirements: Sequence[RequirementRow], empty: str) -> str:
    if not requirements:
        return f"<p>{escape(empty)}</p>"
    rows = "".join(
        "<tr>"
        f"<td>{escape(r.finding.reference or label(r.finding.kind))}</td>"
        f"<td>{escape(r.finding.text)}</td>"
        f"<td>{escape(label(r.finding.status))}</td>"
        f"<td>{escape(label(r.action_status) if r.action_status else 'No actions yet')}</td>"
        f"<td>{escape(r.visit_title)}"
        f"{' (' + r.visit_starts_on.isoformat() + ')' if r.visit_starts_on else ''}</td>"
        "</tr>"
        for r in requirements
    )
    return (
        "<table cellspacing='0' cellpadding='3' border='1'>"
        "<tr><th>Ref</th><th>Requirement</th><th>Status</th><th>Actions</th><th>Visit</th></tr>"
        f"{rows}</table>"
    )


def groups_section(groups: Sequence[IntelligenceGroup]) -> str:
    if not groups:
        return "<p>No intelligence held for this provider yet: it arrives at the next sync.</p>"
    parts = []
    for group in groups:
        shown = group.items[:MAX_ROWS_PER_SOURCE]
        rows = "".join(
            f"<tr><td>{escape(i.period)}</td><td>{flag_badge(i.flag)}</td>"
            f"<td>{describe_item(i)}</td><td>{escape(i.text or '')}</td></tr>"
            for i in shown
        )
        more = (
            f"<p>… and {len(group.items) - len(shown)} more.</p>"
            if len(group.items) > len(shown)
            else ""
        )
        parts.append(
            f"<h4>{escape(source_label(group.source))} ({len(group.items)})</h4>"
            f"<table cellspacing='0' cellpadding='2'>{rows}</table>{more}"
        )
    return "".join(parts)


def visits_section(visits: Sequence[VisitSummary]) -> str:
    if not visits:
        return "<p>No visits to this provider on this laptop.</p>"
    items = "".join(
        f"<li>{escape(v.starts_on.isoformat() if v.starts_on else 'undated')} — "
        f"{escape(v.title)} ({escape(label(v.visit_type))}, {escape(label(v.status))})</li>"
        for v in visits
    )
    return f"<ul>{items}</ul>"
