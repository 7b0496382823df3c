"""Provider intelligence use cases: search providers, read a provider's profile."""

from __future__ import annotations

from collections.abc import Sequence

from eqvisit.domain.enums import OrgStatus, ProviderKind
from eqvisit.errors import NotFound
from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import ProviderDetail, ProviderRow
from eqvisit.services.mapping import intelligence_row, provider_row
from eqvisit.storage.repositories import intelligence, providers


class ProviderService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def search(
        self,
        query: str,
        *,
        kinds: Sequence[ProviderKind] = (),
        status: OrgStatus | None = None,
        limit: int = 200,
    ) -> list[ProviderRow]:
        """Providers matching every word typed (name, ODS code, postcode, region or ICB)."""
        with self._context.store.unit_of_work() as uow:
            found = providers.search(uow.session, query, kinds=kinds, status=status, limit=limit)
            flags = providers.red_flag_counts(uow.session, [p.id for p in found])
            return [provider_row(p, flags.get(p.id, 0)) for p in found]

    def get(self, provider_id: str) -> ProviderDetail:
        with self._context.store.unit_of_work() as uow:
            provider = providers.get(uow.session, provider_id)
            if provider is None:
                raise NotFound("provider", provider_id)
            own_sites = providers.sites_of(uow.session, provider.ods_code)
            items = intelligence.for_provider(uow.session, provider.id)
            red = sum(1 for item in items if item.flag == "red")
            return ProviderDetail(
                provider=provider_row(provider, red),
                address_lines=tuple(provider.address_lines or ()),
                opened_on=provider.opened_on,
                closed_on=provider.closed_on,
                parent_code=provider.parent_code,
                sites=tuple(provider_row(s) for s in own_sites),
                intelligence=tuple(intelligence_row(i) for i in items),
            )

    def count(self) -> int:
        with self._context.store.unit_of_work() as uow:
            return providers.count(uow.session)
