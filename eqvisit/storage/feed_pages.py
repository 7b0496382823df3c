"""Applying feed pages: the scopes the central store owns (reference data, provider
intelligence), whose changes the laptop applies in log order, with no stamps and no merge.

The central store orders every write to these scopes (``eqvisit.domain.scopes``), so each field
of each change took effect there, in log order, and the laptop holds what the store holds by
writing the changes as they come. Laptops never write these scopes.

A page is applied in two steps, so the work that is Python can run beside the work that is SQLite:

1. :func:`prepare`, on a helper thread: consecutive changes of one record type naming the same
   fields become one *run*, each change one insert row (every value through its column's
   conversion, which also refuses a value the column cannot hold), the run's rows one JSON array;
2. :func:`apply`, in the sync's transaction: each run in page order, as one statement
   (:func:`~eqvisit.storage.bulk.insert_json`, which SQLite runs without the interpreter's lock).
   A run whose rows name every column a new record needs is inserted as it is, and if one of its
   records is here already, upserted instead (the named columns of a record that is here are
   overwritten, the others kept); any other run goes change by change through the ORM, which
   fills in defaults for a record created without them.
"""

from __future__ import annotations

from collections.abc import KeysView, Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson
from sqlalchemy import Table, delete, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eqvisit.domain.scopes import scope_id, scope_kind
from eqvisit.errors import SyncError
from eqvisit.storage.bulk import insert_json, plan_json_insert
from eqvisit.storage.record_rows import RecordRows, record_rows
from eqvisit.storage.wire_values import MODELS, from_wire

# What a column's conversion raises for a value it cannot hold (text for a number, an object for
# a time, an unknown enum value).
_UNFIT = (ValueError, TypeError, AttributeError)

# Where each kind of owned scope keeps its records on the laptop, to purge a scope no longer
# granted (the reference scope is granted to everyone, always).
SCOPE_TABLES = {"provider": (("intelligence_items", "provider_id"),)}


@dataclass
class _Run:
    """Consecutive changes of one record type naming the same fields, ready to write."""

    shape: RecordRows
    first: int  # the position of its first change in the page, for messages
    ids: list[str]
    fields: list[dict[str, Any]]
    # When ``shape`` can be inserted whole: its rows as one JSON array (bulk.insert_json), and
    # ``fields`` emptied (they are in the rows); otherwise None, and the run goes change by change.
    rows: bytes | None = None

    @property
    def record_type(self) -> str:
        return cast(Table, self.shape.model.__table__).name


@dataclass(frozen=True)
class PreparedPage:
    """A feed page as runs of insert rows (:func:`prepare`), for :func:`apply`."""

    scope: str
    runs: tuple[_Run, ...]
    changes: int


def prepare(scope: str, changes: Sequence[Sequence[Any]], dialect: Dialect) -> PreparedPage:
    """Group a feed page's ``[record type, record id, fields]`` changes into runs and build
    each run's rows. Touches no database, so it runs on the fetching thread. A record type this
    laptop does not keep is skipped (a newer central store's); a value a column cannot hold is
    a :class:`~eqvisit.errors.SyncError` naming the change and the field."""
    runs: list[_Run] = []
    run_type: str | None = None
    run_names: KeysView[str] | None = None
    for index, (record_type, record_id, fields) in enumerate(changes):
        if record_type not in MODELS:
            continue
        if record_type != run_type or fields.keys() != run_names:  # the same set of names
            run_type, run_names = record_type, fields.keys()
            runs.append(_Run(record_rows(record_type, tuple(fields), dialect), index, [], []))
        run = runs[-1]
        run.ids.append(record_id)
        run.fields.append(fields)
    ready = [_one_per_record(run) for run in runs]
    for run in ready:
        if run.shape.whole and run.shape.plan.complete:
            run.rows = orjson.dumps(_rows(scope, run))
            run.fields = []
    return PreparedPage(scope, tuple(ready), len(changes))


def apply(session: Session, page: PreparedPage) -> int:
    """Write a prepared page's runs in page order in the session's transaction; return how
    many changes were written."""
    written = 0
    for run in page.runs:
        if run.rows is not None:
            _write_whole(session, page.scope, run.rows, run)
        else:
            _write_each(session, page.scope, run)
        written += len(run.ids)
    return written


