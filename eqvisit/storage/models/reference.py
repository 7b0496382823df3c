"""Reference data: providers, learner groups, intelligence, framework, templates, users."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from eqvisit.domain.enums import IntelligenceSource, NtsFlag, OrgStatus, ProviderKind, UserRole
from eqvisit.storage.base import Base, SyncedRecord
from eqvisit.storage.types import EnumText, JsonType, JsonValue, UTCDateTime


class Provider(SyncedRecord, Base):
    """An organisation that hosts learners, or one of its sites, keyed by its ODS code.

    Sites name their parent by ``parent_code`` (the parent's ODS code) rather than a foreign key,
    because ODS extracts arrive in any order and a site may be loaded before its trust.
    """

    __tablename__ = "providers"

    ods_code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ProviderKind] = mapped_column(EnumText(ProviderKind))
    region_code: Mapped[str | None] = mapped_column(String(12))
    icb_code: Mapped[str | None] = mapped_column(String(12))
    address_lines: Mapped[list[str]] = mapped_column(JsonType, default=list)
    postcode: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[OrgStatus] = mapped_column(EnumText(OrgStatus), default=OrgStatus.ACTIVE)
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)

    __table_args__ = (
        Index("ix_providers_kind_region", "kind", "region_code"),
        # The provider list is ordered by name (first 200): browsing needs no sort of 30,000 rows.
        Index("ix_providers_name", "name"),
        # A region or ICB filter lists its providers in name order straight off these.
        Index("ix_providers_region_name", "region_code", "name"),
        Index("ix_providers_icb_name", "icb_code", "name"),
    )


class LearnerGroup(SyncedRecord, Base):
    """Learners by profession, programme and grade (e.g. medicine / core surgery / CT1)."""

    __tablename__ = "learner_groups"

    profession: Mapped[str] = mapped_column(String(80))
    programme: Mapped[str | None] = mapped_column(String(120))
    grade: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (UniqueConstraint("profession", "programme", "grade"),)


class IntelligenceItem(SyncedRecord, Base):
    """One figure or fact about a provider: an NTS indicator result, a CQC rating, a concern…

    ``dimensions`` holds the source-specific breakdown (programme, level, profession, question);
    ``flag`` is the source's own outlier flag where it has one.
    """

    __tablename__ = "intelligence_items"

    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"))
    source: Mapped[IntelligenceSource] = mapped_column(EnumText(IntelligenceSource))
    period: Mapped[str] = mapped_column(String(20))
    indicator: Mapped[str] = mapped_column(String(120))
    dimensions: Mapped[dict[str, JsonValue]] = mapped_column(JsonType, default=dict)
    n: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    benchmark: Mapped[float | None] = mapped_column(Float)
    flag: Mapped[NtsFlag | None] = mapped_column(EnumText(NtsFlag))
    text: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_intelligence_provider_source_period", "provider_id", "source", "period"),
        # Red flags are what the provider list counts on every keystroke; an index of those
        # rows alone (migration 0012) costs a pull of a million rows one insert in six, not one
        # per row. Other flags are read per provider through the index above.
        Index(
            "ix_intelligence_red_flags",
            "provider_id",
            sqlite_where=sql_text("flag = 'red'"),
            postgresql_where=sql_text("flag = 'red'"),
        ),
    )


class FrameworkVersion(Base):
    """A published version of the Education Quality Framework (reference data, read-only)."""

    __tablename__ = "framework_versions"

    version: Mapped[str] = mapped_column(String(20), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    published_on: Mapped[date | None] = mapped_column(Date)


class FrameworkDomain(Base):
    __tablename__ = "framework_domains"

    framework_version: Mapped[str] = mapped_column(
        ForeignKey("framework_versions.version"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class Standard(Base):
    """A numbered standard (``1.1``, ``3.4``…) of one framework version, summarised in our words."""

    __tablename__ = "standards"

    framework_version: Mapped[str] = mapped_column(
        ForeignKey("framework_versions.version"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    domain_number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")


class Template(Base):
    """One published version of an interview template. Published versions are never modified.

    ``id`` is ``"<template_id>@<version>"``: one record per version, so templates sync as
    reference data like any other record, and sessions pin ``template_id`` + ``version``.
    """

    __tablename__ = "templates"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(40))
    framework_version: Mapped[str] = mapped_column(String(20))
    body: Mapped[dict[str, JsonValue]] = mapped_column(JsonType)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("template_id", "version"),)


def template_record_id(template_id: str, version: int) -> str:
    return f"{template_id}@{version}"


class User(SyncedRecord, Base):
    """A person who uses eqvisit (panel members, leads, admins) — never a learner."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[UserRole] = mapped_column(EnumText(UserRole))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
