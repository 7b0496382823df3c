"""The laptop's side of sync in the store: outbox results, applying pulled pages, cursors, purges.

Pulled changes are merged field by field with the same rule as the server
(:mod:`eqvisit.domain.merge`), so every laptop converges whatever order pages arrive in. A page
and its cursor are written in the caller's one transaction. Conflicts are decided by the server
(it sees every change once) and arrive as ``conflicts`` records like any other.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypedDict, TypeVar, cast

from sqlalchemy import Date, Table, bindparam, delete, func, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from eqvisit.domain.merge import FieldWrite, merge_field
from eqvisit.storage import receipt_blocks
from eqvisit.storage.base import Base
from eqvisit.storage.bulk import InsertPlan, Processor, insert_rows, insert_values, plan_insert
from eqvisit.storage.models import FieldVersion, OutboxChange, OutboxState, SyncCursor
from eqvisit.storage.types import EnumText, UTCDateTime

WHOLE_RECORD = "*"
# Ids per ``IN (…)`` list when a pull page asks which of its records are here: one query per
# few thousand, well inside SQLite's (32,766) and PostgreSQL's (65,535) bind limits.
LOOKUP_CHUNK = 5_000
T = TypeVar("T")


class IncomingChange(TypedDict):
    """A change pulled from the server, in plain values (the wire model stays in ``sync``).

    A mapping, not an object: a pull page's changes arrive as dicts with these keys (and a few
    more, which are ignored), and are applied as they are, with no object built per change.
    """

    change_id: str
    record_type: str
    record_id: str
    scope: str
    fields: Mapping[str, Any]
    hlc: str
    author_id: str | None
    device_id: str


def _models() -> dict[str, type[Base]]:
    return {
        mapper.class_.__tablename__: mapper.class_
        for mapper in Base.registry.mappers
        if "id" in mapper.columns and mapper.class_.__tablename__ not in ("outbox",)
    }


MODELS = _models()
TABLE_ORDER = {table.name: index for index, table in enumerate(Base.metadata.sorted_tables)}


def model_for(record_type: str) -> type[Base] | None:
    return MODELS.get(record_type)


Converter = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _to_datetime(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _to_date(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


@functools.cache
def converters(model: type[Base]) -> dict[str, Converter]:
    """Per column, how a wire value becomes the column's Python value (ISO text → date, enum)."""
    result: dict[str, Converter] = {}
    for column in cast(Table, model.__table__).columns:
        column_type = column.type
        if isinstance(column_type, UTCDateTime):
            result[column.name] = _to_datetime
        elif isinstance(column_type, Date):
            result[column.name] = _to_date
        elif isinstance(column_type, EnumText):
            enum_class: type[StrEnum] = column_type.enum_class
            result[column.name] = enum_class
        else:
            result[column.name] = _same
    return result


@functools.cache
def _converted_columns(model: type[Base]) -> tuple[tuple[str, Converter], ...]:
    """The columns whose wire value is not already the Python value (dates, enums)."""
    return tuple((name, c) for name, c in converters(model).items() if c is not _same)


def from_wire(model: type[Base], name: str, value: Any) -> Any:
    """A wire value as the column's Python type (ISO text → date/datetime, text → enum)."""
    convert = converters(model).get(name)
    if convert is None or value is None:
        return value
    return convert(value)


def pending_changes(session: Session, limit: int) -> Sequence[OutboxChange]:
    return session.scalars(
        select(OutboxChange)
        .where(OutboxChange.state == OutboxState.PENDING)
        .order_by(OutboxChange.seq)
        .limit(limit)
    ).all()


@dataclass(frozen=True)
class PushOutcome:
    change_id: str
    status: str
    server_seq: int | None
    reason: str | None
    restamped_hlc: str | None = None
    rewritten: Mapping[str, Any] | None = None


