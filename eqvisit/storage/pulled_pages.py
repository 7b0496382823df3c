"""Applying a pulled page of a visit scope to the store: new records inserted whole in bulk,
everything else merged field by field.

Pulled changes are merged with the same rule as the server (:mod:`eqvisit.domain.merge`), so every
laptop converges whatever order pages arrive in. A page and its cursor are written in the caller's
one transaction (:mod:`eqvisit.storage.sync_state` keeps the cursors). Conflicts are decided by
the server (it sees every change once) and arrive as ``conflicts`` records like any other. The
scopes the central store owns need no merge and no stamps: :mod:`eqvisit.storage.feed_pages`.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from sqlalchemy import Table, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from eqvisit.domain.merge import FieldWrite, merge_field
from eqvisit.storage.base import Base
from eqvisit.storage.bulk import InsertPlan, chunks, insert_rows, insert_values, plan_insert
from eqvisit.storage.models import FieldVersion, OutboxChange, OutboxState
from eqvisit.storage.record_rows import REQUIRED, record_rows
from eqvisit.storage.wire_values import TABLE_ORDER, from_wire, model_for

# Ids per ``IN (…)`` list when a pull page asks which of its records are here: one query per
# few thousand, well inside SQLite's (32,766) and PostgreSQL's (65,535) bind limits.
LOOKUP_CHUNK = 5_000


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


def apply_page(
    session: Session,
    changes: Sequence[IncomingChange],
    *,
    own_device: str | None = None,
) -> int:
    """Merge pulled changes into the store; return how many changed something.

    Our own accepted changes coming back (from ``own_device``: this laptop; None: look at
    every change) are skipped: this store already holds them (with any
    stamp or value the server gave them, taken from the push answer). New records pulled whole go
    in by Core executemany with their stamps; anything else is merged field by field, with the
    records and stamps it touches read in bulk.
    """
    echoes = _own_accepted(
        session,
        [c["change_id"] for c in changes if own_device is None or c["device_id"] == own_device],
    )
    theirs = [c for c in changes if c["change_id"] not in echoes] if echoes else changes
    fresh, rest = _split_fresh(theirs, _stamped(session, _ids_by_type(theirs)))
    applied = _insert_fresh(session, fresh)
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
        for chunk in chunks(ids, LOOKUP_CHUNK):
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
        for chunk in chunks(ids):
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
        for chunk in chunks(ids):
            records.update(
                ((record_type, record.id), record)  # type: ignore[attr-defined]
                for record in session.scalars(select(model).where(id_column.in_(chunk)))
            )
    return records


def _own_accepted(session: Session, change_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(change_ids):
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
        required = REQUIRED.get(key[0])
        if key in seen or required is None or not required <= change["fields"].keys():
            rest.append(change)
        else:
            fresh.append(change)
        seen.add(key)
    return fresh, rest


def _insert_fresh(session: Session, fresh: Sequence[IncomingChange]) -> int:
    """Insert whole new records, each row's values built in one pass
    (:func:`~eqvisit.storage.record_rows.record_rows`), and one stamp per field."""
    if not fresh:
        return 0
    dialect = session.get_bind().dialect
    by_shape: dict[tuple[str, tuple[str, ...]], list[IncomingChange]] = {}
    for change in fresh:
        by_shape.setdefault((change["record_type"], tuple(change["fields"])), []).append(change)
    # Parents before children, whatever order the page listed them in.
    for record_type, names in sorted(by_shape, key=lambda shape: TABLE_ORDER[shape[0]]):
        group = by_shape[record_type, names]
        rows = record_rows(record_type, names, dialect)
        if rows.plan.complete:
            insert_values(
                session, rows.plan, [rows.build(c["record_id"], c["fields"]) for c in group]
            )
        else:
            insert_rows(
                session, rows.plan.table, [rows.mapping(c["record_id"], c["fields"]) for c in group]
            )
    versions = _version_plan(dialect)
    insert_values(
        session,
        versions.plan,
        [versions.build(change, name) for change in fresh for name in change["fields"]],
    )
    return len(fresh)


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
    columns = cast(Table, model.__table__).columns
    to_set: dict[str, Any] = {}
    hlc, device_id, author_id = change["hlc"], change["device_id"], change["author_id"]
    for name, value in change["fields"].items():
        if name not in columns or name == "id":
            continue
        version = versions.get(name)
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
