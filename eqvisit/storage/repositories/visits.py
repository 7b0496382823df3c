"""Visits and their day: sites, triggers, panel, sessions, responses and observations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from eqvisit.domain.enums import VisitStatus
from eqvisit.storage.models import (
    InterviewSession,
    Observation,
    PanelMember,
    Provider,
    Response,
    SessionInterviewer,
    User,
    Visit,
    VisitSite,
    VisitTrigger,
)


def get(session: Session, visit_id: str) -> Visit | None:
    visit = session.get(Visit, visit_id)
    return visit if visit is not None and visit.deleted_at is None else None


def list_with_provider(
    session: Session, statuses: Sequence[VisitStatus] = ()
) -> Sequence[Row[Visit, str, str]]:
    """Live visits with their provider's name and ODS code, soonest first."""
    statement = (
        select(Visit, Provider.name, Provider.ods_code)
        .join(Provider, Provider.id == Visit.provider_id)
        .where(Visit.deleted_at.is_(None))
    )
    if statuses:
        statement = statement.where(Visit.status.in_(list(statuses)))
    statement = statement.order_by(Visit.starts_on.is_(None), Visit.starts_on, Visit.title)
    return session.execute(statement).all()


def sites(session: Session, visit_id: str) -> Sequence[Provider]:
    return session.scalars(
        select(Provider)
        .join(VisitSite, VisitSite.provider_id == Provider.id)
        .where(VisitSite.visit_id == visit_id, VisitSite.deleted_at.is_(None))
        .order_by(Provider.name)
    ).all()


def triggers(session: Session, visit_id: str) -> Sequence[VisitTrigger]:
    return session.scalars(
        select(VisitTrigger).where(
            VisitTrigger.visit_id == visit_id, VisitTrigger.deleted_at.is_(None)
        )
    ).all()


def panel(session: Session, visit_id: str) -> Sequence[Row[PanelMember, User]]:
    return session.execute(
        select(PanelMember, User)
        .join(User, User.id == PanelMember.user_id)
        .where(PanelMember.visit_id == visit_id, PanelMember.deleted_at.is_(None))
        .order_by(User.display_name)
    ).all()


def panel_member(session: Session, visit_id: str, user_id: str) -> PanelMember | None:
    return session.scalar(
        select(PanelMember).where(PanelMember.visit_id == visit_id, PanelMember.user_id == user_id)
    )


def sessions(session: Session, visit_id: str) -> Sequence[InterviewSession]:
    return session.scalars(
        select(InterviewSession)
        .where(InterviewSession.visit_id == visit_id, InterviewSession.deleted_at.is_(None))
        .order_by(InterviewSession.starts_at.is_(None), InterviewSession.starts_at)
    ).all()


def get_session(session: Session, session_id: str) -> InterviewSession | None:
    found = session.get(InterviewSession, session_id)
    return found if found is not None and found.deleted_at is None else None


def interviewer_ids(session: Session, session_ids: Sequence[str]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {sid: [] for sid in session_ids}
    if not session_ids:
        return result
    rows = session.execute(
        select(SessionInterviewer.session_id, SessionInterviewer.user_id).where(
            SessionInterviewer.session_id.in_(list(session_ids)),
            SessionInterviewer.deleted_at.is_(None),
        )
    )
    for session_id, user_id in rows:
        result[session_id].append(user_id)
    return result


def response(
    session: Session, session_id: str, author_id: str, question_id: str
) -> Response | None:
    return session.scalar(
        select(Response).where(
            Response.session_id == session_id,
            Response.author_id == author_id,
            Response.question_id == question_id,
        )
    )


def responses(session: Session, session_id: str) -> Sequence[Response]:
    return session.scalars(
        select(Response)
        .where(Response.session_id == session_id, Response.deleted_at.is_(None))
        .order_by(Response.question_id, Response.author_id)
    ).all()


def observations(session: Session, visit_id: str) -> Sequence[Observation]:
    return session.scalars(
        select(Observation)
        .where(Observation.visit_id == visit_id, Observation.deleted_at.is_(None))
        .order_by(Observation.created_at)
    ).all()
