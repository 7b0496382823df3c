"""What was captured on a visit day, read across sessions: coverage, flags, unsynced free text."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from eqvisit.storage.models import (
    InterviewSession,
    Observation,
    OutboxChange,
    OutboxState,
    Response,
)


def visit_responses(session: Session, visit_id: str) -> Sequence[Row[Response, InterviewSession]]:
    """Every live response of the visit's live sessions, with its session."""
    return session.execute(
        select(Response, InterviewSession)
        .join(InterviewSession, InterviewSession.id == Response.session_id)
        .where(
            InterviewSession.visit_id == visit_id,
            InterviewSession.deleted_at.is_(None),
            Response.deleted_at.is_(None),
        )
        .order_by(
            InterviewSession.starts_at,
            InterviewSession.title,
            Response.question_id,
            Response.author_id,
        )
    ).all()


def author_observations(session: Session, visit_id: str, author_id: str) -> Sequence[Observation]:
    return session.scalars(
        select(Observation)
        .where(
            Observation.visit_id == visit_id,
            Observation.author_id == author_id,
            Observation.deleted_at.is_(None),
        )
        .order_by(Observation.created_at)
    ).all()


def get_observation(session: Session, observation_id: str) -> Observation | None:
    found = session.get(Observation, observation_id)
    return found if found is not None and found.deleted_at is None else None


def get_response(session: Session, response_id: str) -> Response | None:
    found = session.get(Response, response_id)
    return found if found is not None and found.deleted_at is None else None


def pending_records(
    session: Session, author_id: str, record_types: Sequence[str]
) -> Sequence[Row[str, str]]:
    """(record type, record id) of the author's records with changes waiting to sync."""
    return session.execute(
        select(OutboxChange.record_type, OutboxChange.record_id)
        .where(
            OutboxChange.state == OutboxState.PENDING,
            OutboxChange.author_id == author_id,
            OutboxChange.record_type.in_(list(record_types)),
        )
        .distinct()
        .order_by(OutboxChange.record_type, OutboxChange.record_id)
    ).all()
