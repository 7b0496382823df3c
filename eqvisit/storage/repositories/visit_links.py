"""A visit's link records (sites, triggers), deleted ones included, and learner groups."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from eqvisit.storage.models import LearnerGroup, VisitSite, VisitTrigger

Link = VisitSite | VisitTrigger


def get_any(
    session: Session, model: type[VisitSite] | type[VisitTrigger], link_id: str
) -> Link | None:
    """The link with ``link_id`` whether live or soft-deleted (so it can be revived)."""
    found = session.get(model, link_id)
    return found if isinstance(found, VisitSite | VisitTrigger) else None


def learner_groups(session: Session) -> Sequence[LearnerGroup]:
    return session.scalars(
        select(LearnerGroup)
        .where(LearnerGroup.deleted_at.is_(None))
        .order_by(LearnerGroup.profession, LearnerGroup.programme, LearnerGroup.grade)
    ).all()
