"""Pages of a PDF rendered to PNG images (PDFium through pypdfium2), for previews and docs."""

from __future__ import annotations

import io
import threading

import pypdfium2 as pdfium

from eqvisit.errors import DomainError

# PDFium is not thread-safe; one render at a time in this process.
_lock = threading.Lock()


def page_count(pdf: bytes) -> int:
    with _lock:
        document = _open(pdf)
        try:
            return len(document)
        finally:
            document.close()


def render_pages(
    pdf: bytes, *, first: int = 0, count: int | None = None, dpi: int = 96
) -> list[bytes]:
    """PNG images of pages ``first`` … ``first + count - 1`` (all pages from ``first`` if None)."""
    with _lock:
        document = _open(pdf)
        try:
            last = len(document) if count is None else min(len(document), first + count)
            images: list[bytes] = []
            for index in range(max(first, 0), last):
                page = document[index]
                bitmap = page.render(scale=dpi / 72)
                buffer = io.BytesIO()
                bitmap.to_pil().save(buffer, format="PNG", optimize=True)
                bitmap.close()
                page.close()
                images.append(buffer.getvalue())
            return images
        finally:
            document.close()


def _open(pdf: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise DomainError(f"The report file cannot be read as a PDF ({exc}).") from exc
