"""Findings, their reference numbers, evidence links and action items."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from eqvisit.storage.models import (
    ActionItem,
    ActionStatusChange,
    EvidenceLink,
    Finding,
    IssuedReference,
)


def get(session: Session, finding_id: str) -> Finding | None:
    finding = session.get(Finding, finding_id)
    return finding if finding is not None and finding.deleted_at is None else None


def for_visit(session: Session, visit_id: str) -> Sequence[Finding]:
    return session.scalars(
        select(Finding)
        .where(Finding.visit_id == visit_id, Finding.deleted_at.is_(None))
        .order_by(Finding.created_at)
    ).all()


def issued_references(session: Session, visit_id: str) -> list[str]:
    """Every reference ever issued in the visit, including those of deleted findings."""
    issued = session.scalars(
        select(IssuedReference.reference).where(IssuedReference.visit_id == visit_id)
    ).all()
    on_findings = session.scalars(
        select(Finding.reference).where(Finding.visit_id == visit_id, Finding.reference.isnot(None))
    ).all()
    return sorted({*issued, *(r for r in on_findings if r is not None)})


def record_issued(session: Session, visit_id: str, reference: str, finding_id: str) -> None:
    session.add(IssuedReference(visit_id=visit_id, reference=reference, finding_id=finding_id))


def evidence(session: Session, finding_id: str) -> Sequence[EvidenceLink]:
    return session.scalars(
        select(EvidenceLink).where(
            EvidenceLink.finding_id == finding_id, EvidenceLink.deleted_at.is_(None)
        )
    ).all()


def actions(session: Session, finding_id: str) -> Sequence[ActionItem]:
    return session.scalars(
        select(ActionItem)
        .where(ActionItem.finding_id == finding_id, ActionItem.deleted_at.is_(None))
        .order_by(ActionItem.created_at)
    ).all()


def get_action(session: Session, action_id: str) -> ActionItem | None:
    action = session.get(ActionItem, action_id)
    return action if action is not None and action.deleted_at is None else None


def action_history(session: Session, action_id: str) -> Sequence[ActionStatusChange]:
    return session.scalars(
        select(ActionStatusChange)
        .where(ActionStatusChange.action_item_id == action_id)
        .order_by(ActionStatusChange.changed_at)
    ).all()
