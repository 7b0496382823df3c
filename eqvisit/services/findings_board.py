"""The Findings section's reads: a visit's findings with the evidence behind each, what can be
linked, the roll-up by framework domain, and what the signed-in user may do there."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from eqvisit.domain.enums import FindingKind, FindingStatus
from eqvisit.errors import NotFound, TemplateError
from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import FindingRow
from eqvisit.services.findings_dto import (
    DomainChoice,
    DomainRollup,
    EvidenceKind,
    EvidenceRow,
    FindingDetail,
    FindingsBoard,
)
from eqvisit.services.mapping import finding_row
from eqvisit.services.visit_rights import rights_for, role_in_visit
from eqvisit.storage.models import (
    EvidenceLink,
    IntelligenceItem,
    InterviewSession,
    Observation,
    Response,
)
from eqvisit.storage.repositories import capture, evidence, findings, intelligence, visits
from eqvisit.storage.unit_of_work import UnitOfWork
from eqvisit.templates.framework import Framework, available_frameworks, load_framework

MAX_INTELLIGENCE_CHOICES = 300
# Highest first: the roll-up names the worst band among a domain's findings.
BAND_ORDER = ("extreme", "high", "moderate", "low")


class FindingsBoardService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def board(self, visit_id: str) -> FindingsBoard:
        with self._context.store.unit_of_work() as uow:
            visit = visits.get(uow.session, visit_id)
            if visit is None:
                raise NotFound("visit", visit_id)
            user_id = self._context.identity.user_id
            rights = rights_for(role_in_visit(uow, user_id, visit_id))
            rows = [
                (f, finding_row(f, self._context.risk_bands))
                for f in findings.for_visit(uow.session, visit_id)
            ]
            by_finding = _linked_evidence(uow, evidence.links_of_visit(uow.session, visit_id))
            details = tuple(
                FindingDetail(
                    finding=row,
                    evidence=tuple(by_finding.get(row.id, ())),
                    proposed_by=f.proposed_by,
                    editable=rights.may_edit_all
                    or (rights.may_propose and f.proposed_by == user_id),
                )
                for f, row in rows
            )
            version = next((f.framework_version for f, _ in rows if f.framework_version), None)
            framework = _framework(version)
            return FindingsBoard(
                visit_id=visit_id,
                visit_title=visit.title,
                framework_version=framework.version if framework else version,
                findings=details,
                rollup=rollup([row for _, row in rows], framework),
                domains=_choices(framework),
                rights=rights,
                bands=tuple((b.name, b.low, b.high) for b in self._context.risk_bands.bands),
            )

    def evidence_choices(self, visit_id: str) -> list[EvidenceRow]:
        """Responses and observations of the visit and the provider's notable intelligence."""
        with self._context.store.unit_of_work() as uow:
            visit = visits.get(uow.session, visit_id)
            if visit is None:
                raise NotFound("visit", visit_id)
            return self._candidates(uow, visit_id, visit.provider_id)

    @staticmethod
    def _candidates(uow: UnitOfWork, visit_id: str, provider_id: str) -> list[EvidenceRow]:
        rows = [
            _response(response, session)
            for response, session in capture.visit_responses(uow.session, visit_id)
        ]
        rows += [_observation(o) for o in evidence.observations_of_visit(uow.session, visit_id)]
        rows += [
            _intelligence(item)
            for item in evidence.notable_intelligence(
                uow.session, visit_id, provider_id, MAX_INTELLIGENCE_CHOICES
            )
        ]
        return rows


