"""Read NHS ODS positional extracts (etr.csv, ets.csv, epraccur.csv …) into plain records.

The files have no header row; fields are positional (DESIGN §1): 1 code, 2 name, 3 national
grouping, 4 high-level health geography, 5–9 address, 10 postcode, 11 open date, 12 close date,
13 status, 14 sub-type, 15 parent / commissioner code, 26 prescribing setting (epraccur). Extracts
have 27 fields (older ones 24), quoted or not; dates are ``YYYYMMDD``; the status is a code
(A/C/D/P) or, in newer exports, spelled out in capitals.

Anything that makes the file itself untrustworthy (a wrong field count, a bad date, a header row,
an unknown status) raises :class:`ImportFileError` naming the line: the importer then changes
nothing. Row-level checks that depend on the kind of file (code length) are the importer's.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date

from eqvisit.domain.enums import OrgStatus, ProviderKind
from eqvisit.errors import ImportFileError

FIELD_COUNTS = (24, 27)
STATUS_CODES = {
    "A": OrgStatus.ACTIVE,
    "ACTIVE": OrgStatus.ACTIVE,
    "C": OrgStatus.CLOSED,
    "CLOSED": OrgStatus.CLOSED,
    "D": OrgStatus.DORMANT,
    "DORMANT": OrgStatus.DORMANT,
    "P": OrgStatus.PROPOSED,
    "PROPOSED": OrgStatus.PROPOSED,
}
# The ODS file names this importer knows, by stem (``etr.csv`` → trusts).
FILE_KINDS = {
    "etr": ProviderKind.TRUST,
    "ets": ProviderKind.TRUST_SITE,
    "epraccur": ProviderKind.GP_PRACTICE,
    "egdpprac": ProviderKind.DENTAL_PRACTICE,
}
# ODS code lengths per kind: trusts 3 characters, trust sites 5, practices 6.
CODE_LENGTHS = {
    ProviderKind.TRUST: 3,
    ProviderKind.TRUST_SITE: 5,
    ProviderKind.GP_PRACTICE: 6,
    ProviderKind.DENTAL_PRACTICE: 6,
}
MAX_CODE_LENGTH = 12
_HEADER_WORDS = ("code", "name", "organisation", "postcode")


@dataclass(frozen=True)
class OdsRecord:
    """One row of an extract. ``kind`` is ``None`` until the file's kind is known."""

    line: int
    ods_code: str
    name: str
    kind: ProviderKind | None
    region_code: str | None
    icb_code: str | None
    address_lines: tuple[str, ...]
    postcode: str | None
    opened_on: date | None
    closed_on: date | None
    status: OrgStatus
    parent_code: str | None
    prescribing_setting: str | None = None


def parse_ods_date(text: str, source: str, line: int, field: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    if len(text) != 8 or not text.isdigit():
        raise ImportFileError(
            source, f"'{text}' is not a date in YYYYMMDD form", line=line, field=field
        )
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ImportFileError(
            source, f"'{text}' is not a real date", line=line, field=field
        ) from None


def _looks_like_header(fields: Sequence[str]) -> bool:
    first = fields[0].strip().lower()
    return any(word in first for word in _HEADER_WORDS) or (
        len(fields) > 10 and any(c.isalpha() for c in fields[10])
    )


def _record(fields: list[str], source: str, line: int) -> OdsRecord:
    if line == 1 and _looks_like_header(fields):
        raise ImportFileError(
            source,
            f"looks like a header row ({', '.join(map(repr, fields[:2]))} …); "
            "ODS extracts have none — remove it",
            line=line,
        )
    if len(fields) not in FIELD_COUNTS:
        shape = "short" if len(fields) < FIELD_COUNTS[0] else "long"
        raise ImportFileError(
            source,
            f"has {len(fields)} fields (a {shape} row); ODS extracts have 24 or 27",
            line=line,
        )
    code = fields[0].strip().upper()
    if not code or not code.isalnum() or not code.isascii() or len(code) > MAX_CODE_LENGTH:
        raise ImportFileError(source, f"'{fields[0]}' is not an ODS code", line=line, field="code")
    closed_on = parse_ods_date(fields[11], source, line, "close date")
    status_text = fields[12].strip().upper()
    if status_text:
        if status_text not in STATUS_CODES:
            raise ImportFileError(
                source,
                f"unknown status '{fields[12]}' (expected A, C, D, P or the word)",
                line=line,
                field="status",
            )
        status = STATUS_CODES[status_text]
    else:
        status = OrgStatus.CLOSED if closed_on is not None else OrgStatus.ACTIVE
    return OdsRecord(
        line=line,
        ods_code=code,
        name=fields[1].strip(),
        kind=None,
        region_code=fields[2].strip() or None,
        icb_code=fields[3].strip() or None,
        address_lines=tuple(f.strip() for f in fields[4:9] if f.strip()),
        postcode=fields[9].strip() or None,
        opened_on=parse_ods_date(fields[10], source, line, "open date"),
        closed_on=closed_on,
        status=status,
        parent_code=fields[14].strip().upper() or None,
        prescribing_setting=(fields[25].strip() or None) if len(fields) > 25 else None,
    )


def csv_rows(lines: Iterable[str], source: str) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` of each non-blank CSV row; a broken row names its line.

    Shared by every importer (ODS extracts here, intelligence CSVs in the central store).
    """
    reader = csv.reader(lines)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(
                source, f"not a readable CSV row ({exc})", line=reader.line_num
            ) from None
        if any(f.strip() for f in fields):
            yield reader.line_num, fields


def read_ods_records(lines: Iterable[str], source: str) -> Iterator[OdsRecord]:
    """Yield one record per row (kind not yet set); raise on the first malformed row."""
    for line, fields in csv_rows(lines, source):
        yield _record(fields, source, line)


def detect_kind(records: Sequence[OdsRecord], file_stem: str = "") -> ProviderKind | None:
    """The kind of organisation a whole extract holds, from its codes, else its file name.

    Trust codes have 3 characters, trust sites 5, practices 6; dental practice codes start
    with V and GP practices carry a prescribing setting. ``None`` when the file does not say.
    """
    lengths = {len(r.ods_code) for r in records}
    if lengths == {3}:
        return ProviderKind.TRUST
    if lengths == {5}:
        return ProviderKind.TRUST_SITE
    if lengths == {6}:
        starts_v = {r.ods_code.startswith("V") for r in records}
        if starts_v == {True}:
            return ProviderKind.DENTAL_PRACTICE
        if starts_v == {False} and all(r.prescribing_setting for r in records):
            return ProviderKind.GP_PRACTICE
    return FILE_KINDS.get(file_stem.lower())


def read_ods_lines(lines: Iterable[str], source: str, kind: ProviderKind) -> Iterator[OdsRecord]:
    """Yield one record of a known kind per row; raise on the first malformed row."""
    for record in read_ods_records(lines, source):
        yield replace(record, kind=kind)
