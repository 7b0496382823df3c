"""What every service needs: the store, who is writing on which device, the clock and settings.

Built once by the composition root (``__main__``/CLI) and passed to the services; nothing reaches
for it globally. Services run on one worker thread at a time (DESIGN §2), which is what makes the
shared in-memory clock safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from eqvisit.domain.hlc import HybridClock
from eqvisit.domain.risk import DEFAULT_BANDS, RiskBands
from eqvisit.errors import DomainError
from eqvisit.storage.changes import (
    USER_SETTING,
    ChangeRecorder,
    Identity,
    load_clock,
    load_or_create_device_id,
    load_setting,
    save_setting,
)
from eqvisit.storage.unit_of_work import Store, UnitOfWork


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class ServiceContext:
    store: Store
    identity: Identity
    clock: HybridClock
    wall_ms: Callable[[], int] = wall_clock_ms
    risk_bands: RiskBands = field(default=DEFAULT_BANDS)

    @classmethod
    def open(cls, store: Store, *, wall_ms: Callable[[], int] = wall_clock_ms) -> ServiceContext:
        """Load (or create) this store's device id, clock and signed-in user."""
        with store.unit_of_work() as uow:
            device_id = load_or_create_device_id(uow.session)
            user_id = load_setting(uow.session, USER_SETTING)
            clock = load_clock(uow.session)
            uow.commit()
        return cls(store, Identity(user_id, device_id), clock, wall_ms)

    @contextmanager
    def action(self) -> Iterator[tuple[UnitOfWork, ChangeRecorder]]:
        """One user action: a unit of work and a recorder writing changes into it."""
        with self.store.unit_of_work() as uow:
            yield uow, ChangeRecorder(uow.session, self.identity, self.clock, self.wall_ms)

    def require_user(self) -> str:
        if self.identity.user_id is None:
            raise DomainError("Sign in (or create the demo profile) before editing a visit.")
        return self.identity.user_id

    def set_current_user(self, user_id: str | None) -> None:
        with self.store.unit_of_work() as uow:
            save_setting(uow.session, USER_SETTING, user_id or "")
            uow.commit()
        self.identity = Identity(user_id or None, self.identity.device_id)
