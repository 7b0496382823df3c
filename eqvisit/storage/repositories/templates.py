"""Published interview templates: one row per version, never modified once stored."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eqvisit.storage.models import Template


def get(session: Session, template_id: str, version: int) -> Template | None:
    return session.scalar(
        select(Template).where(Template.template_id == template_id, Template.version == version)
    )


def latest_versions(session: Session) -> Sequence[Template]:
    newest = (
        select(Template.template_id, func.max(Template.version).label("version"))
        .group_by(Template.template_id)
        .subquery()
    )
    return session.scalars(
        select(Template)
        .join(
            newest,
            (Template.template_id == newest.c.template_id) & (Template.version == newest.c.version),
        )
        .order_by(Template.title)
    ).all()


def versions(session: Session, template_id: str) -> list[int]:
    return list(
        session.scalars(
            select(Template.version)
            .where(Template.template_id == template_id)
            .order_by(Template.version)
        )
    )


def add(session: Session, template: Template) -> None:
    session.add(template)
