"""The outbox and conflicts as the UI and sync see them: counts and pending changes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eqvisit.storage.models import Conflict, OutboxChange, OutboxState


def pending(session: Session, limit: int = 500) -> Sequence[OutboxChange]:
    return session.scalars(
        select(OutboxChange)
        .where(OutboxChange.state == OutboxState.PENDING)
        .order_by(OutboxChange.seq)
        .limit(limit)
    ).all()


def counts_by_state(session: Session) -> dict[OutboxState, int]:
    rows = session.execute(
        select(OutboxChange.state, func.count()).group_by(OutboxChange.state)
    ).all()
    return {OutboxState(state): n for state, n in rows}


def open_conflict_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Conflict).where(Conflict.resolved_by_change.is_(None))
        )
        or 0
    )


def counts_in_scope(session: Session, scope: str) -> dict[OutboxState, int]:
    rows = session.execute(
        select(OutboxChange.state, func.count())
        .where(OutboxChange.scope == scope)
        .group_by(OutboxChange.state)
    ).all()
    return {OutboxState(state): n for state, n in rows}


def rejected(session: Session) -> Sequence[OutboxChange]:
    return session.scalars(
        select(OutboxChange)
        .where(OutboxChange.state == OutboxState.REJECTED)
        .order_by(OutboxChange.seq)
    ).all()


def by_change_id(session: Session, change_id: str) -> OutboxChange | None:
    return session.scalar(select(OutboxChange).where(OutboxChange.change_id == change_id))


def open_conflicts(session: Session) -> Sequence[Conflict]:
    return session.scalars(
        select(Conflict).where(Conflict.resolved_by_change.is_(None)).order_by(Conflict.detected_at)
    ).all()