def record_results(session: Session, results: Iterable[PushOutcome]) -> None:
    """Mark outbox rows accepted (with the server's sequence) or rejected (keeping the reason).

    When the server restamped a change (our clock was far ahead), our field stamps take the
    server's stamp too, so this laptop and the server agree on every field's version. Plain
    answers (all but those) are written by one executemany ``UPDATE`` per status, without
    loading the outbox rows as objects.
    """
    answered = list(results)
    special = [r for r in answered if r.status == "accepted" and (r.restamped_hlc or r.rewritten)]
    outbox = _outbox_by_change_id(session, [result.change_id for result in special])
    for result in special:
        change = outbox.get(result.change_id)
        if change is None:
            continue
        change.state = OutboxState.ACCEPTED
        change.server_seq = result.server_seq
        change.reject_reason = None
        if result.restamped_hlc is not None:
            _restamp(session, change, result.restamped_hlc)
        if result.rewritten:
            _take_server_values(session, change, result.rewritten)
    session.flush()
    table = cast(Table, OutboxChange.__table__)
    by_id = table.c.change_id == bindparam("answered_id")
    accepted = [
        {"answered_id": r.change_id, "answered_seq": r.server_seq}
        for r in answered
        if r.status == "accepted" and not (r.restamped_hlc or r.rewritten)
    ]
    if accepted:
        session.execute(
            update(table)
            .where(by_id)
            .values(
                state=OutboxState.ACCEPTED, server_seq=bindparam("answered_seq"), reject_reason=None
            ),
            accepted,
        )
    rejected = [
        {"answered_id": r.change_id, "answered_reason": r.reason}
        for r in answered
        if r.status != "accepted"
    ]
    if rejected:
        session.execute(
            update(table)
            .where(by_id)
            .values(state=OutboxState.REJECTED, reject_reason=bindparam("answered_reason")),
            rejected,
        )


def _outbox_by_change_id(session: Session, change_ids: Sequence[str]) -> dict[str, OutboxChange]:
    found: dict[str, OutboxChange] = {}
    for chunk in _chunks(change_ids):
        found.update(
            (change.change_id, change)
            for change in session.scalars(
                select(OutboxChange).where(OutboxChange.change_id.in_(chunk))
            )
        )
    return found


def _chunks(items: Sequence[T], size: int = 400) -> Iterator[Sequence[T]]:
    """Slices small enough for one ``IN (…)`` list on every database we run on."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _take_server_values(session: Session, change: OutboxChange, values: Mapping[str, Any]) -> None:
    """The server accepted the change with some values of its own (a renumbered reference)."""
    model = model_for(change.record_type)
    record = session.get(model, change.record_id) if model is not None else None
    if model is None or record is None:
        return
    for name, value in values.items():
        setattr(record, name, from_wire(model, name, value))
    change.fields = {**change.fields, **values}


def _restamp(session: Session, change: OutboxChange, hlc: str) -> None:
    for version in session.scalars(
        select(FieldVersion).where(
            FieldVersion.record_type == change.record_type,
            FieldVersion.record_id == change.record_id,
            FieldVersion.field.in_(list(change.fields)),
            FieldVersion.hlc == change.hlc,
            FieldVersion.device_id == change.device_id,
        )
    ):
        version.hlc = hlc
    change.hlc = hlc


def cursor(session: Session, scope: str) -> int:
    found = session.get(SyncCursor, scope)
    return found.cursor if found is not None else 0


def cursors(session: Session, scopes: Iterable[str] | None = None) -> dict[str, int]:
    """Every scope's cursor, or those of ``scopes`` (scopes never pulled are left out)."""
    query = select(SyncCursor)
    if scopes is not None:
        query = query.where(SyncCursor.scope.in_(sorted(set(scopes))))
    return {row.scope: row.cursor for row in session.scalars(query)}


def set_cursor(session: Session, scope: str, value: int) -> None:
    found = session.get(SyncCursor, scope)
    if found is None:
        session.add(SyncCursor(scope=scope, cursor=value))
    elif value > found.cursor:
        found.cursor = value


def known_scopes(session: Session) -> list[str]:
    return list(session.scalars(select(SyncCursor.scope)))


def apply_page(
    session: Session,
    changes: Sequence[IncomingChange],
    *,
    per_field_versions: bool,
    own_device: str | None = None,
) -> int:
    """Merge pulled changes into the store; return how many changed something.

    Our own accepted changes coming back (from ``own_device``: this laptop; None: look at
    every change) are skipped: this store already holds them (with any
    stamp or value the server gave them, taken from the push answer). New records pulled whole go
    in by Core executemany (one ``*`` version row each unless ``per_field_versions``); anything
    else is merged field by field, with the records and stamps it touches read in bulk.
    """
    echoes = _own_accepted(
        session,
        [c["change_id"] for c in changes if own_device is None or c["device_id"] == own_device],
    )
    theirs = [c for c in changes if c["change_id"] not in echoes] if echoes else changes
    fresh, rest = _split_fresh(theirs, _stamped(session, _ids_by_type(theirs)))
    applied = _insert_fresh(session, fresh, per_field_versions=per_field_versions)
    if rest:
        # Read after the fresh inserts: a record created earlier in this page has stamps now.
        ids = _ids_by_type(rest)
        known = _Known(_records(session, ids), _field_versions(session, ids))
        applied += sum(_merge_change(session, change, known) for change in rest)
    return applied


