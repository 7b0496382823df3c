"""The briefing pack as a PDF: the issue-6 ``BriefingPack`` put into words for ``reports``."""

from __future__ import annotations

from pathlib import Path

from eqvisit import __version__
from eqvisit.errors import InvalidValue
from eqvisit.reports.data import BriefingDocument, BriefingTable
from eqvisit.services.briefing import BriefingService
from eqvisit.services.briefing_dto import BriefingPack, TrendSeries
from eqvisit.services.dto import IntelligenceRow
from eqvisit.services.exports import write_file
from eqvisit.services.report_data import label

MAX_TREND_PERIODS = 5


class BriefingReportService:
    """Renders the briefing pack of a visit; reads only (one unit of work, in the briefing)."""

    def __init__(self, briefing: BriefingService, *, invariant: bool = False) -> None:
        self._briefing = briefing
        self._invariant = invariant

    def pdf(self, visit_id: str) -> bytes:
        pack = self._briefing.for_visit(visit_id)
        from eqvisit.reports.briefing import render_briefing  # ReportLab loads on first use

        return render_briefing(briefing_document(pack), invariant=self._invariant)

    def save(self, visit_id: str, target: Path) -> None:
        if target.suffix.lower() != ".pdf":
            raise InvalidValue("output file", f"{target.name} must end in .pdf")
        write_file(target, self.pdf(visit_id))


def briefing_document(pack: BriefingPack) -> BriefingDocument:
    visit, summary = pack.visit, pack.visit.summary
    dates = " – ".join(str(d) for d in (summary.starts_on, summary.ends_on) if d) or "Not yet set"
    return BriefingDocument(
        title=summary.title,
        provider=summary.provider_name,
        facts=(
            ("Provider", f"{summary.provider_name} ({summary.provider_code})"),
            ("Sites", ", ".join(s.name for s in visit.sites) or "The whole provider"),
            ("Visit type", label(summary.visit_type.value)),
            ("Programme group", visit.programme_group or "—"),
            ("Dates", dates),
            ("Status", label(summary.status.value)),
        ),
        reason=visit.reason,
        flag_period=pack.latest_nts_period or "",
        flag_counts=tuple((c.flag.value, c.count) for c in pack.flag_counts),
        sections=(
            BriefingTable(
                "Panel",
                ("Role", "Name", "Organisation"),
                tuple(
                    (label(m.panel_role.value), m.user.display_name, m.user.organisation or "")
                    for m in visit.panel
                ),
                (3, 3, 4),
            ),
            BriefingTable(
                "Agenda",
                ("Time", "Session", "Audience", "Room"),
                tuple(
                    (
                        s.starts_at.strftime("%d %b %H:%M") if s.starts_at else "",
                        s.title,
                        label(s.audience.value),
                        s.room,
                    )
                    for s in visit.sessions
                ),
                (2, 5, 2, 2),
            ),
            _intelligence("Intelligence that triggered the visit", pack.triggers),
            _intelligence(
                "Red and pink NTS results this year",
                pack.nts_flags,
                note="Results of the latest survey year flagged red or pink, red first.",
            ),
            BriefingTable(
                "CQC ratings",
                ("Key question", "Rating", "Rated on"),
                tuple((c.key_question, c.rating, c.rated_on) for c in pack.cqc_ratings),
                (3, 3, 2),
            ),
            _intelligence("Concerns raised", pack.concerns),
            _trends(pack.trends),
            BriefingTable(
                "Requirements from earlier visits",
                ("Ref", "Visit", "Requirement", "Risk", "Due", "Actions"),
                tuple(
                    (
                        r.finding.reference or "",
                        r.visit_title,
                        r.finding.text,
                        f"{r.finding.risk_score} – {r.finding.risk_band}"
                        if r.finding.risk_score
                        else "",
                        str(r.finding.due_on or ""),
                        label(r.action_status.value) if r.action_status else "No actions yet",
                    )
                    for r in pack.earlier_requirements
                ),
                (1.2, 3, 6, 1.6, 1.8, 2),
            ),
        ),
        app_version=__version__,
    )


def _intelligence(
    title: str, items: tuple[IntelligenceRow, ...], *, note: str = ""
) -> BriefingTable:
    return BriefingTable(
        title,
        ("Source", "Period", "Indicator", "Breakdown", "Flag", "Detail"),
        tuple(
            (
                item.source.value.upper(),
                item.period,
                item.indicator,
                ", ".join(
                    str(v) for k, v in sorted(item.dimensions.items()) if k != "synthetic" and v
                ),
                label(item.flag.value) if item.flag else "",
                item.text or "",
            )
            for item in items
        ),
        (1.3, 1.2, 3, 3, 1.4, 4),
        note=note,
    )


def _trends(series: tuple[TrendSeries, ...]) -> BriefingTable:
    periods = sorted({p.period for s in series for p in s.points})[-MAX_TREND_PERIODS:]
    rows = []
    for trend in series:
        by_period = {p.period: p for p in trend.points}
        cells = []
        for period in periods:
            point = by_period.get(period)
            if point is None or point.value is None:
                cells.append("—")
            else:
                flags = f" ({point.red_flags} red)" if point.red_flags else ""
                cells.append(f"{point.value:.1f}{flags}")
        rows.append((trend.indicator, *cells))
    return BriefingTable(
        "Trends by indicator",
        ("Indicator", *periods),
        tuple(rows),
        (4, *([2] * len(periods))),
        note="Mean value per survey year over every programme and level (n-weighted).",
    )
