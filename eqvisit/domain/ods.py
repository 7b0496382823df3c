"""Read NHS ODS positional extracts (etr.csv, ets.csv, epraccur.csv …) into plain records.

The files have no header row; fields are positional (DESIGN §1): 1 code, 2 name, 3 national
grouping, 4 high-level health geography, 5–9 address, 10 postcode, 11 open date, 12 close date,
13 status, 15 parent code. Extracts have 27 fields (older ones 24).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class OdsRecord:
    line: int
    ods_code: str
    name: str
    kind: ProviderKind
    region_code: str | None
    icb_code: str | None
    address_lines: tuple[str, ...]
    postcode: str | None
    opened_on: date | None
    closed_on: date | None
    status: OrgStatus
    parent_code: str | None


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


def read_ods_lines(lines: Iterable[str], source: str, kind: ProviderKind) -> Iterator[OdsRecord]:
    """Yield one record per row; raise :class:`ImportFileError` naming the line of a bad row."""
    for line_number, fields in enumerate(csv.reader(lines), start=1):
        if not fields:
            continue
        if len(fields) not in FIELD_COUNTS:
            raise ImportFileError(
                source, f"has {len(fields)} fields; ODS extracts have 24 or 27", line=line_number
            )
        code = fields[0].strip().upper()
        if not code or not code.isalnum():
            raise ImportFileError(
                source, f"'{fields[0]}' is not an ODS code", line=line_number, field="code"
            )
        closed_on = parse_ods_date(fields[11], source, line_number, "close date")
        status_text = fields[12].strip().upper()
        if status_text:
            if status_text not in STATUS_CODES:
                raise ImportFileError(
                    source, f"unknown status '{fields[12]}'", line=line_number, field="status"
                )
            status = STATUS_CODES[status_text]
        else:
            status = OrgStatus.CLOSED if closed_on is not None else OrgStatus.ACTIVE
        yield OdsRecord(
            line=line_number,
            ods_code=code,
            name=fields[1].strip(),
            kind=kind,
            region_code=fields[2].strip() or None,
            icb_code=fields[3].strip() or None,
            address_lines=tuple(f.strip() for f in fields[4:9] if f.strip()),
            postcode=fields[9].strip() or None,
            opened_on=parse_ods_date(fields[10], source, line_number, "open date"),
            closed_on=closed_on,
            status=status,
            parent_code=fields[14].strip().upper() or None,
        )
