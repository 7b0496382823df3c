"""Reading an import file as UTF-8 text lines, with errors that say what is wrong and where."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

from eqvisit.errors import ImportFileError

BINARY_SNIFF_BYTES = 8192  # like git: a NUL byte near the start means binary, not text


def check_file(path: Path) -> None:
    """Refuse a path that is not an existing regular file before anything is read."""
    if not path.exists():
        raise ImportFileError(str(path), "no such file")
    if not path.is_file():
        raise ImportFileError(str(path), "is not a regular file")


def text_lines(path: Path) -> Iterator[str]:
    """The file's lines decoded as UTF-8 (a byte-order mark is dropped, CRLF kept for csv).

    Binary data (a NUL byte) and bytes that are not UTF-8 (a Latin-1 or Windows-1252 export)
    raise :class:`ImportFileError` with the line number; an empty file raises too, so an
    interrupted download is never taken for "every organisation closed".
    """
    check_file(path)
    source = str(path)
    empty = True
    with path.open("rb") as handle:
        head = handle.read(BINARY_SNIFF_BYTES)
        if b"\x00" in head:
            line = head[: head.index(b"\x00")].count(b"\n") + 1
            raise ImportFileError(
                source, "holds binary data (a NUL byte); expected a CSV text file", line=line
            )
        handle.seek(0)
        for number, raw in enumerate(handle, start=1):
            if b"\x00" in raw:
                raise ImportFileError(
                    source, "holds binary data (a NUL byte); expected a CSV text file", line=number
                )
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    source,
                    f"is not UTF-8 text (byte 0x{raw[exc.start]:02X} at column {exc.start + 1}); "
                    "save the file as UTF-8 (in Excel: CSV UTF-8)",
                    line=number,
                ) from None
            if text.strip():
                empty = False
            yield text
    if empty:
        raise ImportFileError(source, "is empty")
