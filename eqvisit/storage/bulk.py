"""Fast multi-row inserts: one compiled statement, values through each column's bind processor,
then the driver's ``executemany``.

SQLAlchemy's own executemany builds a parameter dict per row through its general machinery,
which costs more than SQLite's insert itself at a million rows. Here the statement is still
compiled by SQLAlchemy from the table's metadata (no SQL text of ours, values always bound) and
each value still goes through the column type's own bind processor, so what lands in the
database is exactly what ``session.execute(insert(table), rows)`` would have written.

On PostgreSQL the processed values go through ``COPY … FROM STDIN`` (psycopg's row writer, which
adapts each value as its executemany would): an import writes two rows per intelligence row,
and COPY took it from 0.19× to above the speed of psycopg's bare executemany of the same rows.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Connection,
    Insert,
    Table,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any] | None
T = TypeVar("T")


@functools.cache
def _prepared(
    table: Table, names: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[str, ...], tuple[Processor, ...]]:
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    order = tuple(compiled.positiontup or ()) if compiled.positional else names
    processors = tuple(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
    )
    return str(compiled), order, processors


@dataclass(frozen=True)
class InsertPlan:
    """A compiled insert of ``order``'s columns, for rows built by the caller as sequences in
    that order with each value already through its ``processors`` entry (where not None).

    ``complete`` is False when the table has Python-side defaults for columns the rows leave
    out: such rows must go through :func:`insert_rows`, which lets SQLAlchemy fill them in.
    """

    table: Table
    sql: str
    order: tuple[str, ...]
    processors: tuple[Processor, ...]
    complete: bool


@functools.cache
def plan_insert(table: Table, names: tuple[str, ...], dialect: Dialect) -> InsertPlan:
    """How rows naming ``names`` are inserted into ``table`` on ``dialect`` (cached)."""
    sql, order, processors = _prepared(table, names, dialect)
    complete = (
        len(order) == len(names)
        and not _python_defaults(table, names)
        and (dialect.positional or dialect.driver == "psycopg")
    )
    return InsertPlan(table, sql, order, processors, complete)


def insert_values(session: Session, plan: InsertPlan, values: Sequence[Sequence[Any]]) -> None:
    """Insert rows already built for ``plan`` (see :class:`InsertPlan`) in the session's
    transaction: what :func:`insert_rows` does after its per-row work, for callers that build
    each row's values in one pass of their own."""
    if not values:
        return
    if not plan.complete:
        raise ValueError("this insert leaves columns to Python defaults: use insert_rows")
    session.flush()
    connection = session.connection()
    if connection.dialect.driver == "psycopg":
        _copy(connection, plan.table, plan.order, values)
    else:
        connection.exec_driver_sql(plan.sql, list(values))


@dataclass(frozen=True)
class JsonInsertPlan:
    """An insert of ``order``'s columns from one JSON array of rows (SQLite only): each row an
    array of values in ``order``, each value already what the column binds, except that a JSON
    column's value is the JSON itself (written as its compact text).

    One statement per batch, so SQLite reads and inserts every row in C, without the driver
    binding each row's values and without the interpreter's lock: the thread that built the
    rows goes on working while this one inserts (``executemany`` takes the lock back for every
    row and stalled behind it). ``upsert``: a row whose ``id`` the table holds updates that
    record's named columns instead.
    """

    table: Table
    sql: str
    order: tuple[str, ...]


@functools.cache
def plan_json_insert(
    table: Table, order: tuple[str, ...], dialect: Dialect, *, upsert: bool = False
) -> JsonInsertPlan:
    """How JSON arrays of rows in ``order`` are inserted into ``table`` (cached)."""
    if dialect.name != "sqlite":
        raise ValueError("JSON batch inserts are planned for the laptop's SQLite store only")
    json_columns = frozenset(name for name in order if isinstance(table.c[name].type, JSON))
    rows = func.jsonb_each(func.jsonb(bindparam("rows"))).table_valued("value").alias("fed")
    values = select(
        *(
            rows.c.value.op("->" if name in json_columns else "->>")(literal_column(str(index)))
            for index, name in enumerate(order)
        )
    ).where(true())  # SQLite needs a WHERE before ON CONFLICT (its parsing ambiguity)
    statement: Insert = insert(table).from_select(list(order), values)
    if upsert:
        from sqlalchemy.dialects import sqlite

        upserting = sqlite.insert(table).from_select(list(order), values)
        statement = upserting.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={name: upserting.excluded[name] for name in order if name != "id"},
        )
    compiled = statement.compile(dialect=dialect)
    if list(compiled.positiontup or ()) != ["rows"]:
        raise ValueError(f"a JSON insert into {table.name} must name every column it fills")
    return JsonInsertPlan(table, str(compiled), order)


def insert_json(session: Session, plan: JsonInsertPlan, rows: bytes, count: int) -> None:
    """Insert ``count`` rows given as one JSON array (see :class:`JsonInsertPlan`)."""
    session.flush()
    result = session.connection().exec_driver_sql(plan.sql, (rows,))
    if result.rowcount != count:
        raise ValueError(f"{result.rowcount} of {count} rows went into {plan.table.name}")


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each naming the same columns) in the session's transaction."""
    if not rows:
        return
    session.flush()  # objects added to the session first, as parents of these rows may be
    connection = session.connection()
    names = tuple(rows[0])
    sql, order, processors = _prepared(table, names, connection.dialect)
    if connection.dialect.driver == "psycopg" and not _python_defaults(table, names):
        _copy(connection, table, order, _processed(rows, order, processors))
        return
    if not connection.dialect.positional or len(order) != len(rows[0]):
        # Columns the rows leave to their defaults: SQLAlchemy's own path fills those in.
        connection.execute(insert(table), list(rows))
        return
    connection.exec_driver_sql(sql, _processed(rows, order, processors))


def _processed(
    rows: Sequence[Mapping[str, Any]], order: tuple[str, ...], processors: tuple[Processor, ...]
) -> list[tuple[Any, ...]]:
    pick = operator.itemgetter(*order)
    processed = [(index, process) for index, process in enumerate(processors) if process]
    values: list[tuple[Any, ...]] = []
    for row in rows:
        picked = pick(row)
        value_list = list(picked) if len(order) > 1 else [picked]
        for index, process in processed:
            # None too: a JSON column writes it as JSON null, as SQLAlchemy itself would.
            value_list[index] = process(value_list[index])
        values.append(tuple(value_list))
    return values


@functools.cache
def _python_defaults(table: Table, names: tuple[str, ...]) -> bool:
    """Whether a column the rows leave out gets its default from SQLAlchemy, which COPY skips
    (columns with a database default, such as a sequence, get it from the database)."""
    return any(c.default is not None for c in table.columns if c.name not in names)


def _copy(
    connection: Connection, table: Table, order: tuple[str, ...], values: Sequence[Sequence[Any]]
) -> None:
    from psycopg import sql  # the driver is only imported where it is the one in use

    target = sql.Identifier(*((table.schema,) if table.schema else ()), table.name)
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in order)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(target, columns)
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None
    with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in values:
            copy.write_row(row)


def chunks(items: Sequence[T], size: int = 400) -> Iterator[Sequence[T]]:
    """Slices small enough for one ``IN (…)`` list on every database we run on."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
