"""The report renderer on its own: read the PDF back and check what a reader would see."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pypdf

from eqvisit.reports.data import LayObservation, SignOff
from eqvisit.reports.visit_report import OUTCOME_HEADER, render_visit_report
from tests.reports.conftest import ACCENTS, EMOJI_NOTE, WELSH
from tests.reports.sample_data import findings, numbered_text, provenance, report_data

SECTIONS = (
    "Education quality visit report",
    "Background and intelligence",
    "Intelligence that triggered the visit",
    "Intelligence flags summary",
    "Panel",
    "Executive summary",
    "Findings by framework domain",
    "Good practice",
    "Immediate mandatory requirements",
    "Mandatory requirements",
    "Recommendations",
    "Risk matrix",
    "Lay representatives' observations",
    "Sign-off",
    "Provenance",
)


def pages(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def squeezed(text: str) -> str:
    """Text without whitespace: a line wrapped inside a word or a cell still matches."""
    return re.sub(r"\s+", "", text)


def render(data, *, draft: bool = True) -> bytes:  # type: ignore[no-untyped-def]
    return render_visit_report(data, provenance(data), draft=draft, invariant=True)


def test_sections_appear_in_order_with_page_x_of_y_metadata_and_outline() -> None:
    data = report_data(findings(9))
    pdf = render(data)
    text = " ".join(pages(pdf))
    positions = [text.find(section) for section in SECTIONS]
    assert -1 not in positions, [s for s, p in zip(SECTIONS, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    total = len(reader.pages)
    for number, page_text in enumerate(pages(pdf), start=1):
        assert f"Page {number} of {total}" in page_text
    assert reader.metadata is not None
    assert (
        reader.metadata.title == "Education quality visit report: Betsi Cadwaladr – Ysbyty Gwynedd"
    )
    assert reader.metadata.author and "NHS England" in reader.metadata.author
    assert reader.metadata.creator == "eqvisit test"
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline[:3] == ["Background and intelligence", "Panel", "Executive summary"]
    assert "Provenance" in outline and "Risk matrix" in outline


def test_draft_is_watermarked_and_a_signed_off_version_is_not() -> None:
    signer = SignOff("Dr Asha Patel", "Visit lead", datetime(2026, 12, 21, 14, 5, tzinfo=UTC))
    draft = pages(render(report_data(findings(3))))
    final = pages(render(report_data(findings(3), sign_off=signer), draft=False))
    assert all("DRAFT" in page for page in draft)
    assert not any("DRAFT" in page for page in final)
    assert "Not signed off" in " ".join(draft)
    assert "Signed off by Dr Asha Patel, Visit lead, on 21 December 2026 at 14:05 UTC" in " ".join(
        final
    )


def test_invariant_mode_gives_the_same_bytes_and_other_content_different_bytes() -> None:
    data = report_data(findings(12))
    assert render(data) == render(data)
    assert render(data) != render(report_data(findings(13)))


def test_two_hundred_findings_split_across_pages_with_the_header_repeated() -> None:
    rows = findings(200)
    pdf = render(report_data(rows))
    texts = pages(pdf)
    everything = squeezed(" ".join(texts))
    for row in rows:
        assert squeezed(f"{row.reference}{row.text}") in everything, row.reference
        assert squeezed(row.required_actions) in everything
    header = " ".join(OUTCOME_HEADER[:2])
    table_pages = [page for page in texts if "revised rota – signed by the DME" in page]
    assert len(table_pages) >= 10, "200 requirements fill many pages of tables"
    assert all(header in page for page in table_pages)


def test_long_texts_are_never_cut_off_in_tables_or_paragraphs() -> None:
    long_finding = numbered_text(600, "F")  # ~28,000 characters in one table cell
    long_summary = numbered_text(400, "E")
    pdf = render(report_data(findings(3, text_for={1: long_finding}), summary=long_summary))
    text = " ".join(pages(pdf))
    # the finding is printed in its domain section and again in its table
    for tag, count, copies in (("F", 600, 2), ("E", 400, 1)):
        found = [int(n) for n in re.findall(rf"\b{tag}(\d{{4}})\b", text)]
        assert found == list(range(count)) * copies, tag


def test_unicode_welsh_names_dashes_accents_and_emoji_come_back() -> None:
    observation = LayObservation("Mrs Jean Hughes", f"Ward 7, {WELSH}", "", "Concern", EMOJI_NOTE)
    rows = findings(3, text_for={0: f"At {WELSH}: {ACCENTS}"})
    pdf = render(report_data(rows, observations=(observation,)))
    text = squeezed(" ".join(pages(pdf)))
    for expected in (WELSH, ACCENTS, EMOJI_NOTE, "Betsi Cadwaladr – Ysbyty Gwynedd"):
        assert squeezed(expected) in text, expected
    assert squeezed("Observed by Mrs Jean Hughes (lay representative)") in text
