"""``eqvisit admin import-intelligence``: load one source's CSV file into the central store.

Each row becomes one intelligence item in its provider's scope (``provider:<id>``), so the
laptops of visits to that provider receive it at their next sync. A row's id comes from its
natural key (docs/intelligence.md), so importing the same file twice adds nothing, and a later
file with changed figures updates the rows it names. Rows for ODS codes the store does not hold
are counted and reported, never silently dropped. Every problem found stops the writing; the
caller's one transaction then rolls back whatever was written, so a bad file changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import FromClause, select, text
from sqlalchemy.orm import Session

from eqvisit.domain.ids import natural_id
from eqvisit.domain.ods import csv_rows
from eqvisit.errors import ImportFileError
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.exchange import server_create_many, server_write
from eqvisit.sync.server.importing.formats import FORMATS, Column, RowProblem, SourceFormat
from eqvisit.sync.server.importing.providers import provider_index
from eqvisit.sync.server.importing.textfile import text_lines
from eqvisit.sync.server.models import ServerRecord

RECORD_TYPE = "intelligence_items"
BATCH_ROWS = 5_000
LOOKUP_CHUNK = 1_000
MAX_PROBLEMS = 20
PROGRESS_EVERY = 100_000
# PostgreSQL plans the existence look-ups from table statistics, which know nothing of the rows
# this import has added so far: past ~20,000 new rows it read every intelligence record for
# each batch (219 ms a look-up at 145,000; 5 ms after ANALYZE). So the records table is
# analysed, inside the import's transaction, each time the rows added have doubled.
FIRST_ANALYZE_AT = 10_000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class UnknownProvider:
    ods_code: str
    rows: int
    first_line: int


@dataclass(frozen=True)
class IntelligenceImportReport:
    file: str
    source: str
    rows: int
    added: int
    updated: int
    unchanged: int
    unknown: tuple[UnknownProvider, ...]

    @property
    def skipped(self) -> int:
        return sum(u.rows for u in self.unknown)

    def render(self) -> str:
        lines = [
            f"{self.file}: {self.rows} {self.source} rows — {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped} for unknown providers"
        ]
        shown = self.unknown[:20]
        lines += [
            f"  unknown ODS code {u.ods_code}: {u.rows} rows, first on line {u.first_line} "
            "(import the provider's ODS extract first)"
            for u in shown
        ]
        if len(self.unknown) > len(shown):
            lines.append(f"  and {len(self.unknown) - len(shown)} more unknown codes")
        return "\n".join(lines)


class _Problems:
    """Row problems found so far; after the first, nothing more is written."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[ImportFileError] = []

    def add(self, line: int, field: str | None, message: str) -> None:
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(ImportFileError(self.source, message, line=line, field=field))
        else:
            raise self.error(more=True)

    def error(self, *, more: bool = False) -> ImportFileError:
        if len(self.found) == 1 and not more:
            return self.found[0]
        heading = (
            f"more than {MAX_PROBLEMS} problems; nothing was imported. The first {MAX_PROBLEMS}:"
            if more
            else f"{len(self.found)} problems; nothing was imported:"
        )
        listed = "\n".join(f"  {problem}" for problem in self.found)
        return ImportFileError(
            self.source,
            f"{heading}\n{listed}",
            line=self.found[0].line,
        )


def _columns(header: list[str], fmt: SourceFormat, source: str) -> list[int]:
    """The position of each of the format's columns in the file, from its header row."""
    names = [h.strip().lower().replace(" ", "_") for h in header]
    unknown = [n for n in names if n not in fmt.names]
    if unknown:
        if set(names).isdisjoint(fmt.names):
            raise ImportFileError(
                source,
                f"the first row must be the header: {','.join(fmt.names)}",
                line=1,
            )
        raise ImportFileError(
            source, f"unknown columns {', '.join(unknown)}; expected {', '.join(fmt.names)}", line=1
        )
    missing = [c.name for c in fmt.columns if c.name not in names]
    if missing:
        raise ImportFileError(source, f"missing columns {', '.join(missing)}", line=1)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ImportFileError(source, f"repeated columns {', '.join(repeated)}", line=1)
    return [names.index(c.name) for c in fmt.columns]


def _parse(
    fmt: SourceFormat,
    positions: list[int],
    fields: list[str],
    line: int,
    problems: _Problems,
) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    ok = True
    column: Column
    for column, position in zip(fmt.columns, positions, strict=True):
        raw = fields[position].strip()
        if not raw:
            if column.required:
                problems.add(line, column.name, "is required")
                ok = False
            values[column.name] = None
            continue
        try:
            values[column.name] = column.parse(raw)
        except ValueError as exc:
            problems.add(line, column.name, str(exc))
            ok = False
    if not ok:
        return None
    if fmt.check is not None:
        try:
            fmt.check(values)
        except RowProblem as problem:
            problems.add(line, problem.column, str(problem))
            return None
    return values


