"""A real central store (SQLite file or PostgreSQL) and laptops that sync with it in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from eqvisit.app_services import Services, open_services
from eqvisit.domain.enums import PanelRole, UserRole, VisitType
from eqvisit.paths import resolve_profile
from eqvisit.services.credentials import CredentialStore
from eqvisit.services.sync import PURGE_CLOSED_VISITS_AFTER_DAYS, SyncService
from eqvisit.sync.client import SyncClient
from eqvisit.sync.protocol import MAX_FEED_PAGE
from eqvisit.sync.server import admin
from eqvisit.sync.server.app import create_app
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.transport import InProcessTransport
from tests.conftest import TEST_UNLOCK

PASSWORD = "correct horse battery"
PEOPLE = {
    "lead": (UserRole.QUALITY_LEAD, PanelRole.LEAD),
    "panel1": (UserRole.PANEL_MEMBER, PanelRole.SPECIALTY_SCHOOL_LEAD),
    "panel2": (UserRole.PANEL_MEMBER, PanelRole.UNIVERSITY_REP),
    "lay1": (UserRole.LAY_REPRESENTATIVE, PanelRole.LAY_REPRESENTATIVE),
    "observer": (UserRole.OBSERVER, PanelRole.OBSERVER),
}


@dataclass
class Central:
    engine: Engine
    clock: ServerClock
    visit_id: str
    other_visit_id: str
    provider_id: str

    @property
    def app(self):  # type: ignore[no-untyped-def]
        return create_app(self.engine, clock=self.clock)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


def seed_central(engine: Engine) -> Central:
    clock = ServerClock()
    with Session(engine) as session, session.begin():
        for username, (role, _panel) in PEOPLE.items():
            admin.create_user(
                session, clock, username, role, PASSWORD, display_name=username.title()
            )
        admin.create_user(session, clock, "outsider", UserRole.PANEL_MEMBER, PASSWORD)
        provider_id = admin.ensure_provider(session, clock, "RXX", "St Elsewhere NHS Trust")
        visit_id = admin.create_visit(
            session, clock, provider_id, "Risk-based review", VisitType.RISK_BASED_REVIEW
        )
        other_id = admin.create_visit(
            session, clock, provider_id, "Another visit", VisitType.DESKTOP_REVIEW
        )
        for username, (_role, panel_role) in PEOPLE.items():
            admin.assign(session, clock, username, visit_id, panel_role)
        admin.assign(session, clock, "outsider", other_id, PanelRole.EDUCATOR)
    return Central(engine, clock, visit_id, other_id, provider_id)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def central_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every central-store test runs on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "central.sqlite3")
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def central(central_url: str) -> Iterator[Central]:
    engine = open_central_store(central_url)
    yield seed_central(engine)
    engine.dispose()


Laptop = Callable[..., tuple[Services, SyncService]]


@pytest.fixture
def laptop(tmp_path: Path, central: Central) -> Iterator[Laptop]:
    """``laptop("lead")``: a fresh profile signed in as that user, syncing in-process
    (``laptop("lead", purge_closed_after_days=0)``: retiring closed visits at once;
    ``feed_page_size``: changes per page of reference data and intelligence)."""
    opened: list[Services] = []
    app = central.app

    def factory(url: str, device_id: str, token: str | None) -> SyncClient:
        return SyncClient(
            url, device_id, token=token, transport=InProcessTransport(app), sleep=lambda _s: None
        )

    def make(
        username: str,
        purge_closed_after_days: int = PURGE_CLOSED_VISITS_AFTER_DAYS,
        feed_page_size: int = MAX_FEED_PAGE,
    ) -> tuple[Services, SyncService]:
        paths = resolve_profile(tmp_path / f"laptop-{username}-{len(opened)}").ensure()
        services = open_services(paths, TEST_UNLOCK)
        opened.append(services)
        sync = SyncService(
            services.context,
            CredentialStore(paths.config_dir, use_keychain=False),
            factory,
            purge_closed_after_days=purge_closed_after_days,
            feed_page_size=feed_page_size,
        )
        sync.login("http://central.test", username, PASSWORD, f"{username}'s laptop")
        return services, sync

    yield make
    for services in opened:
        services.close()
