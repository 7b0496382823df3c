"""Frozen data for the Findings section: a visit's findings with their evidence side by side,
what may be linked, the roll-up by framework domain, what the signed-in user may do, and the
action plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from eqvisit.domain.enums import ActionStatus, FindingKind
from eqvisit.services.dto import FindingRow


class EvidenceKind(StrEnum):
    RESPONSE = "response"
    OBSERVATION = "observation"
    INTELLIGENCE = "intelligence"


@dataclass(frozen=True)
class EvidenceRow:
    """One piece of evidence as a person reads it. ``link_id`` is set once linked to a finding."""

    target_id: str
    kind: EvidenceKind
    source: str
    text: str
    link_id: str | None = None


@dataclass(frozen=True)
class DomainChoice:
    number: int
    title: str
    standards: tuple[tuple[str, str], ...]  # (code, title)


@dataclass(frozen=True)
class DomainRollup:
    """How many findings of each kind cite one domain (0: none cited), and the highest band."""

    domain_number: int
    title: str
    counts: tuple[tuple[FindingKind, int], ...]
    highest_band: str | None
    total: int


@dataclass(frozen=True)
class VisitRights:
    """What the signed-in user may do in a visit, from the same table the server checks.

    A panel member proposes and edits their own findings; only the lead agrees, rates,
    issues reference numbers and keeps the action plan.
    """

    role: str | None
    may_propose: bool
    may_edit_all: bool
    may_issue_reference: bool
    may_manage_actions: bool


@dataclass(frozen=True)
class FindingDetail:
    finding: FindingRow
    evidence: tuple[EvidenceRow, ...]
    proposed_by: str | None
    editable: bool


@dataclass(frozen=True)
class FindingsBoard:
    """Everything the Findings section shows for one visit, read in one unit of work."""

    visit_id: str
    visit_title: str
    framework_version: str | None
    findings: tuple[FindingDetail, ...]
    rollup: tuple[DomainRollup, ...]
    domains: tuple[DomainChoice, ...]
    rights: VisitRights
    bands: tuple[tuple[str, int, int], ...]  # (name, low, high): this profile's risk bands


@dataclass(frozen=True)
class ActionPlanRow:
    """One action of a requirement, with its history; ``overdue`` when past due and not closed."""

    id: str
    finding_id: str
    reference: str
    description: str
    owner: str
    due_on: date | None
    status: ActionStatus
    closure_evidence: str
    overdue: bool
    history: tuple[tuple[datetime, ActionStatus, str], ...]


@dataclass(frozen=True)
class RequirementRow:
    """A finding that takes actions (IMR, MR), for the action plan's requirement picker."""

    finding_id: str
    reference: str
    text: str
