"""Report data made by hand, for tests of the renderer alone (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from eqvisit.reports.data import (
    DomainSection,
    LayObservation,
    OutcomeTable,
    PanelEntry,
    Provenance,
    ReportData,
    ReportFinding,
    SignOff,
    TriggerEntry,
    report_digest,
)

KINDS = (
    ("IMR", "Immediate mandatory requirement", "Immediate mandatory requirements"),
    ("MR", "Mandatory requirement", "Mandatory requirements"),
    ("R", "Recommendation", "Recommendations"),
)


def numbered_text(sentences: int, tag: str = "S") -> str:
    """A long text whose sentences are numbered, so a reader can tell if any went missing."""
    return " ".join(
        f"{tag}{n:04d} learners described the rota on ward 7." for n in range(sentences)
    )


def findings(count: int, *, text_for: dict[int, str] | None = None) -> list[ReportFinding]:
    made = []
    for index in range(count):
        prefix, kind, _title = KINDS[index % 3]
        made.append(
            ReportFinding(
                reference=f"{prefix}{index // 3 + 1}",
                kind=kind,
                text=(text_for or {}).get(index, f"Finding number {index} about supervision."),
                required_actions=f"Evidence {index}: revised rota – signed by the DME",
                standards=(f"{index % 6 + 1}.1",),
                domain_number=index % 6 + 1,
                likelihood=index % 5 + 1,
                consequence=(index * 2) % 5 + 1,
                risk=f"{(index % 5 + 1) * ((index * 2) % 5 + 1)} – band",
                owner="Director of Medical Education",
                due_on=date(2027, 2, 1),
            )
        )
    return made


def report_data(
    rows: list[ReportFinding],
    *,
    summary: str = "The panel met 42 learners.",
    sign_off: SignOff | None = None,
    observations: tuple[LayObservation, ...] = (),
) -> ReportData:
    return ReportData(
        visit_id="visit-1",
        title="Risk-based review",
        provider_name="Betsi Cadwaladr – Ysbyty Gwynedd",
        provider_code="RXX",
        programme_group="Foundation",
        visit_type="Risk based review",
        region="North West",
        visit_dates="7 December 2026",
        report_date=date(2026, 12, 20),
        background="Red flags in the survey.",
        triggers=(TriggerEntry("NTS", "2026", "Handover", "Red", "Outlier"),),
        flag_counts=(("red", 3), ("white", 20), ("green", 2)),
        panel=(PanelEntry("Lead", "Dr Asha Patel", "NHS England"),),
        executive_summary=summary,
        domains=tuple(
            DomainSection(n, f"Domain title {n}", tuple(r for r in rows if r.domain_number == n))
            for n in range(1, 7)
            if any(r.domain_number == n for r in rows)
        ),
        good_practice=(),
        outcome_tables=tuple(
            OutcomeTable(title, tuple(r for r in rows if r.kind == kind))
            for _prefix, kind, title in KINDS
        ),
        lay_observations=observations,
        risk_bands=(("low", 1, 3), ("moderate", 4, 6), ("high", 8, 12), ("extreme", 15, 25)),
        sign_off=sign_off,
    )


def provenance(data: ReportData, version: int = 1) -> Provenance:
    return Provenance(
        version=version,
        status="Draft",
        app_version="test",
        generated_at=datetime(2026, 12, 20, 9, 30, tzinfo=UTC),
        framework_version="eqf-2024",
        template_versions=("doctors-in-training v1",),
        data_digest=report_digest(data),
    )
