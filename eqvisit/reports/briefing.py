"""The briefing pack PDF: what a panel member reads before the visit, from plain data.

The service turns its ``BriefingPack`` into a ``BriefingDocument`` (words and tables only), so
this module knows nothing of the services' types.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Paragraph

from eqvisit.reports.charts import flags_chart
from eqvisit.reports.data import BriefingDocument
from eqvisit.reports.layout import (
    CONTENT_WIDTH,
    DocumentInfo,
    Heading,
    data_table,
    facts_table,
    render_document,
)
from eqvisit.reports.styles import markup, stylesheet


def render_briefing(document: BriefingDocument, *, invariant: bool = False) -> bytes:
    info = DocumentInfo(
        title=f"Briefing pack: {document.title}",
        author="NHS England — Workforce, Training and Education",
        subject=f"Briefing pack for the visit to {document.provider}",
        keywords=("education quality", "briefing pack"),
        creator=f"eqvisit {document.app_version}",
        footer=f"Briefing pack · {document.provider} · {document.title} · for the panel only",
        draft=False,
    )
    return render_document(info, _story(document), invariant=invariant)


def _story(document: BriefingDocument) -> list[Flowable]:
    styles = stylesheet()
    story: list[Flowable] = [
        Paragraph("Briefing pack", styles["Title"]),
        Paragraph(markup(document.title), styles["H2"]),
        facts_table(list(document.facts)),
        Heading("Why we are visiting", 0),
        Paragraph(markup(document.reason or "No reason recorded yet."), styles["Body"]),
    ]
    if document.flag_counts:
        story += [
            Heading(f"National Training Survey flags ({document.flag_period})", 0),
            flags_chart(document.flag_counts),
        ]
    for section in document.sections:
        story.append(Heading(section.title, 0))
        if section.note:
            story.append(Paragraph(markup(section.note), styles["Note"]))
        if not section.rows:
            story.append(Paragraph(markup(section.empty), styles["Note"]))
            continue
        total = sum(section.widths)
        widths = [CONTENT_WIDTH * w / total for w in section.widths]
        story.append(data_table(section.header, section.rows, widths))
    story.append(
        Paragraph(
            "Learners are anonymous: this pack holds counts and groups, never names.",
            styles["Note"],
        )
    )
    return story
