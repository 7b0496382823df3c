"""The visit report PDF in the shape NHS England publishes (DESIGN §6), from ``ReportData``."""

from __future__ import annotations

from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from eqvisit.reports.charts import flags_chart, risk_matrix
from eqvisit.reports.data import OutcomeTable, Provenance, ReportData, ReportFinding
from eqvisit.reports.layout import (
    CONTENT_WIDTH,
    DocumentInfo,
    Heading,
    data_table,
    facts_table,
    render_document,
)
from eqvisit.reports.styles import markup, stylesheet

OUTCOME_HEADER = (
    "Ref",
    "Requirement / recommendation",
    "Required actions / evidence",
    "Standard",
    "Risk",
    "Owner",
    "Due",
)
OUTCOME_WIDTHS = tuple(w * mm for w in (13, 48, 44, 17, 18, 20, 14.6))
GOOD_PRACTICE_HEADER = ("Ref", "Good practice", "Standard")
GOOD_PRACTICE_WIDTHS = (13 * mm, CONTENT_WIDTH - 35 * mm, 22 * mm)
LAY_NOTE = (
    "These are the observations of the lay representatives on the panel, recorded in their own "
    "words. They are theirs, not the findings of the panel."
)


def render_visit_report(
    data: ReportData, provenance: Provenance, *, draft: bool, invariant: bool = False
) -> bytes:
    """The report as PDF bytes; ``invariant`` makes equal input give byte-identical output."""
    info = DocumentInfo(
        title=f"Education quality visit report: {data.provider_name}",
        author="NHS England — Workforce, Training and Education",
        subject=f"{data.title} ({data.visit_dates})",
        keywords=("education quality", "visit report", data.provider_code, data.visit_id),
        creator=f"eqvisit {provenance.app_version}",
        footer=(
            f"{data.provider_name} · {data.title} · version {provenance.version}"
            f"{' · DRAFT' if draft else ''}"
        ),
        draft=draft,
    )
    return render_document(
        info, visit_report_story(data, provenance, draft=draft), invariant=invariant
    )


def visit_report_story(data: ReportData, provenance: Provenance, *, draft: bool) -> list[Flowable]:
    styles = stylesheet()
    story: list[Flowable] = [
        Paragraph("Education quality visit report", styles["Title"]),
        Paragraph(markup(data.title), styles["H2"]),
        facts_table(
            [
                ("Provider", f"{data.provider_name} ({data.provider_code})"),
                ("Programme group", data.programme_group or "—"),
                ("Visit type", data.visit_type),
                ("Region", data.region or "—"),
                ("Date of visit", data.visit_dates),
                ("Date of report", _day(data.report_date)),
                ("Report status", "Draft" if draft else "Final (signed off)"),
            ]
        ),
    ]
    story += _background(data)
    story += [
        Heading("Panel", 0),
        data_table(
            ("Role", "Name", "Organisation"),
            [(p.role, p.name, p.organisation) for p in data.panel],
            (50 * mm, 55 * mm, CONTENT_WIDTH - 105 * mm),
        )
        if data.panel
        else _none(),
        Heading("Executive summary", 0),
        *_paragraphs(data.executive_summary),
    ]
    story += _findings_by_domain(data)
    story += [Heading("Good practice", 0), _good_practice(data.good_practice)]
    for table in data.outcome_tables:
        story += _outcome_table(table)
    rated = [f for table in data.outcome_tables for f in table.findings]
    story += [
        CondPageBreak(120 * mm),
        Heading("Risk matrix", 0),
        Paragraph(
            "How many requirements and recommendations are rated in each cell of the 5×5 "
            "matrix (likelihood × consequence).",
            styles["Body"],
        ),
        risk_matrix(rated, data.risk_bands),
    ]
    story += _lay_observations(data)
    story += _sign_off(data, draft)
    story += _provenance(provenance)
    return story


def _background(data: ReportData) -> list[Flowable]:
    styles = stylesheet()
    story: list[Flowable] = [
        Heading("Background and intelligence", 0),
        *_paragraphs(data.background),
        Heading("Intelligence that triggered the visit", 1),
    ]
    if data.triggers:
        story.append(
            data_table(
                ("Source", "Period", "Indicator", "Flag", "Detail"),
                [(t.source, t.period, t.indicator, t.flag, t.text) for t in data.triggers],
                (22 * mm, 16 * mm, 45 * mm, 18 * mm, CONTENT_WIDTH - 101 * mm),
            )
        )
    else:
        story.append(_none())
    if data.flag_counts:
        story += [
            Heading("Intelligence flags summary", 1),
            Paragraph(
                "National Training Survey results held for this provider, by outlier flag.",
                styles["Body"],
            ),
            flags_chart(data.flag_counts),
        ]
    return story


