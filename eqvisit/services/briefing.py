"""The briefing pack: what triggered a visit, the provider's flags and trends, earlier requirements.

Read-only: one unit of work per pack, nothing written. The pack is a frozen DTO
(``briefing_dto.BriefingPack``) shown by the desktop view and rendered to PDF by ``reports``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from eqvisit.domain.enums import ActionStatus, FindingKind, IntelligenceSource, NtsFlag
from eqvisit.domain.risk import RiskBands
from eqvisit.errors import NotFound
from eqvisit.services.briefing_dto import BriefingPack, RequirementRow
from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import ActionRow, IntelligenceRow
from eqvisit.services.intelligence_summary import (
    cqc_ratings,
    current_flags,
    summarise_actions,
    trends,
)
from eqvisit.services.mapping import finding_row, intelligence_row, provider_row
from eqvisit.services.visits import visit_detail
from eqvisit.storage.models import ActionItem
from eqvisit.storage.repositories import history, intelligence, providers
from eqvisit.storage.unit_of_work import UnitOfWork

REQUIREMENT_KINDS = (
    FindingKind.IMMEDIATE_MANDATORY_REQUIREMENT,
    FindingKind.MANDATORY_REQUIREMENT,
)


class BriefingService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def for_visit(self, visit_id: str) -> BriefingPack:
        with self._context.store.unit_of_work() as uow:
            session = uow.session
            visit = visit_detail(uow, visit_id)
            provider = providers.get(session, visit.summary.provider_id)
            if provider is None:
                raise NotFound("provider", visit.summary.provider_id)
            items = [intelligence_row(i) for i in intelligence.for_provider(session, provider.id)]
            by_id = {item.id: item for item in items}
            triggers = [
                by_id.get(trigger_id) or _fetch(uow, trigger_id) for trigger_id in visit.trigger_ids
            ]
            period, alerts, counts = current_flags(items)
            concerns = sorted(
                (i for i in items if i.source is IntelligenceSource.CONCERN),
                key=lambda i: i.period,
                reverse=True,
            )
            red = sum(1 for item in items if item.flag is NtsFlag.RED)
            return BriefingPack(
                visit=visit,
                provider=provider_row(provider, red),
                triggers=tuple(t for t in triggers if t is not None),
                latest_nts_period=period,
                nts_flags=alerts,
                flag_counts=counts,
                cqc_ratings=cqc_ratings(items),
                concerns=tuple(concerns),
                trends=trends(items),
                earlier_requirements=earlier_requirements(
                    uow, provider.id, self._context.risk_bands, excluding_visit=visit_id
                ),
            )


def _fetch(uow: UnitOfWork, item_id: str) -> IntelligenceRow | None:
    found = intelligence.get_many(uow.session, [item_id])
    return intelligence_row(found[0]) if found else None


def earlier_requirements(
    uow: UnitOfWork, provider_id: str, bands: RiskBands, *, excluding_visit: str | None = None
) -> tuple[RequirementRow, ...]:
    """IMRs and MRs of the provider's visits (other than ``excluding_visit``) with their actions."""
    rows = history.findings_of_provider(
        uow.session, provider_id, REQUIREMENT_KINDS, excluding_visit=excluding_visit
    )
    actions = _actions_by_finding(uow, [finding.id for finding, _visit in rows])
    result = []
    for finding, visit in rows:
        plan = actions.get(finding.id, ())
        result.append(
            RequirementRow(
                visit_id=visit.id,
                visit_title=visit.title,
                visit_starts_on=visit.starts_on,
                visit_status=visit.status,
                finding=finding_row(finding, bands),
                actions=tuple(plan),
                action_status=summarise_actions([a.status for a in plan]),
            )
        )
    return tuple(result)


def _actions_by_finding(uow: UnitOfWork, finding_ids: Sequence[str]) -> dict[str, list[ActionRow]]:
    items: Sequence[ActionItem] = history.actions_of_findings(uow.session, finding_ids)
    changes: dict[str, list[tuple[datetime, ActionStatus, str]]] = defaultdict(list)
    for change in history.action_histories(uow.session, [a.id for a in items]):
        changes[change.action_item_id].append((change.changed_at, change.status, change.note))
    result: dict[str, list[ActionRow]] = defaultdict(list)
    for item in items:
        result[item.finding_id].append(
            ActionRow(
                id=item.id,
                finding_id=item.finding_id,
                description=item.description,
                owner=item.owner,
                due_on=item.due_on,
                status=item.status,
                history=tuple(changes[item.id]),
            )
        )
    return result
