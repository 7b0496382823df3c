"""The central store's own tables (separate metadata from the laptop store).

The server keeps records generically: the append-only change log is the truth and the audit
trail; ``sv_records`` holds each record's merged state (per field: value, stamp, author, base), so
a push can merge without knowing the domain's tables, and a pull is a read of the log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from eqvisit.storage.base import NAMING_CONVENTION
from eqvisit.storage.types import UTCDateTime


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ServerUser(ServerBase):
    __tablename__ = "sv_users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Device(ServerBase):
    """A signed-in device: its token is stored only as a SHA-256 hash, and can be revoked."""

    __tablename__ = "sv_devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("sv_users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginFailure(ServerBase):
    """Failed sign-ins, for rate limiting across every server instance."""

    __tablename__ = "sv_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChangeLogEntry(ServerBase):
    """An accepted change, exactly once (unique change id); never updated or deleted."""

    __tablename__ = "sv_change_log"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    change_id: Mapped[str] = mapped_column(String(100), unique=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(80))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    base: Mapped[dict[str, Any]] = mapped_column(JSON)
    hlc: Mapped[str] = mapped_column(String(24))
    author_id: Mapped[str | None] = mapped_column(String(100))
    device_id: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_sv_change_log_scope_seq", "scope", "seq"),)


class ServerRecord(ServerBase):
    """A record's merged state: ``state[field]`` = value, hlc, device, author, base, change id."""

    __tablename__ = "sv_records"

    record_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    scope: Mapped[str] = mapped_column(String(80), index=True)
    created_by: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)


class Blob(ServerBase):
    """An attachment's content, addressed by SHA-256, uploaded in chunks and verified."""

    __tablename__ = "sv_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    scope: Mapped[str] = mapped_column(String(80))
    uploaded_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BlobChunk(ServerBase):
    __tablename__ = "sv_blob_chunks"

    sha256: Mapped[str] = mapped_column(ForeignKey("sv_blobs.sha256"), primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ServerSetting(ServerBase):
    """The server's own facts (its device id for changes it makes, the last HLC it issued)."""

    __tablename__ = "sv_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Membership(ServerBase):
    """Index of panel membership, kept in step with merged ``panel_members`` records."""

    __tablename__ = "sv_memberships"

    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    panel_role: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
