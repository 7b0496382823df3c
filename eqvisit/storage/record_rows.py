"""Pulled records as insert rows: each wire value through its column's conversion, in the order
of a compiled insert, built in one pass per record.

Used for whole records arriving from the central store, in visit scopes
(:mod:`eqvisit.storage.pulled_pages`) and in the scopes it owns (:mod:`eqvisit.storage.feed_pages`).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import JSON, Table
from sqlalchemy.engine import Dialect

from eqvisit.storage.base import Base
from eqvisit.storage.bulk import InsertPlan, plan_insert
from eqvisit.storage.wire_values import MODELS, Converter, converted_columns, wire_to_db


@dataclass(frozen=True)
class RecordRows:
    """How one shape of change (a record type and its field names, in order) becomes insert
    rows: each wire value through its column's conversion (:func:`wire_to_db`), in the
    compiled insert's column order. ``plan.complete`` and ``whole`` say whether such rows can
    be inserted as they are (no Python defaults left out, every required column named)."""

    model: type[Base]
    plan: InsertPlan
    names: tuple[str, ...]  # the change's fields that are columns
    whole: bool
    pick: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    id_at: int
    convert: tuple[tuple[int, Converter], ...]
    wire: tuple[tuple[str, Converter], ...]
    convert_for_json: tuple[tuple[int, Converter], ...]  # ``convert`` but JSON columns

    def build(self, record_id: str, fields: Mapping[str, Any]) -> tuple[Any, ...]:
        """The insert row of a record with these fields; ValueError on a value its column
        cannot hold (an unknown enum value, a malformed time)."""
        return self._converted(record_id, fields, self.convert)

    def build_for_json(self, record_id: str, fields: Mapping[str, Any]) -> tuple[Any, ...]:
        """The row for :func:`~eqvisit.storage.bulk.insert_json`: as :meth:`build`, but a JSON
        column's value left as the JSON it is (the insert writes its text)."""
        return self._converted(record_id, fields, self.convert_for_json)

    def rows_for_json(
        self, ids: Sequence[str], fields: Sequence[Mapping[str, Any]]
    ) -> list[tuple[Any, ...]]:
        """:meth:`build_for_json` of many records at once, column by column: each column one
        ``map`` over the records, and each distinct value of a converted column (an enum, a
        time: an import stamps thousands of records alike) converted once, so there is no
        Python code per value. A value a column cannot hold raises ValueError
        (:meth:`build_for_json` says which record)."""
        conversions = dict(self.convert_for_json)
        columns: list[Sequence[Any]] = []
        for index, name in enumerate(self.plan.order):
            if index == self.id_at:
                columns.append(ids)
                continue
            values = list(map(operator.itemgetter(name), fields))
            convert = conversions.get(index)
            if convert is not None:
                converted = {value: convert(value) for value in set(values)}
                values = list(map(converted.__getitem__, values))
            columns.append(values)
        return list(zip(*columns, strict=True))

    def _converted(
        self,
        record_id: str,
        fields: Mapping[str, Any],
        conversions: tuple[tuple[int, Converter], ...],
    ) -> tuple[Any, ...]:
        row = list(self.pick(fields))
        row.insert(self.id_at, record_id)
        for index, convert in conversions:
            row[index] = convert(row[index])
        return tuple(row)

    def mapping(self, record_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The row as Python values by column, for SQLAlchemy's own insert."""
        row = {name: fields[name] for name in self.names}
        for name, to_python in self.wire:
            if row.get(name) is not None:
                row[name] = to_python(row[name])
        row["id"] = record_id
        return row


@functools.cache
def record_rows(record_type: str, field_names: tuple[str, ...], dialect: Dialect) -> RecordRows:
    """The rows of ``record_type`` records written with ``field_names`` (cached per shape)."""
    model = MODELS[record_type]
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
    wire = tuple((n, c) for n, c in converted_columns(model) if n in names)
    whole = REQUIRED[record_type] <= frozenset(names)
    for_json = tuple(c for c in convert if not isinstance(table.c[plan.order[c[0]]].type, JSON))
    return RecordRows(
        model, plan, names, whole, pick, plan.order.index("id"), convert, wire, for_json
    )


def _required_columns(model: type[Base]) -> frozenset[str]:
    """The columns a change must name for its record to be inserted whole."""
    table = cast(Table, model.__table__)
    return frozenset(
        c.name
        for c in table.columns
        if not c.nullable and c.default is None and c.server_default is None and not c.primary_key
    )


REQUIRED = {name: _required_columns(model) for name, model in MODELS.items()}