class _Writer:
    """Batches of rows: new ones created by executemany, changed ones written field by field."""

    def __init__(self, session: Session, clock: ServerClock) -> None:
        self.session = session
        self.clock = clock
        self.batch: list[tuple[str, str, dict[str, Any]]] = []
        self.added = self.updated = self.unchanged = 0
        self.analyze_at = FIRST_ANALYZE_AT

    def add(self, record_id: str, scope: str, fields: dict[str, Any]) -> None:
        self.batch.append((record_id, scope, fields))
        if len(self.batch) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        ids = [record_id for record_id, _scope, _fields in self.batch]
        existing: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), LOOKUP_CHUNK):
            found = self.session.execute(
                select(ServerRecord.record_id, ServerRecord.state).where(
                    ServerRecord.record_type == RECORD_TYPE,
                    ServerRecord.record_id.in_(ids[start : start + LOOKUP_CHUNK]),
                )
            )
            existing.update((record_id, state) for record_id, state in found)
        fresh = []
        for record_id, scope, fields in self.batch:
            state = existing.get(record_id)
            if state is None:
                fresh.append((record_id, scope, fields))
                continue
            changed = {
                name: value
                for name, value in fields.items()
                if name not in state or state[name]["value"] != value
            }
            if changed:
                server_write(self.session, RECORD_TYPE, record_id, scope, changed, self.clock)
                self.updated += 1
            else:
                self.unchanged += 1
        self.added += server_create_many(self.session, RECORD_TYPE, fresh, self.clock)
        self.batch.clear()
        if self.added >= self.analyze_at:
            self.analyze_at = 2 * self.added
            refresh_statistics(self.session, ServerRecord.__table__)


def refresh_statistics(session: Session, table: FromClause) -> None:
    """Let PostgreSQL's planner see the rows this transaction has written (SQLite plans by
    its indexes alone and needs nothing)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        name = connection.dialect.identifier_preparer.format_table(table)
        connection.execute(text(f"ANALYZE {name}"))


def import_intelligence(
    session: Session,
    clock: ServerClock,
    path: Path,
    source: str,
    *,
    progress: Progress | None = None,
) -> IntelligenceImportReport:
    """Import one source's CSV; raise :class:`ImportFileError` (nothing to keep) on bad rows."""
    fmt = FORMATS.get(source)
    if fmt is None:
        raise ImportFileError(
            str(path), f"unknown source '{source}'; choose one of {', '.join(FORMATS)}"
        )
    name = str(path)
    rows = csv_rows(text_lines(path), name)
    first = next(rows, None)
    if first is None:
        raise ImportFileError(name, "holds no rows")
    positions = _columns(first[1], fmt, name)
    index = provider_index(session)
    problems = _Problems(name)
    writer = _Writer(session, clock)
    unknown: dict[str, list[int]] = {}  # code → [rows, first line]
    first_line: dict[str, int] = {}
    count = 0
    for line, fields in rows:
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        if len(fields) != len(first[1]):
            problems.add(line, None, f"has {len(fields)} fields; the header has {len(first[1])}")
            continue
        values = _parse(fmt, positions, fields, line, problems)
        if values is None:
            continue
        record_id = natural_id(
            RECORD_TYPE, fmt.source.value, *(str(values[k] or "") for k in fmt.key)
        )
        if record_id in first_line:
            problems.add(line, None, f"repeats the row of line {first_line[record_id]}")
            continue
        first_line[record_id] = line
        provider = index.get(values["ods_code"])
        if provider is None:
            seen = unknown.setdefault(values["ods_code"], [0, line])
            seen[0] += 1
            continue
        if problems.found:
            continue
        fields_out = {"provider_id": provider.record_id, "source": fmt.source.value}
        fields_out.update(fmt.build(values))
        writer.add(record_id, f"provider:{provider.record_id}", fields_out)
    if problems.found:
        raise problems.error()
    writer.flush()
    if progress is not None and count >= PROGRESS_EVERY:
        progress(count)
    return IntelligenceImportReport(
        file=name,
        source=fmt.source.value,
        rows=count,
        added=writer.added,
        updated=writer.updated,
        unchanged=writer.unchanged,
        unknown=tuple(
            UnknownProvider(code, rows_, line_) for code, (rows_, line_) in sorted(unknown.items())
        ),
    )
