"""What a finding can rest on: a visit's responses and observations, its provider's notable
intelligence, and the evidence links of a visit's findings."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session

from eqvisit.domain.enums import IntelligenceSource, NtsFlag
from eqvisit.storage.models import (
    EvidenceLink,
    Finding,
    IntelligenceItem,
    InterviewSession,
    Observation,
    Response,
    VisitTrigger,
)

NOTABLE_FLAGS = (NtsFlag.RED, NtsFlag.PINK, NtsFlag.GREEN)
NOTABLE_SOURCES = (IntelligenceSource.CONCERN, IntelligenceSource.CQC, IntelligenceSource.OUTCOME)


def observations_of_visit(session: Session, visit_id: str) -> Sequence[Observation]:
    return session.scalars(
        select(Observation)
        .where(Observation.visit_id == visit_id, Observation.deleted_at.is_(None))
        .order_by(Observation.created_at)
    ).all()


def notable_intelligence(
    session: Session, visit_id: str, provider_id: str, limit: int
) -> Sequence[IntelligenceItem]:
    """The visit's triggers and the provider's flagged figures, concerns, CQC ratings and
    earlier outcomes: a lead holds a whole region's intelligence, too much to pick from.

    One query: SQLite answers the OR from two indexes (bench/bench_findings_board.py measured
    it faster than two separate reads)."""
    triggers = select(VisitTrigger.intelligence_item_id).where(
        VisitTrigger.visit_id == visit_id, VisitTrigger.deleted_at.is_(None)
    )
    return session.scalars(
        select(IntelligenceItem)
        .where(
            IntelligenceItem.deleted_at.is_(None),
            or_(
                IntelligenceItem.id.in_(triggers),
                (IntelligenceItem.provider_id == provider_id)
                & or_(
                    IntelligenceItem.flag.in_(NOTABLE_FLAGS),
                    IntelligenceItem.source.in_(NOTABLE_SOURCES),
                ),
            ),
        )
        .order_by(
            IntelligenceItem.source, IntelligenceItem.period.desc(), IntelligenceItem.indicator
        )
        .limit(limit)
    ).all()


def responses_by_id(
    session: Session, response_ids: Sequence[str]
) -> Sequence[Row[Response, InterviewSession]]:
    if not response_ids:
        return []
    return session.execute(
        select(Response, InterviewSession)
        .join(InterviewSession, InterviewSession.id == Response.session_id)
        .where(Response.id.in_(list(response_ids)))
    ).all()


def observations_by_id(session: Session, observation_ids: Sequence[str]) -> Sequence[Observation]:
    if not observation_ids:
        return []
    return session.scalars(
        select(Observation).where(Observation.id.in_(list(observation_ids)))
    ).all()


def links_of_visit(session: Session, visit_id: str) -> Sequence[EvidenceLink]:
    return session.scalars(
        select(EvidenceLink)
        .join(Finding, Finding.id == EvidenceLink.finding_id)
        .where(Finding.visit_id == visit_id, EvidenceLink.deleted_at.is_(None))
        .order_by(EvidenceLink.created_at)
    ).all()
