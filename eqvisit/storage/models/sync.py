"""Sync bookkeeping on the laptop: the outbox, field versions, per-scope cursors, conflicts.

The outbox row of an edit is written in the same transaction as the edit itself, so an edit is
never on disk without its change, nor a change without its edit.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eqvisit.domain.ids import new_id, utc_now
from eqvisit.storage.base import Base
from eqvisit.storage.types import EnumText, IdType, JsonType, JsonValue, UTCDateTime


class OutboxState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class OutboxChange(Base):
    """A change made on this device, waiting for (or answered by) the central store.

    ``fields`` maps each written field to its new value; ``base`` maps each to the HLC stamp of
    the value the author edited on top of (None when the field had no value yet). Rejected changes
    stay here with their reason: they are never dropped.
    """

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[str] = mapped_column(IdType, unique=True, default=new_id)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(IdType)
    fields: Mapped[dict[str, JsonValue]] = mapped_column(JsonType)
    base: Mapped[dict[str, str | None]] = mapped_column(JsonType, default=dict)
    hlc: Mapped[str] = mapped_column(String(24))
    author_id: Mapped[str | None] = mapped_column(IdType)
    device_id: Mapped[str] = mapped_column(IdType)
    scope: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    state: Mapped[OutboxState] = mapped_column(EnumText(OutboxState), default=OutboxState.PENDING)
    server_seq: Mapped[int | None] = mapped_column(BigInteger)
    reject_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_outbox_state_seq", "state", "seq"),
        Index("ix_outbox_scope_state", "scope", "state"),
    )


class FieldVersion(Base):
    """The (HLC, device) stamp of the current value of one field of one record: the merge state.

    ``field = "*"`` stamps every field of a record pulled whole in one change (reference data),
    so a million pulled rows need a million version rows, not ten million.
    """

    __tablename__ = "field_versions"

    record_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(IdType, primary_key=True)
    field: Mapped[str] = mapped_column(String(60), primary_key=True)
    hlc: Mapped[str] = mapped_column(String(24))
    device_id: Mapped[str] = mapped_column(IdType)
    author_id: Mapped[str | None] = mapped_column(IdType)
    scope: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (
        # A scope's records in receipt order (purges, stale receipt blocks); the primary key's
        # columns end it, so each record's stamps are a short range of the table.
        Index("ix_field_versions_scope_record", "scope", "record_type", "record_id", "field"),
        # One B-tree keyed by the primary key instead of rows plus a key index: every edit and
        # every pulled row writes a stamp (migration 0010).
        {"sqlite_with_rowid": False},
    )


class ReceiptBlock(Base):
    """One visit record's receipt lines, kept so a receipt reads a row per record, not per field.

    ``lines`` is the record's part of the receipt digest: one ``type|id|field|hlc|device`` line
    per field stamp, in (field, hlc, device) order, so the blocks of a scope in key order are the
    digest's text. A block is rebuilt only when its record is in ``receipt_stale``.
    """

    __tablename__ = "receipt_blocks"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(IdType, primary_key=True)
    lines: Mapped[str] = mapped_column(Text)

    __table_args__ = ({"sqlite_with_rowid": False},)


class StaleReceiptBlock(Base):
    """A visit record whose field stamps changed since its receipt block was built.

    Filled by triggers on ``field_versions`` (migration ``0009_receipt_blocks``), so every write,
    from any code path or process, marks its record; the next receipt rebuilds those blocks.
    """

    __tablename__ = "receipt_stale"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(IdType, primary_key=True)

    __table_args__ = ({"sqlite_with_rowid": False},)


class SyncCursor(Base):
    """How far this device has pulled a scope (``visit:<id>``, ``provider:<id>``, ``reference``)."""

    __tablename__ = "sync_cursors"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


class Conflict(Base):
    """A value that lost a merge to a concurrent edit by someone else, kept until resolved."""

    __tablename__ = "conflicts"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(IdType)
    field: Mapped[str] = mapped_column(String(60))
    winning_value: Mapped[JsonValue] = mapped_column(JsonType)
    winning_hlc: Mapped[str] = mapped_column(String(24))
    winning_author_id: Mapped[str | None] = mapped_column(IdType)
    losing_value: Mapped[JsonValue] = mapped_column(JsonType)
    losing_hlc: Mapped[str] = mapped_column(String(24))
    losing_author_id: Mapped[str | None] = mapped_column(IdType)
    losing_device_id: Mapped[str] = mapped_column(IdType)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    resolved_by_change: Mapped[str | None] = mapped_column(IdType)
    scope: Mapped[str] = mapped_column(String(80))

    __table_args__ = (Index("ix_conflicts_record", "record_type", "record_id"),)


class LocalSetting(Base):
    """Small key/value facts about this store: its device id, the last HLC stamp issued."""

    __tablename__ = "local_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AttachmentBlob(Base):
    """Which attachment blobs are on this device's disk, and how far their upload has gone."""

    __tablename__ = "attachment_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    attachment_id: Mapped[str | None] = mapped_column(ForeignKey("attachments.id"))