def _ids_by_type(changes: Sequence[IncomingChange]) -> dict[str, list[str]]:
    ids: dict[str, set[str]] = {}
    for change in changes:
        ids.setdefault(change["record_type"], set()).add(change["record_id"])
    return {record_type: sorted(found) for record_type, found in ids.items()}


def _stamped(session: Session, ids_by_type: Mapping[str, Sequence[str]]) -> set[tuple[str, str]]:
    """Which of these records this store holds stamps for: plain rows, no objects, in lists of
    up to ``LOOKUP_CHUNK`` ids (a pull page of new records finds none)."""
    found: set[tuple[str, str]] = set()
    for record_type, ids in ids_by_type.items():
        for chunk in _chunks(ids, LOOKUP_CHUNK):
            found.update(
                (record_type, record_id)
                for record_id in session.execute(
                    select(FieldVersion.record_id)
                    .where(
                        FieldVersion.record_type == record_type, FieldVersion.record_id.in_(chunk)
                    )
                    .distinct()
                ).scalars()
            )
    return found


def _field_versions(
    session: Session, ids_by_type: Mapping[str, Sequence[str]]
) -> dict[tuple[str, str], dict[str, FieldVersion]]:
    """The stamps this store holds for these records, by record and field (one read per
    record type and few hundred ids: a single-column ``IN`` on the primary key's prefix)."""
    versions: dict[tuple[str, str], dict[str, FieldVersion]] = {}
    for record_type, ids in ids_by_type.items():
        for chunk in _chunks(ids):
            for version in session.scalars(
                select(FieldVersion).where(
                    FieldVersion.record_type == record_type, FieldVersion.record_id.in_(chunk)
                )
            ):
                versions.setdefault((record_type, version.record_id), {})[version.field] = version
    return versions


def _records(
    session: Session, ids_by_type: Mapping[str, Sequence[str]]
) -> dict[tuple[str, str], Base]:
    records: dict[tuple[str, str], Base] = {}
    for record_type, ids in ids_by_type.items():
        model = model_for(record_type)
        if model is None:
            continue
        id_column = cast(Table, model.__table__).c.id
        for chunk in _chunks(ids):
            records.update(
                ((record_type, record.id), record)  # type: ignore[attr-defined]
                for record in session.scalars(select(model).where(id_column.in_(chunk)))
            )
    return records


