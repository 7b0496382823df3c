"""Findings, the evidence behind them, action-plan items with their history, and attachments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eqvisit.domain.enums import ActionStatus, FindingKind, FindingStatus
from eqvisit.storage.base import Base, SyncedRecord
from eqvisit.storage.types import EnumText, JsonType, UTCDateTime


class Finding(SyncedRecord, Base):
    """A finding of a visit: good practice, a requirement or a recommendation.

    ``reference`` (IMR1, MR2, R3 …) is issued once and never changes or returns to use. It is
    unique per visit, but the central store enforces that, not a local index: two laptops can
    issue the same number offline, and the laptop must still be able to hold what it pulls while
    the server refuses the later one (``sync/server/exchange.py``). Likelihood and consequence are
    stored raw; the risk band is derived from configuration.
    """

    __tablename__ = "findings"

    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[FindingKind] = mapped_column(EnumText(FindingKind))
    status: Mapped[FindingStatus] = mapped_column(
        EnumText(FindingStatus), default=FindingStatus.PROPOSED
    )
    reference: Mapped[str | None] = mapped_column(String(12))
    framework_version: Mapped[str | None] = mapped_column(String(20))
    domain_number: Mapped[int | None] = mapped_column(Integer)
    standards: Mapped[list[str]] = mapped_column(JsonType, default=list)
    text: Mapped[str] = mapped_column(Text)
    required_actions: Mapped[str] = mapped_column(Text, default="")
    likelihood: Mapped[int | None] = mapped_column(Integer)
    consequence: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    proposed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        Index("ix_findings_visit_reference", "visit_id", "reference"),
        CheckConstraint(
            "likelihood IS NULL OR likelihood BETWEEN 1 AND 5", name="likelihood_range"
        ),
        CheckConstraint(
            "consequence IS NULL OR consequence BETWEEN 1 AND 5", name="consequence_range"
        ),
    )


class IssuedReference(Base):
    """Every reference number ever issued in a visit, so a number is never issued twice."""

    __tablename__ = "issued_references"

    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), primary_key=True)
    finding_id: Mapped[str] = mapped_column(ForeignKey("findings.id"))


class EvidenceLink(SyncedRecord, Base):
    """Links a finding to exactly one response, observation or intelligence item."""

    __tablename__ = "evidence_links"

    finding_id: Mapped[str] = mapped_column(ForeignKey("findings.id"), index=True)
    response_id: Mapped[str | None] = mapped_column(ForeignKey("responses.id"))
    observation_id: Mapped[str | None] = mapped_column(ForeignKey("observations.id"))
    intelligence_item_id: Mapped[str | None] = mapped_column(ForeignKey("intelligence_items.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN response_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN observation_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN intelligence_item_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one_target",
        ),
    )


class ActionItem(SyncedRecord, Base):
    """An action of the provider's plan for a requirement, tracked to closure."""

    __tablename__ = "action_items"

    finding_id: Mapped[str] = mapped_column(ForeignKey("findings.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        EnumText(ActionStatus), default=ActionStatus.NOT_STARTED
    )
    closure_evidence: Mapped[str] = mapped_column(Text, default="")


class ActionStatusChange(SyncedRecord, Base):
    """One dated entry of an action item's status history (append-only)."""

    __tablename__ = "action_status_changes"

    action_item_id: Mapped[str] = mapped_column(ForeignKey("action_items.id"), index=True)
    status: Mapped[ActionStatus] = mapped_column(EnumText(ActionStatus))
    note: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class Attachment(SyncedRecord, Base):
    """A file attached to a visit, content-addressed by its SHA-256 (the blob lives on disk)."""

    __tablename__ = "attachments"

    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))

    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )
