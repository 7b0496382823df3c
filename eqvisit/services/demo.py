"""The demo profile: a local central store with demo content, and this profile signed in to it.

The central store is a real one (a SQLite file in the profile, served in-process through the
real app), so the demo shows working sync with no configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from eqvisit.services.context import ServiceContext
from eqvisit.services.credentials import CredentialStore
from eqvisit.services.sync import LOCAL_SCHEME, Progress, SyncReport, SyncService
from eqvisit.storage.repositories import providers

if TYPE_CHECKING:
    from eqvisit.sync.server.national import NationalScale

# The central store's code (FastAPI, Argon2, the generators) is imported only when a demo is
# built: the app's start-up imports this module and should not pay for it.


@dataclass(frozen=True)
class DemoSummary:
    providers: int
    intelligence_items: int
    users: int
    visit_id: str
    central: Path
    sync: SyncReport


class DemoService:
    def __init__(self, context: ServiceContext, credentials: CredentialStore) -> None:
        self._context = context
        self._credentials = credentials

    def is_populated(self) -> bool:
        with self._context.store.unit_of_work() as uow:
            return providers.count(uow.session) > 0 or self._credentials.connection() is not None

    def build(
        self,
        etr_file: Path,
        central_file: Path,
        *,
        seed: int = 2026,
        today: date | None = None,
        progress: Progress | None = None,
    ) -> DemoSummary:
        """Seed the central store, sign in as the demo lead, and sync everything down."""
        from eqvisit.sync.server.database import open_central_store
        from eqvisit.sync.server.demo import seed_demo

        say = progress or (lambda _message: None)
        say("creating the demo central store")
        engine = open_central_store(str(central_file))
        try:
            central = seed_demo(engine, etr_file, seed=seed, today=today)
        finally:
            engine.dispose()
        return DemoSummary(
            central.providers,
            central.intelligence_items,
            central.users,
            central.visit_id,
            central_file,
            self._sign_in_and_sync(central_file, say),
        )

    def build_national(
        self,
        etr_file: Path,
        central_file: Path,
        *,
        seed: int = 2026,
        scale: NationalScale | None = None,
        progress: Progress | None = None,
    ) -> DemoSummary:
        """A full-England central store (``demo --scale national``), then the lead's sync."""
        from eqvisit.sync.server.database import open_central_store
        from eqvisit.sync.server.national import generate_national

        engine = open_central_store(str(central_file))
        try:
            central = generate_national(engine, etr_file, seed=seed, scale=scale, progress=progress)
        finally:
            engine.dispose()
        return DemoSummary(
            central.trusts + central.sites + central.gp_practices,
            central.intelligence_items,
            central.users,
            central.panel_visit_ids[0],
            central_file,
            self._sign_in_and_sync(central_file),
        )

    def _sign_in_and_sync(self, central_file: Path, progress: Progress | None = None) -> SyncReport:
        from eqvisit.sync.server.demo import DEMO_PASSWORD

        sync = SyncService(self._context, self._credentials)
        if progress is not None:
            progress("signing in as the demo lead")
        sync.login(f"{LOCAL_SCHEME}{central_file}", "lead", DEMO_PASSWORD, "demo laptop")
        return sync.sync_once(progress)
