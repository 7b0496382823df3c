"""What a value on the wire is in this store: the models by record type, and per column how a
wire value (JSON: ISO text for times and dates, text for enums) becomes the column's Python value
or, for bulk inserts, what the column's insert binds."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Date, Table
from sqlalchemy.engine import Dialect

import eqvisit.storage.models  # noqa: F401 every model is mapped before MODELS is read
from eqvisit.storage.base import Base
from eqvisit.storage.bulk import Processor
from eqvisit.storage.types import EnumText, UTCDateTime


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
def converted_columns(model: type[Base]) -> tuple[tuple[str, Converter], ...]:
    """The columns whose wire value is not already the Python value (dates, enums)."""
    return tuple((name, c) for name, c in converters(model).items() if c is not _same)


def from_wire(model: type[Base], name: str, value: Any) -> Any:
    """A wire value as the column's Python type (ISO text → date/datetime, text → enum)."""
    convert = converters(model).get(name)
    if convert is None or value is None:
        return value
    return convert(value)


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
    SQLite's DATETIME text, by slicing once it has parsed; anything else the long way. The
    texts of recent values are kept: an import stamps thousands of records with one time."""

    @functools.lru_cache(maxsize=1024)
    def canonical(value: str) -> str:
        datetime.fromisoformat(value)  # a malformed time fails here, as the long way would
        return f"{value[:10]} {value[11:26]}"

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
            return canonical(value)
        return process(_to_datetime(value))

    return convert
