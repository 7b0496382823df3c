"""A provider's history: its visits, and the findings and action items of earlier visits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from eqvisit.domain.enums import FindingKind
from eqvisit.storage.models import ActionItem, ActionStatusChange, Finding, Visit


def visits_of_provider(session: Session, provider_id: str) -> Sequence[Visit]:
    """Live visits of the provider, newest first (undated visits first: they are being planned)."""
    return session.scalars(
        select(Visit)
        .where(Visit.provider_id == provider_id, Visit.deleted_at.is_(None))
        .order_by(Visit.starts_on.is_not(None), Visit.starts_on.desc(), Visit.title)
    ).all()


def findings_of_provider(
    session: Session,
    provider_id: str,
    kinds: Sequence[FindingKind],
    *,
    excluding_visit: str | None = None,
) -> Sequence[Row[Finding, Visit]]:
    """Live findings of ``kinds`` from the provider's visits, newest visit first."""
    statement = (
        select(Finding, Visit)
        .join(Visit, Visit.id == Finding.visit_id)
        .where(
            Visit.provider_id == provider_id,
            Visit.deleted_at.is_(None),
            Finding.deleted_at.is_(None),
            Finding.kind.in_(list(kinds)),
        )
    )
    if excluding_visit is not None:
        statement = statement.where(Visit.id != excluding_visit)
    statement = statement.order_by(
        Visit.starts_on.is_(None), Visit.starts_on.desc(), Finding.reference, Finding.created_at
    )
    return session.execute(statement).all()


def actions_of_findings(session: Session, finding_ids: Sequence[str]) -> Sequence[ActionItem]:
    if not finding_ids:
        return []
    return session.scalars(
        select(ActionItem)
        .where(ActionItem.finding_id.in_(list(finding_ids)), ActionItem.deleted_at.is_(None))
        .order_by(ActionItem.created_at, ActionItem.id)
    ).all()


def action_histories(session: Session, action_ids: Sequence[str]) -> Sequence[ActionStatusChange]:
    if not action_ids:
        return []
    return session.scalars(
        select(ActionStatusChange)
        .where(
            ActionStatusChange.action_item_id.in_(list(action_ids)),
            ActionStatusChange.deleted_at.is_(None),
        )
        .order_by(ActionStatusChange.changed_at)
    ).all()