def _own_accepted(session: Session, change_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(change_ids):
        found.update(
            session.scalars(
                select(OutboxChange.change_id).where(
                    OutboxChange.change_id.in_(chunk), OutboxChange.state == OutboxState.ACCEPTED
                )
            )
        )
    return found


def _split_fresh(
    changes: Sequence[IncomingChange], stamped: set[tuple[str, str]]
) -> tuple[list[IncomingChange], list[IncomingChange]]:
    """Changes that create a record this store has never seen (no stamps, and not touched
    earlier in the page) naming every column it needs, and all the others."""
    fresh: list[IncomingChange] = []
    rest: list[IncomingChange] = []
    seen = set(stamped)
    for change in changes:
        key = (change["record_type"], change["record_id"])
        required = _REQUIRED.get(key[0])
        if key in seen or required is None or not required <= change["fields"].keys():
            rest.append(change)
        else:
            fresh.append(change)
        seen.add(key)
    return fresh, rest


def _required_columns(model: type[Base]) -> frozenset[str]:
    """The columns a change must name for its record to be inserted whole."""
    table = cast(Table, model.__table__)
    return frozenset(
        c.name
        for c in table.columns
        if not c.nullable and c.default is None and c.server_default is None and not c.primary_key
    )


_REQUIRED = {name: _required_columns(model) for name, model in MODELS.items()}


def _insert_fresh(
    session: Session, fresh: Sequence[IncomingChange], *, per_field_versions: bool
) -> int:
    """Insert whole new records, each row's values built in one pass (:class:`_FreshRows`),
    and their stamps: one ``*`` row per record, or one per field with ``per_field_versions``."""
    if not fresh:
        return 0
    dialect = session.get_bind().dialect
    by_shape: dict[tuple[str, tuple[str, ...]], list[IncomingChange]] = {}
    for change in fresh:
        by_shape.setdefault((change["record_type"], tuple(change["fields"])), []).append(change)
    # Parents before children, whatever order the page listed them in.
    for record_type, names in sorted(by_shape, key=lambda shape: TABLE_ORDER[shape[0]]):
        group = by_shape[record_type, names]
        rows = _fresh_rows(MODELS[record_type], names, dialect)
        if rows.plan.complete:
            insert_values(session, rows.plan, [rows.build(change) for change in group])
        else:
            insert_rows(session, rows.plan.table, [rows.mapping(change) for change in group])
    versions = _version_plan(dialect)
    whole = (WHOLE_RECORD,)
    insert_values(
        session,
        versions.plan,
        [
            versions.build(change, name)
            for change in fresh
            for name in (change["fields"] if per_field_versions else whole)
        ],
    )
    return len(fresh)


@dataclass(frozen=True)
class _FreshRows:
    """How one shape of change (a record type and its field names, in order) becomes insert
    rows: each wire value through its column's conversion (:func:`wire_to_db`), in the
    compiled insert's column order."""

    plan: InsertPlan
    names: tuple[str, ...]  # the change's fields that are columns
    pick: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    id_at: int
    convert: tuple[tuple[int, Converter], ...]
    wire: tuple[tuple[str, Converter], ...]

    def build(self, change: IncomingChange) -> tuple[Any, ...]:
        row = list(self.pick(change["fields"]))
        row.insert(self.id_at, change["record_id"])
        for index, convert in self.convert:
            row[index] = convert(row[index])
        return tuple(row)

    def mapping(self, change: IncomingChange) -> dict[str, Any]:
        """The row as Python values by column, for SQLAlchemy's own insert."""
        fields = change["fields"]
        row = {name: fields[name] for name in self.names}
        for name, to_python in self.wire:
            if row.get(name) is not None:
                row[name] = to_python(row[name])
        row["id"] = change["record_id"]
        return row


@functools.cache
def _fresh_rows(model: type[Base], field_names: tuple[str, ...], dialect: Dialect) -> _FreshRows:
    table = cast(Table, model.__table__)
    names = tuple(name for name in field_names if name in table.c and name != "id")
    plan = plan_insert(table, (*names, "id"), dialect)
    picked = [name for name in plan.order if name != "id"]
    getter = operator.itemgetter(*picked) if picked else (lambda _fields: ())
    pick = getter if len(picked) != 1 else (lambda fields: (getter(fields),))
    convert = tuple(
        (index, found)
        for index, name in enumerate(plan.order)
        if name != "id"
        and (found := wire_to_db(model, name, plan.processors[index], dialect)) is not None
    )
    wire = tuple((n, c) for n, c in _converted_columns(model) if n in names)
    return _FreshRows(plan, names, pick, plan.order.index("id"), convert, wire)


@dataclass(frozen=True)
class _VersionRows:
    plan: InsertPlan
    build: Callable[[IncomingChange, str], tuple[Any, ...]]


VERSION_COLUMNS = ("record_type", "record_id", "field", "hlc", "device_id", "author_id", "scope")


@functools.cache
def _version_plan(dialect: Dialect) -> _VersionRows:
    plan = plan_insert(cast(Table, FieldVersion.__table__), VERSION_COLUMNS, dialect)
    if any(plan.processors) or not plan.complete:
        raise RuntimeError("field_versions gained a column type that needs converting")
    position = {name: VERSION_COLUMNS.index(name) for name in plan.order}
    reorder = operator.itemgetter(*(position[name] for name in plan.order))

    def build(change: IncomingChange, field: str) -> tuple[Any, ...]:
        values = (
            change["record_type"],
            change["record_id"],
            field,
            change["hlc"],
            change["device_id"],
            change["author_id"],
            change["scope"],
        )
        return values if plan.order == VERSION_COLUMNS else reorder(values)

    return _VersionRows(plan, build)


def wire_to_db(
    model: type[Base], name: str, process: Processor, dialect: Dialect
) -> Converter | None:
    """One function from a column's wire value to what its insert binds (the wire conversion
    of :func:`from_wire`, then the column type's bind processor), or None when the wire value
    is bound as it is. Enum text and UTC timestamps (every pulled record has two) take a short
    cut that gives the same result; ``tests/storage/test_bulk.py`` checks that it does."""
    column_type = cast(Table, model.__table__).c[name].type
    to_python = converters(model)[name]
    if isinstance(column_type, EnumText):
        return _enum_text(column_type.enum_class, process)
    if isinstance(column_type, UTCDateTime) and dialect.name == "sqlite" and process is not None:
        return _sqlite_utc_text(process)
    if to_python is _same:
        return process
    if process is None:
        return lambda value: None if value is None else to_python(value)
    return lambda value: process(None if value is None else to_python(value))


def _enum_text(enum_class: type[StrEnum], process: Processor) -> Converter:
    values = frozenset(member.value for member in enum_class)

    def convert(value: Any) -> Any:
        if value is None or (type(value) is str and value in values):
            return value
        python = enum_class(value)
        return process(python) if process is not None else python.value

    return convert


SQLITE_UTC_LENGTH = len("2025-03-01T09:30:00.000000+00:00")


def _sqlite_utc_text(process: Callable[[Any], Any]) -> Converter:
    """ISO text with microseconds at +00:00 (how every laptop and the server write times) as
    SQLite's DATETIME text, by slicing once it has parsed; anything else the long way."""

    def convert(value: Any) -> Any:
        if value is None:
            return process(None)
        if (
            type(value) is str
            and len(value) == SQLITE_UTC_LENGTH
            and value[10] == "T"
            and value[19] == "."
            and value.endswith("+00:00")
        ):
            datetime.fromisoformat(value)  # a malformed time fails here, as the long way would
            return f"{value[:10]} {value[11:26]}"
        return process(_to_datetime(value))

    return convert


@dataclass
class _Known:
    """The records and field stamps a page's merges touch, read in a few queries up front."""

    records: dict[tuple[str, str], Base]
    versions: dict[tuple[str, str], dict[str, FieldVersion]]


def _merge_change(session: Session, change: IncomingChange, known: _Known) -> int:
    record_type, record_id = change["record_type"], change["record_id"]
    model = model_for(record_type)
    if model is None:
        return 0
    key = (record_type, record_id)
    record = known.records.get(key)
    versions = known.versions.setdefault(key, {})
    whole = versions.get(WHOLE_RECORD)
    columns = cast(Table, model.__table__).columns
    to_set: dict[str, Any] = {}
    hlc, device_id, author_id = change["hlc"], change["device_id"], change["author_id"]
    for name, value in change["fields"].items():
        if name not in columns or name == "id":
            continue
        version = versions.get(name) or whole
        current = (
            FieldWrite(
                getattr(record, name, None),
                version.hlc,
                version.device_id,
                version.author_id,
                None,
                "",
            )
            if version is not None and record is not None
            else None
        )
        incoming = FieldWrite(value, hlc, device_id, author_id, None, change["change_id"])
        if not merge_field(current, incoming).changed:
            continue
        to_set[name] = from_wire(model, name, value)
        stamp = versions.get(name)
        if stamp is None:
            stamp = FieldVersion(record_type=record_type, record_id=record_id, field=name)
            session.add(stamp)
            versions[name] = stamp
        stamp.hlc, stamp.device_id, stamp.author_id = hlc, device_id, author_id
        stamp.scope = change["scope"]
    if not to_set:
        return 0
    if record is None:
        record = model(id=record_id, **to_set)
        session.add(record)
        known.records[key] = record
        # Inserted now, so a child later in the page finds its parent (foreign keys are on).
        session.flush()
    else:
        for name, value in to_set.items():
            setattr(record, name, value)
    return 1


def pending_in_scope(session: Session, scope: str) -> int:
    return len(
        session.scalars(
            select(OutboxChange.seq).where(
                OutboxChange.scope == scope, OutboxChange.state != OutboxState.ACCEPTED
            )
        ).all()
    )


def unsent_count(session: Session) -> int:
    """Changes of this laptop the server has not accepted (pending or refused)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OutboxChange)
            .where(OutboxChange.state != OutboxState.ACCEPTED)
        )
        or 0
    )


def purge_scope(session: Session, scope: str) -> bool:
    """Remove a scope's records from this laptop once nothing of it is unsent; True if purged."""
    if pending_in_scope(session, scope):
        return False
    keys = session.execute(
        select(FieldVersion.record_type, FieldVersion.record_id)
        .where(FieldVersion.scope == scope)
        .distinct()
    ).all()
    # Children before parents: delete in the reverse of the models' dependency order.
    order = [table.name for table in reversed(Base.metadata.sorted_tables)]
    for table_name in order:
        model = MODELS.get(table_name)
        ids = [record_id for record_type, record_id in keys if record_type == table_name]
        if model is None or not ids:
            continue
        table = cast(Table, model.__table__)
        for chunk in _chunks(ids):
            session.execute(delete(table).where(table.c.id.in_(chunk)))
    session.execute(delete(FieldVersion).where(FieldVersion.scope == scope))
    # Accepted changes of the scope go too: if it is granted again, its records come back from
    # the server, our own included (an accepted change still listed here would be skipped).
    session.execute(
        delete(OutboxChange).where(
            OutboxChange.scope == scope, OutboxChange.state == OutboxState.ACCEPTED
        )
    )
    session.execute(delete(SyncCursor).where(SyncCursor.scope == scope))
    receipt_blocks.forget_scope(session, scope)
    return True
