"""``eqvisit admin import-ods``: load an NHS ODS extract into the central store's reference data.

Rows are matched to providers by ODS code: new codes are added, known ones updated in place
(only the fields that changed are written, so a re-import of the same file writes nothing), and
a row that now carries a close date or a closed status marks its organisation closed. The whole
file is read and checked before anything is written, inside the caller's one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from eqvisit.domain.enums import OrgStatus, ProviderKind
from eqvisit.domain.ids import natural_id
from eqvisit.domain.ods import CODE_LENGTHS, OdsRecord, detect_kind, read_ods_records
from eqvisit.errors import ImportFileError
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.exchange import server_create_many, server_write
from eqvisit.sync.server.importing.providers import KnownProvider, provider_index
from eqvisit.sync.server.importing.textfile import text_lines

LISTED = 20  # how many codes a report names before it says "and N more"
# Kinds whose parent code names another provider (a site's trust), not a commissioner.
PARENT_KINDS = {ProviderKind.TRUST_SITE: ProviderKind.TRUST}


@dataclass(frozen=True)
class Rejected:
    line: int
    code: str
    reason: str


@dataclass(frozen=True)
class OdsImportReport:
    source: str
    kind: ProviderKind
    rows: int
    added: int
    updated: int
    closed: int
    unchanged: int
    rejected: tuple[Rejected, ...]
    missing: tuple[str, ...]
    missing_closed: bool
    unlinked: tuple[str, ...]

    def render(self) -> str:
        lines = [
            f"{self.source}: {self.rows} rows of {self.kind.value} — {self.added} added, "
            f"{self.updated} updated, {self.closed} closed, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        ]
        lines += [f"  rejected line {r.line} ({r.code}): {r.reason}" for r in self.rejected]
        if self.missing:
            what = (
                "marked closed"
                if self.missing_closed
                else "left as they are (--close-missing marks them closed)"
            )
            lines.append(
                f"  {len(self.missing)} open {self.kind.value} not in this file, {what}: "
                f"{_listed(self.missing)}"
            )
        if self.unlinked:
            lines.append(
                f"  {len(self.unlinked)} parent codes name no known organisation yet "
                f"(load their extract too): {_listed(self.unlinked)}"
            )
        return "\n".join(lines)


def _listed(codes: Sequence[str]) -> str:
    shown = ", ".join(codes[:LISTED])
    return shown if len(codes) <= LISTED else f"{shown} and {len(codes) - LISTED} more"


def provider_fields(record: OdsRecord, kind: ProviderKind) -> dict[str, Any]:
    """The provider record's fields as they travel in the change log (JSON values)."""
    return {
        "ods_code": record.ods_code,
        "name": record.name,
        "kind": kind.value,
        "region_code": record.region_code,
        "icb_code": record.icb_code,
        "address_lines": list(record.address_lines),
        "postcode": record.postcode,
        "status": record.status.value,
        "opened_on": record.opened_on.isoformat() if record.opened_on else None,
        "closed_on": record.closed_on.isoformat() if record.closed_on else None,
        "parent_code": record.parent_code if kind in PARENT_KINDS else None,
    }


def _problem(record: OdsRecord, kind: ProviderKind, known: KnownProvider | None) -> str | None:
    expected = CODE_LENGTHS.get(kind)
    if expected is not None and len(record.ods_code) != expected:
        return f"a {kind.value} code has {expected} characters, not {len(record.ods_code)}"
    if not record.name:
        return "no name"
    held = known.values.get("kind") if known is not None else None
    if held not in (None, kind.value):
        return f"this code is already recorded as a {held}"
    return None


def import_ods(
    session: Session,
    clock: ServerClock,
    path: Path,
    kind: ProviderKind | None = None,
    *,
    close_missing: bool = False,
) -> OdsImportReport:
    """Add, update and close providers from one extract; raise before writing if it is malformed."""
    source = str(path)
    records = list(read_ods_records(text_lines(path), source))
    if not records:
        raise ImportFileError(source, "holds no rows")
    kind = kind or detect_kind(records, path.stem)
    if kind is None:
        raise ImportFileError(
            source,
            "cannot tell which kind of organisation this file holds; give --kind "
            f"({', '.join(k.value for k in ProviderKind)})",
        )
    index = provider_index(session)
    first_line: dict[str, int] = {}
    creates: list[tuple[str, str, dict[str, Any]]] = []
    updates: list[tuple[str, dict[str, Any]]] = []
    rejected: list[Rejected] = []
    added = updated = closed = unchanged = 0
    for record in records:
        known = index.get(record.ods_code)
        problem = _problem(record, kind, known)
        if problem is None and record.ods_code in first_line:
            problem = f"repeats the code of line {first_line[record.ods_code]}"
        if problem is not None:
            rejected.append(Rejected(record.line, record.ods_code, problem))
            continue
        first_line[record.ods_code] = record.line
        fields = provider_fields(record, kind)
        if known is None:
            creates.append((natural_id("providers", record.ods_code), "reference", fields))
            added += 1
            continue
        changed = {name: value for name, value in fields.items() if known.values.get(name) != value}
        if not changed:
            unchanged += 1
        elif changed.get("status") == OrgStatus.CLOSED.value:
            closed += 1
            updates.append((known.record_id, changed))
        else:
            updated += 1
            updates.append((known.record_id, changed))
    missing = sorted(
        code
        for code, known in index.items()
        if known.values.get("kind") == kind.value
        and code not in first_line
        and known.values.get("status") != OrgStatus.CLOSED.value
    )
    if close_missing:
        updates += [(index[code].record_id, {"status": OrgStatus.CLOSED.value}) for code in missing]
        closed += len(missing)
    server_create_many(session, "providers", creates, clock)
    for record_id, changed in updates:
        server_write(session, "providers", record_id, "reference", changed, clock)
    return OdsImportReport(
        source=source,
        kind=kind,
        rows=len(records),
        added=added,
        updated=updated,
        closed=closed,
        unchanged=unchanged,
        rejected=tuple(rejected),
        missing=tuple(missing),
        missing_closed=close_missing,
        unlinked=_unlinked(records, kind, index, set(first_line)),
    )


def _unlinked(
    records: Sequence[OdsRecord],
    kind: ProviderKind,
    index: dict[str, KnownProvider],
    accepted: set[str],
) -> tuple[str, ...]:
    """Parent codes of accepted rows that name no provider of the parent kind yet."""
    parent_kind = PARENT_KINDS.get(kind)
    if parent_kind is None:
        return ()
    parents = {code for code, p in index.items() if p.values.get("kind") == parent_kind.value}
    return tuple(
        sorted(
            {
                r.parent_code
                for r in records
                if r.ods_code in accepted and r.parent_code and r.parent_code not in parents
            }
        )
    )
