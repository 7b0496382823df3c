"""Issued versions of a visit's report: the PDF bytes and their SHA-256, kept for good.

A version is written once and never changed or deleted (the migration adds triggers that refuse
both), so an issued report can always be shown exactly as it was issued. The row is local to the
laptop; the same bytes reach the central store as an attachment of the visit (``attachment_id``).
It names its visit without a foreign key so that purging a visit's synced records (a revoked
scope) never has to touch what this laptop issued.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eqvisit.domain.ids import new_id
from eqvisit.storage.base import Base
from eqvisit.storage.types import IdType, UTCDateTime


class ReportVersion(Base):
    __tablename__ = "report_versions"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    visit_id: Mapped[str] = mapped_column(IdType, index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    data_digest: Mapped[str] = mapped_column(String(64))
    app_version: Mapped[str] = mapped_column(String(40))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    generated_by: Mapped[str | None] = mapped_column(IdType)
    signed_off_by: Mapped[str | None] = mapped_column(IdType)
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attachment_id: Mapped[str | None] = mapped_column(IdType)

    __table_args__ = (
        UniqueConstraint("visit_id", "number"),
        CheckConstraint("status IN ('draft', 'final')", name="status_known"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint("number >= 1", name="number_positive"),
    )
