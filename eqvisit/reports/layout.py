"""The page furniture every report shares: A4 frame, outline, "Page X of Y", DRAFT watermark.

The canvas keeps each finished page's state and paints the furniture only when the document is
saved, once the total number of pages is known (one pass, no second layout run).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph
from reportlab.platypus.tables import Table, TableStyle

from eqvisit.reports.styles import (
    FONT,
    FONT_BOLD,
    MID_GREY,
    NHS_BLUE,
    PALE_GREY,
    markup,
    stylesheet,
)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN


def page_geometry() -> dict[str, Any]:
    """A4 with our margins, as keyword arguments of a ReportLab document template."""
    return {
        "pagesize": A4,
        "leftMargin": MARGIN,
        "rightMargin": MARGIN,
        "topMargin": MARGIN,
        "bottomMargin": MARGIN,
    }


@dataclass(frozen=True)
class DocumentInfo:
    """What the PDF says about itself (metadata) and prints on every page."""

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    creator: str
    footer: str
    draft: bool


class Heading(Paragraph):
    """A heading that also becomes an entry of the PDF outline (bookmarks)."""

    def __init__(self, text: str, level: int) -> None:
        style = stylesheet()["H1" if level == 0 else "H2"]
        super().__init__(markup(text), style)
        self.outline_title = text
        self.outline_level = level


class _FurnishedCanvas(Canvas):
    """Defers each page until ``save`` so every footer can say "Page X of Y"."""

    info: DocumentInfo

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._furnish(number, total)
            super().showPage()
        super().save()

    def _furnish(self, number: int, total: int) -> None:
        self.saveState()
        self.setStrokeColor(NHS_BLUE)
        self.setLineWidth(0.6)
        self.line(MARGIN, MARGIN - 4 * mm, PAGE_WIDTH - MARGIN, MARGIN - 4 * mm)
        self.setFont(FONT, 7.5)
        self.setFillColor(MID_GREY)
        page = f"Page {number} of {total}"
        room = CONTENT_WIDTH - stringWidth(page, FONT, 7.5) - 6 * mm
        self.drawString(MARGIN, MARGIN - 8 * mm, _fit(self.info.footer, room, 7.5))
        self.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 8 * mm, page)
        if self.info.draft:
            self.setFont(FONT_BOLD, 96)
            self.setFillColor(MID_GREY, alpha=0.18)
            self.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
            self.rotate(50)
            self.drawCentredString(0, -30, "DRAFT")
        self.restoreState()


def _fit(text: str, width: float, size: float) -> str:
    """``text`` shortened with an ellipsis until it fits ``width`` points."""
    if stringWidth(text, FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


class ReportDocument(BaseDocTemplate):
    """An A4 document whose ``Heading`` flowables build the outline as they are placed."""

    def __init__(self, buffer: io.BytesIO, info: DocumentInfo, *, invariant: bool) -> None:
        super().__init__(
            buffer,
            **page_geometry(),
            title=info.title,
            author=info.author,
            subject=info.subject,
            keywords=list(info.keywords),
            creator=info.creator,
            invariant=1 if invariant else 0,
        )
        self._info = info
        self._headings = 0
        frame = Frame(MARGIN, MARGIN, CONTENT_WIDTH, PAGE_HEIGHT - 2 * MARGIN, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    def afterFlowable(self, flowable: Flowable) -> None:
        level = getattr(flowable, "outline_level", None)
        if level is None:
            return
        self._headings += 1
        key = f"h{self._headings}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(flowable.outline_title, key, level=level, closed=level > 0)

    def render(self, story: list[Flowable]) -> bytes:
        info = self._info

        class Furnished(_FurnishedCanvas):
            pass

        Furnished.info = info
        self.build(story, canvasmaker=Furnished)
        buffer = self.filename
        assert isinstance(buffer, io.BytesIO)
        return buffer.getvalue()


def render_document(info: DocumentInfo, story: list[Flowable], *, invariant: bool) -> bytes:
    """Lay out ``story`` on A4 pages with the shared furniture; returns the PDF's bytes."""
    return ReportDocument(io.BytesIO(), info, invariant=invariant).render(story)


def cell(text: str, *, head: bool = False) -> Paragraph:
    return Paragraph(markup(text), stylesheet()["CellHead" if head else "Cell"])


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
) -> Table:
    """A table of wrapped text whose header repeats on every page and whose rows may split."""
    data = [[cell(h, head=True) for h in header]]
    data.extend([cell(value) for value in row] for row in rows)
    table = Table(
        data, colWidths=list(widths), repeatRows=1, splitInRow=1, hAlign="LEFT", spaceAfter=8
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), PALE_GREY),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, NHS_BLUE),
                ("GRID", (0, 0), (-1, -1), 0.25, MID_GREY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def facts_table(facts: Sequence[tuple[str, str]]) -> Table:
    """Label/value pairs in two columns (the report's header facts, the provenance)."""
    data = [[cell(label, head=True), cell(value)] for label, value in facts]
    table = Table(data, colWidths=[45 * mm, CONTENT_WIDTH - 45 * mm], hAlign="LEFT", spaceAfter=8)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (0, -1), PALE_GREY),
                ("GRID", (0, 0), (-1, -1), 0.25, MID_GREY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table
