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


CLOCK_OFFSET_SETTING = "clock_offset_ms"
# Offsets within the server's own skew bound are left alone: the server's stamps may run that far
# ahead of its wall clock after it has seen a slightly fast laptop, and it restamps anything beyond.
CLOCK_OFFSET_NOISE_MS = 5 * 60 * 1000


@dataclass
class ServiceContext:
    """Shared by every service of one profile.

    ``clock_offset_ms`` corrects a laptop clock that is wrong: each sync measures the server's
    time against ours, and every stamp issued after is taken on the corrected time, so a laptop
    set a day fast does not win every merge for a day.
    """

    store: Store
    identity: Identity
    clock: HybridClock
    wall_ms: Callable[[], int] = wall_clock_ms
    risk_bands: RiskBands = field(default=DEFAULT_BANDS)
    clock_offset_ms: int = 0

    def corrected_wall_ms(self) -> int:
        return self.wall_ms() + self.clock_offset_ms

    def correct_clock(self, server_wall_ms: int) -> None:
        """Record how far our clock is from the server's (measured at a sync)."""
        offset = server_wall_ms - self.wall_ms()
        offset = 0 if abs(offset) < CLOCK_OFFSET_NOISE_MS else offset
        if offset != self.clock_offset_ms:
            self.clock_offset_ms = offset
            with self.store.unit_of_work() as uow:
                save_setting(uow.session, CLOCK_OFFSET_SETTING, str(offset))
                uow.commit()

    @classmethod
    def open(cls, store: Store, *, wall_ms: Callable[[], int] = wall_clock_ms) -> ServiceContext:
        """Load (or create) this store's device id, clock and signed-in user."""
        with store.unit_of_work() as uow:
            device_id = load_or_create_device_id(uow.session)
            user_id = load_setting(uow.session, USER_SETTING)
            clock = load_clock(uow.session)
            offset = int(load_setting(uow.session, CLOCK_OFFSET_SETTING) or 0)
            uow.commit()
        return cls(store, Identity(user_id, device_id), clock, wall_ms, clock_offset_ms=offset)

    @contextmanager
    def action(self) -> Iterator[tuple[UnitOfWork, ChangeRecorder]]:
        """One user action: a unit of work and a recorder writing changes into it."""
        with self.store.unit_of_work() as uow:
            yield (
                uow,
                ChangeRecorder(uow.session, self.identity, self.clock, self.corrected_wall_ms),
            )

    def require_user(self) -> str:
        if self.identity.user_id is None:
            raise DomainError("Sign in (or create the demo profile) before editing a visit.")
        return self.identity.user_id

    def set_current_user(self, user_id: str | None) -> None:
        with self.store.unit_of_work() as uow:
            save_setting(uow.session, USER_SETTING, user_id or "")
            uow.commit()
        self.identity = Identity(user_id or None, self.identity.device_id)