def purge(session: Session, scope: str) -> None:
    """Remove the records of an owned scope no longer granted (see :data:`SCOPE_TABLES`)."""
    key = scope_id(scope)
    for table_name, column in SCOPE_TABLES.get(scope_kind(scope), ()):
        table = cast(Table, MODELS[table_name].__table__)
        session.execute(delete(table).where(table.c[column] == key))


def _rows(scope: str, run: _Run) -> list[tuple[Any, ...]]:
    """The run's insert rows, built column by column; a value a column cannot hold is refused
    naming its record (found by building the rows one by one again)."""
    try:
        return run.shape.rows_for_json(run.ids, run.fields)
    except _UNFIT:
        for offset, (record_id, fields) in enumerate(zip(run.ids, run.fields, strict=True)):
            try:
                run.shape.build_for_json(record_id, fields)
            except _UNFIT as exc:
                raise _refused(scope, run.first + offset, run.record_type, record_id, exc) from exc
        raise


def _one_per_record(run: _Run) -> _Run:
    """The run with each record once, at its last change: the run's changes all name the same
    fields, so the last one's values are what writing them all in order would leave."""
    if len(set(run.ids)) == len(run.ids):
        return run
    last = {record_id: position for position, record_id in enumerate(run.ids)}
    kept = sorted(last.values())
    return _Run(run.shape, run.first, [run.ids[i] for i in kept], [run.fields[i] for i in kept])


def _write_whole(session: Session, scope: str, rows: bytes, run: _Run) -> None:
    """Insert the run's rows; if a record of the run is here already, upsert them instead."""
    table, order = run.shape.plan.table, run.shape.plan.order
    dialect = session.get_bind().dialect
    try:
        with session.begin_nested():
            insert_json(session, plan_json_insert(table, order, dialect), rows, len(run.ids))
        return
    except IntegrityError:
        pass  # a record of the run is here already (or the run is wrong: the upsert will say)
    upsert = plan_json_insert(table, order, dialect, upsert=True)
    try:
        with session.begin_nested():
            insert_json(session, upsert, rows, len(run.ids))
    except IntegrityError as exc:
        raise SyncError(
            f"{len(run.ids)} {run.record_type} records of {scope} (from change {run.first} of a "
            f"page) cannot be stored on this laptop: {exc.orig}"
        ) from exc


def _write_each(session: Session, scope: str, run: _Run) -> None:
    """A run that leaves out columns a new record needs (or whose defaults are Python's): change
    by change through the ORM, which fills those in for a record created here."""
    model = run.shape.model
    table = cast(Table, model.__table__)
    for offset, (record_id, fields) in enumerate(zip(run.ids, run.fields, strict=True)):
        try:
            values = {name: from_wire(model, name, fields[name]) for name in run.shape.names}
        except _UNFIT as exc:
            raise _refused(scope, run.first + offset, run.record_type, record_id, exc) from exc
        try:
            if session.scalar(select(table.c.id).where(table.c.id == record_id)) is None:
                session.add(model(id=record_id, **values))
                session.flush()  # in page order: a later change may refer to this record
            elif values:
                _update(session, table, record_id, values)
        except IntegrityError as exc:
            raise _refused(scope, run.first + offset, run.record_type, record_id, exc.orig) from exc


def _update(session: Session, table: Table, record_id: str, values: dict[str, Any]) -> None:
    """Set these columns of a record and no other: a column SQLAlchemy would stamp on update
    (``updated_at``) keeps the store's value unless the change names it."""
    kept = {c.name: c for c in table.columns if c.onupdate is not None and c.name not in values}
    session.execute(update(table).where(table.c.id == record_id).values(**values, **kept))


def _refused(scope: str, index: int, record_type: str, record_id: str, exc: object) -> SyncError:
    return SyncError(
        f"The central store sent a {record_type} record ({record_id}, change {index} of a page "
        f"of {scope}) that this laptop cannot store: {exc}"
    )
