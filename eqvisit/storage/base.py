"""The declarative base and the columns every synced record carries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from eqvisit.domain.ids import new_id, utc_now
from eqvisit.storage.types import IdType, UTCDateTime

# Deterministic constraint names, so Alembic migrations name the same things on SQLite and
# PostgreSQL and batch operations on SQLite can find them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SyncedRecord:
    """Mixin for records that sync: a client-made UUIDv7 id, UTC stamps and a soft delete.

    A delete sets ``deleted_at`` (a tombstone that syncs like any field); rows are never removed
    while anything may still refer to them.
    """

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
