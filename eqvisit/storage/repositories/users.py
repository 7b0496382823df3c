"""Users known to this store (mirrored from the central store, or made by the demo)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from eqvisit.storage.models import User


def get(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def get_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def all_active(session: Session) -> Sequence[User]:
    return session.scalars(
        select(User)
        .where(User.active.is_(True), User.deleted_at.is_(None))
        .order_by(User.display_name)
    ).all()
