"""Attachment blob rules shared by laptop and central store: limits, media types, status."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import Field

from eqvisit.errors import SyncError
from eqvisit.sync.protocol import WireModel

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
MAX_CHUNK_BYTES = 4 * 1024 * 1024
# Every chunk but the last is at least this big, so a blob is never thousands of tiny rows.
MIN_CHUNK_BYTES = 64 * 1024
DEFAULT_CHUNK_BYTES = 1024 * 1024
SHA256_PATTERN = r"^[0-9a-f]{64}$"
# How much of a file's start is enough to recognise its type.
HEAD_BYTES = 8192

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MEDIA_TYPES: Mapping[str, str] = {
    PDF: "PDF",
    PNG: "PNG image",
    JPEG: "JPEG image",
    TEXT: "plain text",
    DOCX: "Word document (.docx)",
    XLSX: "Excel workbook (.xlsx)",
}
ALLOWED_KINDS = "PDF, PNG, JPEG, plain text (.txt), Word (.docx) or Excel (.xlsx)"

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
)
_ZIP = b"PK\x03\x04"
_ZIP_TYPES: Mapping[str, str] = {".docx": DOCX, ".xlsx": XLSX}
_TEXT_SUFFIXES = frozenset({".txt", ".text"})
_SHA256 = re.compile(SHA256_PATTERN)


class BlobStatus(WireModel):
    """How much of a blob the central store holds; ``received`` is where an upload resumes."""

    sha256: str
    received: int = Field(ge=0)
    complete: bool
    size: int | None = None


class BlobRefused(SyncError):
    """The central store refused a blob request; ``status`` and ``error`` say how."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(f"The central store refused the request ({status}): {detail}")
        self.status = status
        self.error = error
        self.detail = detail


def is_sha256(value: str) -> bool:
    """True for 64 lowercase hex digits, the only form a blob name may take."""
    return _SHA256.fullmatch(value) is not None


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot > 0 else ""


def sniff_media_type(head: bytes, filename: str) -> str | None:
    """The allowed media type of a file from its first bytes (and name, for zip and text)."""
    for signature, media_type in _SIGNATURES:
        if head.startswith(signature):
            return media_type
    suffix = _suffix(filename)
    if head.startswith(_ZIP):
        return _ZIP_TYPES.get(suffix)
    if suffix in _TEXT_SUFFIXES and b"\x00" not in head[:HEAD_BYTES]:
        return TEXT
    return None


def content_matches(head: bytes, media_type: str) -> bool:
    """Whether a blob's first bytes are consistent with the media type declared for it."""
    for signature, signed_type in _SIGNATURES:
        if media_type == signed_type:
            return head.startswith(signature)
    if media_type in (DOCX, XLSX):
        return head.startswith(_ZIP)
    if media_type == TEXT:
        return b"\x00" not in head[:HEAD_BYTES]
    return False
