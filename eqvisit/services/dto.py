"""Plain, frozen data handed to the UI and the CLI: never live ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from eqvisit.domain.enums import (
    ActionStatus,
    Audience,
    FindingKind,
    FindingStatus,
    IntelligenceSource,
    NtsFlag,
    OrgStatus,
    PanelRole,
    ProviderKind,
    Sentiment,
    UserRole,
    VisitStatus,
    VisitType,
)


@dataclass(frozen=True)
class ProviderRow:
    id: str
    ods_code: str
    name: str
    kind: ProviderKind
    region_code: str | None
    icb_code: str | None
    postcode: str | None
    status: OrgStatus
    red_flags: int = 0


@dataclass(frozen=True)
class IntelligenceRow:
    id: str
    source: IntelligenceSource
    period: str
    indicator: str
    dimensions: dict[str, Any]
    n: int | None
    value: float | None
    benchmark: float | None
    flag: NtsFlag | None
    text: str | None


@dataclass(frozen=True)
class ProviderDetail:
    provider: ProviderRow
    address_lines: tuple[str, ...]
    opened_on: date | None
    closed_on: date | None
    parent_code: str | None
    sites: tuple[ProviderRow, ...]
    intelligence: tuple[IntelligenceRow, ...]


@dataclass(frozen=True)
class UserRow:
    id: str
    username: str
    display_name: str
    organisation: str | None
    role: UserRole


@dataclass(frozen=True)
class LearnerGroupRow:
    """Learners by profession, programme and grade: a group, never a person."""

    id: str
    profession: str
    programme: str | None
    grade: str | None

    @property
    def label(self) -> str:
        return " / ".join(part for part in (self.profession, self.programme, self.grade) if part)


@dataclass(frozen=True)
class PanelMemberRow:
    id: str
    user: UserRow
    panel_role: PanelRole


@dataclass(frozen=True)
class SessionRow:
    id: str
    title: str
    audience: Audience
    learner_group_id: str | None
    template_id: str | None
    template_version: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    room: str
    interviewer_ids: tuple[str, ...]
    attendance: dict[str, int]
    completed: bool


@dataclass(frozen=True)
class VisitSummary:
    id: str
    title: str
    visit_type: VisitType
    status: VisitStatus
    provider_id: str
    provider_name: str
    provider_code: str
    starts_on: date | None
    ends_on: date | None


@dataclass(frozen=True)
class VisitDetail:
    summary: VisitSummary
    programme_group: str | None
    reason: str
    executive_summary: str
    allowed_next: tuple[VisitStatus, ...]
    sites: tuple[ProviderRow, ...]
    trigger_ids: tuple[str, ...]
    panel: tuple[PanelMemberRow, ...]
    sessions: tuple[SessionRow, ...]


@dataclass(frozen=True)
class ResponseRow:
    id: str
    session_id: str
    author_id: str
    question_id: str
    value: Any
    note: str
    safety_flag: bool
    updated_at: datetime


@dataclass(frozen=True)
class ObservationRow:
    id: str
    visit_id: str
    session_id: str | None
    author_id: str
    location: str
    category: str
    text: str
    sentiment: Sentiment
    standards: tuple[str, ...]


@dataclass(frozen=True)
class FindingRow:
    id: str
    visit_id: str
    kind: FindingKind
    status: FindingStatus
    reference: str | None
    domain_number: int | None
    standards: tuple[str, ...]
    text: str
    required_actions: str
    likelihood: int | None
    consequence: int | None
    risk_score: int | None
    risk_band: str | None
    owner: str
    due_on: date | None


@dataclass(frozen=True)
class ActionRow:
    id: str
    finding_id: str
    description: str
    owner: str
    due_on: date | None
    status: ActionStatus
    history: tuple[tuple[datetime, ActionStatus, str], ...] = field(default=())


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows about sync."""

    pending: int
    rejected: int
    open_conflicts: int
    signed_in_user: str | None
    device_id: str


@dataclass(frozen=True)
class AttachmentRow:
    """An attachment of a visit; ``local`` when its content is on this laptop's disk."""

    id: str
    visit_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    local: bool
    uploaded: bool
