"""Turn ORM rows into the frozen DTOs the UI receives (inside the unit of work that read them)."""

from __future__ import annotations

from eqvisit.domain.risk import RiskBands, RiskRating
from eqvisit.services.dto import (
    FindingRow,
    IntelligenceRow,
    ObservationRow,
    ProviderRow,
    ResponseRow,
    SessionRow,
    UserRow,
)
from eqvisit.storage.models import (
    Finding,
    IntelligenceItem,
    InterviewSession,
    Observation,
    Provider,
    Response,
    User,
)


def provider_row(provider: Provider, red_flags: int = 0) -> ProviderRow:
    return ProviderRow(
        id=provider.id,
        ods_code=provider.ods_code,
        name=provider.name,
        kind=provider.kind,
        region_code=provider.region_code,
        icb_code=provider.icb_code,
        postcode=provider.postcode,
        status=provider.status,
        red_flags=red_flags,
    )


def intelligence_row(item: IntelligenceItem) -> IntelligenceRow:
    return IntelligenceRow(
        id=item.id,
        source=item.source,
        period=item.period,
        indicator=item.indicator,
        dimensions=dict(item.dimensions or {}),
        n=item.n,
        value=item.value,
        benchmark=item.benchmark,
        flag=item.flag,
        text=item.text,
    )


def user_row(user: User) -> UserRow:
    return UserRow(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        organisation=user.organisation,
        role=user.role,
    )


def session_row(session: InterviewSession, interviewer_ids: list[str]) -> SessionRow:
    return SessionRow(
        id=session.id,
        title=session.title,
        audience=session.audience,
        learner_group_id=session.learner_group_id,
        template_id=session.template_id,
        template_version=session.template_version,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        room=session.room,
        interviewer_ids=tuple(interviewer_ids),
        attendance=dict(session.attendance or {}),
        completed=session.completed,
    )


def response_row(response: Response) -> ResponseRow:
    return ResponseRow(
        id=response.id,
        session_id=response.session_id,
        author_id=response.author_id,
        question_id=response.question_id,
        value=response.value,
        note=response.note,
        safety_flag=response.safety_flag,
        updated_at=response.updated_at,
    )


def observation_row(observation: Observation) -> ObservationRow:
    return ObservationRow(
        id=observation.id,
        visit_id=observation.visit_id,
        session_id=observation.session_id,
        author_id=observation.author_id,
        location=observation.location,
        category=observation.category,
        text=observation.text,
        sentiment=observation.sentiment,
        standards=tuple(observation.standards or ()),
    )


def finding_row(finding: Finding, bands: RiskBands) -> FindingRow:
    score: int | None = None
    band: str | None = None
    if finding.likelihood is not None and finding.consequence is not None:
        rating = RiskRating(finding.likelihood, finding.consequence)
        score = rating.score
        band = rating.band(bands).name
    return FindingRow(
        id=finding.id,
        visit_id=finding.visit_id,
        kind=finding.kind,
        status=finding.status,
        reference=finding.reference,
        domain_number=finding.domain_number,
        standards=tuple(finding.standards or ()),
        text=finding.text,
        required_actions=finding.required_actions,
        likelihood=finding.likelihood,
        consequence=finding.consequence,
        risk_score=score,
        risk_band=band,
        owner=finding.owner,
        due_on=finding.due_on,
    )
