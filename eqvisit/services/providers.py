"""Provider intelligence use cases: search providers, read a provider's profile."""

from __future__ import annotations

from collections.abc import Sequence

from eqvisit.domain.enums import (
    ActionStatus,
    FindingStatus,
    IntelligenceSource,
    NtsFlag,
    OrgStatus,
    ProviderKind,
)
from eqvisit.domain.provider_filter import ProviderFilter
from eqvisit.errors import NotFound
from eqvisit.services.briefing import earlier_requirements
from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import IntelligenceRow, ProviderDetail, ProviderRow
from eqvisit.services.intelligence_summary import cqc_ratings, current_flags, trends
from eqvisit.services.mapping import intelligence_row, provider_row
from eqvisit.services.profile_dto import IntelligenceGroup, ProviderFilterChoices, ProviderProfile
from eqvisit.services.visits import visit_summary
from eqvisit.storage.repositories import history, intelligence, providers
from eqvisit.storage.unit_of_work import UnitOfWork

__all__ = ["ProviderFilter", "ProviderService"]

CLOSED_FINDINGS = (FindingStatus.CLOSED, FindingStatus.WITHDRAWN)


class ProviderService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def search(
        self,
        query: str,
        narrowed: ProviderFilter | None = None,
        *,
        kinds: Sequence[ProviderKind] = (),
        status: OrgStatus | None = None,
        limit: int = 200,
    ) -> list[ProviderRow]:
        """Providers matching every word typed (name, ODS code, postcode, region or ICB).

        ``narrowed`` filters by kind, region, ICB, status and red flags; ``kinds`` and ``status``
        are shorthands used when no filter is given.
        """
        narrowed = narrowed or ProviderFilter(kinds=kinds, status=status)
        with self._context.store.unit_of_work() as uow:
            return [
                ProviderRow(
                    id=row.id,
                    ods_code=row.ods_code,
                    name=row.name,
                    kind=row.kind,
                    region_code=row.region_code,
                    icb_code=row.icb_code,
                    postcode=row.postcode,
                    status=row.status,
                    red_flags=row.red_flags,
                )
                for row in providers.search(uow.session, query, narrowed, limit=limit)
            ]

    def filter_choices(self) -> ProviderFilterChoices:
        with self._context.store.unit_of_work() as uow:
            regions, icbs = providers.distinct_codes(uow.session)
            return ProviderFilterChoices(tuple(regions), tuple(icbs))

    def get(self, provider_id: str) -> ProviderDetail:
        with self._context.store.unit_of_work() as uow:
            return _detail(uow, provider_id)

    def profile(self, provider_id: str) -> ProviderProfile:
        """Details and sites, intelligence by source, flags, CQC, trends, requirements, visits."""
        with self._context.store.unit_of_work() as uow:
            detail = _detail(uow, provider_id)
            items = detail.intelligence
            period, alerts, counts = current_flags(items)
            requirements = earlier_requirements(uow, provider_id, self._context.risk_bands)
            return ProviderProfile(
                detail=detail,
                groups=_grouped(items),
                latest_nts_period=period,
                nts_flags=alerts,
                flag_counts=counts,
                cqc_ratings=cqc_ratings(items),
                trends=trends(items),
                open_requirements=tuple(
                    r
                    for r in requirements
                    if r.finding.status not in CLOSED_FINDINGS
                    and r.action_status is not ActionStatus.CLOSED
                ),
                visits=tuple(
                    visit_summary(v, detail.provider.name, detail.provider.ods_code)
                    for v in history.visits_of_provider(uow.session, provider_id)
                ),
            )

    def count(self) -> int:
        with self._context.store.unit_of_work() as uow:
            return providers.count(uow.session)


def _detail(uow: UnitOfWork, provider_id: str) -> ProviderDetail:
    provider = providers.get(uow.session, provider_id)
    if provider is None:
        raise NotFound("provider", provider_id)
    own_sites = providers.sites_of(uow.session, provider.ods_code)
    items = intelligence.for_provider(uow.session, provider.id)
    red = sum(1 for item in items if item.flag is NtsFlag.RED)
    return ProviderDetail(
        provider=provider_row(provider, red),
        address_lines=tuple(provider.address_lines or ()),
        opened_on=provider.opened_on,
        closed_on=provider.closed_on,
        parent_code=provider.parent_code,
        sites=tuple(provider_row(s) for s in own_sites),
        intelligence=tuple(intelligence_row(i) for i in items),
    )


def _grouped(items: Sequence[IntelligenceRow]) -> tuple[IntelligenceGroup, ...]:
    by_source: dict[IntelligenceSource, list[IntelligenceRow]] = {}
    for item in items:
        by_source.setdefault(item.source, []).append(item)
    return tuple(
        IntelligenceGroup(
            source,
            tuple(
                sorted(
                    sorted(by_source[source], key=lambda i: i.indicator),
                    key=lambda i: i.period,
                    reverse=True,
                )
            ),
        )
        for source in IntelligenceSource
        if source in by_source
    )