def _findings_by_domain(data: ReportData) -> list[Flowable]:
    styles = stylesheet()
    story: list[Flowable] = [Heading("Findings by framework domain", 0)]
    if not data.domains:
        return [*story, _none()]
    for domain in data.domains:
        label = f"Domain {domain.number}: {domain.title}" if domain.number else domain.title
        story.append(Heading(label, 1))
        for finding in domain.findings:
            lead = f"<b>{markup(finding.reference)}</b> — {markup(finding.kind)}"
            if finding.standards:
                lead += f" (standards {markup(', '.join(finding.standards))})"
            story.append(Paragraph(lead, styles["Lead"]))
            story += _paragraphs(finding.text)
    return story


def _good_practice(findings: tuple[ReportFinding, ...]) -> Flowable:
    if not findings:
        return _none()
    return data_table(
        GOOD_PRACTICE_HEADER,
        [(f.reference, f.text, ", ".join(f.standards)) for f in findings],
        GOOD_PRACTICE_WIDTHS,
    )


def _outcome_table(table: OutcomeTable) -> list[Flowable]:
    heading = Heading(table.title, 0)
    if not table.findings:
        return [heading, _none()]
    rows = [
        (
            f.reference,
            f.text,
            f.required_actions,
            ", ".join(f.standards),
            f.risk,
            f.owner,
            f"{f.due_on.day} {f.due_on:%b %Y}" if f.due_on else "",
        )
        for f in table.findings
    ]
    return [heading, data_table(OUTCOME_HEADER, rows, OUTCOME_WIDTHS)]


def _lay_observations(data: ReportData) -> list[Flowable]:
    styles = stylesheet()
    story: list[Flowable] = [
        CondPageBreak(45 * mm),
        Heading("Lay representatives' observations", 0),
        Paragraph(LAY_NOTE, styles["Note"]),
        Spacer(0, 4),
    ]
    if not data.lay_observations:
        return [*story, _none()]
    for observation in data.lay_observations:
        where = " · ".join(
            part
            for part in (observation.location, observation.category, observation.sentiment)
            if part
        )
        byline = f"<b>Observed by {markup(observation.author)} (lay representative)</b>"
        if where:
            byline += f" — {markup(where)}"
        story.append(Paragraph(byline, styles["Lead"]))
        story += _paragraphs(observation.text)
    return story


def _sign_off(data: ReportData, draft: bool) -> list[Flowable]:
    styles = stylesheet()
    story: list[Flowable] = [Heading("Sign-off", 0)]
    if data.sign_off is None or draft:
        story.append(
            Paragraph(
                "Not signed off. This is a draft for the panel and the provider's factual "
                "accuracy check; it is not the final report.",
                styles["Body"],
            )
        )
        return story
    signed = data.sign_off
    story.append(
        KeepTogether(
            [
                Paragraph(
                    f"Signed off by <b>{markup(signed.name)}</b>, {markup(signed.role)}, "
                    f"on {_day(signed.signed_at.date())} at {signed.signed_at:%H:%M} UTC.",
                    styles["Body"],
                ),
            ]
        )
    )
    return story


def _provenance(provenance: Provenance) -> list[Flowable]:
    styles = stylesheet()
    return [
        PageBreak(),
        Heading("Provenance", 0),
        Paragraph(
            "How this version of the report was made. The data digest is the SHA-256 of the "
            "report's content: two versions with the same digest show the same data.",
            styles["Body"],
        ),
        facts_table(
            [
                ("Report version", str(provenance.version)),
                ("Status", provenance.status),
                ("Generated at", f"{provenance.generated_at:%Y-%m-%d %H:%M:%S} UTC"),
                ("Application", f"eqvisit {provenance.app_version}"),
                ("Framework version", provenance.framework_version or "—"),
                ("Interview templates", ", ".join(provenance.template_versions) or "—"),
                ("Data digest (SHA-256)", provenance.data_digest),
            ]
        ),
    ]


def _paragraphs(text: str) -> list[Flowable]:
    """Plain text as paragraphs (blank lines separate them); an empty text says so."""
    styles = stylesheet()
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    if not parts:
        return [_none("Not written yet.")]
    return [Paragraph(markup(part), styles["Body"]) for part in parts]


def _none(text: str = "None.") -> Paragraph:
    return Paragraph(text, stylesheet()["Note"])


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
