"""A visit and what happens on the day: sites, triggers, panel, sessions, responses, observations.

Learners who speak to the panel are anonymous: sessions hold attendance *counts* by group and
nothing in these tables has a field for a learner's name.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eqvisit.domain.enums import Audience, PanelRole, Sentiment, VisitStatus, VisitType
from eqvisit.storage.base import Base, SyncedRecord
from eqvisit.storage.types import EnumText, JsonType, JsonValue, UTCDateTime


class Visit(SyncedRecord, Base):
    __tablename__ = "visits"

    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"), index=True)
    visit_type: Mapped[VisitType] = mapped_column(EnumText(VisitType))
    status: Mapped[VisitStatus] = mapped_column(EnumText(VisitStatus), default=VisitStatus.PLANNED)
    title: Mapped[str] = mapped_column(String(200))
    programme_group: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    executive_summary: Mapped[str] = mapped_column(Text, default="")


class VisitSite(SyncedRecord, Base):
    """A site of the provider that the visit covers."""

    __tablename__ = "visit_sites"

    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"))

    __table_args__ = (UniqueConstraint("visit_id", "provider_id"),)


class VisitTrigger(SyncedRecord, Base):
    """An intelligence item that led to the visit."""

    __tablename__ = "visit_triggers"

    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    intelligence_item_id: Mapped[str] = mapped_column(ForeignKey("intelligence_items.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("visit_id", "intelligence_item_id"),)


class PanelMember(SyncedRecord, Base):
    __tablename__ = "panel_members"

    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    panel_role: Mapped[PanelRole] = mapped_column(EnumText(PanelRole))

    __table_args__ = (UniqueConstraint("visit_id", "user_id"),)


class InterviewSession(SyncedRecord, Base):
    """A session of the visit day's agenda (an interview group or a walk-round).

    ``attendance`` maps a group label (e.g. ``"FY1"``) to a head count; it never holds names.
    The template is pinned by id and version: publishing a newer version never changes it.
    """

    __tablename__ = "sessions"

    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[Audience] = mapped_column(EnumText(Audience))
    learner_group_id: Mapped[str | None] = mapped_column(ForeignKey("learner_groups.id"))
    template_id: Mapped[str | None] = mapped_column(String(80))
    template_version: Mapped[int | None] = mapped_column(Integer)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    room: Mapped[str] = mapped_column(String(120), default="")
    attendance: Mapped[dict[str, int]] = mapped_column(JsonType, default=dict)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)


class SessionInterviewer(SyncedRecord, Base):
    __tablename__ = "session_interviewers"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (UniqueConstraint("session_id", "user_id"),)


class Response(SyncedRecord, Base):
    """One author's answer to one question in one session: owned by its author, never shared."""

    __tablename__ = "responses"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    question_id: Mapped[str] = mapped_column(String(80))
    value: Mapped[JsonValue] = mapped_column(JsonType, default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    safety_flag: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("session_id", "author_id", "question_id"),)


class Observation(SyncedRecord, Base):
    """A lay representative's observation or challenge, in their own plain words."""

    __tablename__ = "observations"

    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.id"))
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    location: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(80), default="")
    text: Mapped[str] = mapped_column(Text)
    sentiment: Mapped[Sentiment] = mapped_column(EnumText(Sentiment), default=Sentiment.NEUTRAL)
    standards: Mapped[list[str]] = mapped_column(JsonType, default=list)
    framework_version: Mapped[str | None] = mapped_column(String(20))
