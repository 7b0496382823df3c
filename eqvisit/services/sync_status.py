"""What the status bar says about sync: changes waiting, rejected, open conflicts."""

from __future__ import annotations

from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import SyncStatus
from eqvisit.storage.models import OutboxState
from eqvisit.storage.repositories import outbox, users


class SyncStatusService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def status(self) -> SyncStatus:
        with self._context.store.unit_of_work() as uow:
            counts = outbox.counts_by_state(uow.session)
            user_id = self._context.identity.user_id
            user = users.get(uow.session, user_id) if user_id else None
            return SyncStatus(
                pending=counts.get(OutboxState.PENDING, 0),
                rejected=counts.get(OutboxState.REJECTED, 0),
                open_conflicts=outbox.open_conflict_count(uow.session),
                signed_in_user=user.display_name if user is not None else None,
                device_id=self._context.identity.device_id,
            )