def rollup(rows: Iterable[FindingRow], framework: Framework | None) -> tuple[DomainRollup, ...]:
    """Counts of each kind per framework domain (withdrawn findings left out) and the highest
    risk band among them; findings citing no domain are rolled up under domain 0."""
    titles = {d.number: d.title for d in framework.domains} if framework else {}
    grouped: dict[int, list[FindingRow]] = {}
    for row in rows:
        if row.status is FindingStatus.WITHDRAWN:
            continue
        grouped.setdefault(row.domain_number or 0, []).append(row)
    result = []
    for number in sorted(grouped, key=lambda n: (n == 0, n)):
        members = grouped[number]
        counts = Counter(r.kind for r in members)
        bands = {r.risk_band for r in members if r.risk_band}
        highest = next((b for b in BAND_ORDER if b in bands), next(iter(sorted(bands)), None))
        result.append(
            DomainRollup(
                domain_number=number,
                title=titles.get(number, f"Domain {number}")
                if number
                else "Not linked to a domain",
                counts=tuple((kind, counts[kind]) for kind in FindingKind if counts[kind]),
                highest_band=highest,
                total=len(members),
            )
        )
    return tuple(result)


def _framework(version: str | None) -> Framework | None:
    candidates = [version] if version else []
    candidates += list(reversed(available_frameworks()))
    for candidate in candidates:
        try:
            return load_framework(candidate)
        except TemplateError:
            continue
    return None


def _choices(framework: Framework | None) -> tuple[DomainChoice, ...]:
    if framework is None:
        return ()
    return tuple(
        DomainChoice(d.number, d.title, tuple((s.code, s.title) for s in d.standards))
        for d in framework.domains
    )


def _linked_evidence(
    uow: UnitOfWork, links: Sequence[EvidenceLink]
) -> dict[str, list[EvidenceRow]]:
    """Each finding's linked evidence as people read it, fetched by id (three reads in all)."""
    responses = {
        response.id: _response(response, session)
        for response, session in evidence.responses_by_id(
            uow.session, [link.response_id for link in links if link.response_id]
        )
    }
    observations = {
        o.id: _observation(o)
        for o in evidence.observations_by_id(
            uow.session, [link.observation_id for link in links if link.observation_id]
        )
    }
    items = {
        item.id: _intelligence(item)
        for item in intelligence.get_many(
            uow.session, [link.intelligence_item_id for link in links if link.intelligence_item_id]
        )
    }
    by_finding: dict[str, list[EvidenceRow]] = {}
    for link in links:
        known = (
            responses.get(link.response_id or "")
            or observations.get(link.observation_id or "")
            or items.get(link.intelligence_item_id or "")
        )
        if known is not None:
            row = EvidenceRow(known.target_id, known.kind, known.source, known.text, link.id)
            by_finding.setdefault(link.finding_id, []).append(row)
    return by_finding


def _response(response: Response, session: InterviewSession) -> EvidenceRow:
    return EvidenceRow(
        response.id,
        EvidenceKind.RESPONSE,
        f"{session.title} · {response.question_id}",
        _answer(response.value, response.note),
    )


def _answer(value: Any, note: str) -> str:
    shown = ", ".join(str(v) for v in value) if isinstance(value, list) else value
    parts = [str(shown) if shown not in (None, "") else "", note]
    return " — ".join(p for p in parts if p) or "(no answer)"


def _observation(observation: Observation) -> EvidenceRow:
    where = " · ".join(p for p in (observation.location, observation.category) if p)
    return EvidenceRow(
        observation.id,
        EvidenceKind.OBSERVATION,
        f"Observation{f' · {where}' if where else ''} ({observation.sentiment.value})",
        observation.text,
    )


def _intelligence(item: IntelligenceItem) -> EvidenceRow:
    figures: Sequence[str] = [
        text
        for text in (
            f"value {item.value:g}" if item.value is not None else "",
            f"n={item.n}" if item.n is not None else "",
            f"flag {item.flag.value}" if item.flag is not None else "",
        )
        if text
    ]
    body = item.text or ", ".join(figures) or item.indicator
    return EvidenceRow(
        item.id,
        EvidenceKind.INTELLIGENCE,
        f"{item.source.value.upper()} {item.period} · {item.indicator}",
        body,
    )
