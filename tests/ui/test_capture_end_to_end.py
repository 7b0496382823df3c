"""A visit day end to end: two panel members and a lay rep capture the same visit on their own
laptops through the real windows, sync with the real central store in-process, and the lead's
laptop shows both authors' answers, the coverage board, the safety flag and a finding linked to
evidence from each of them — also on the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy.orm import Session

from eqvisit.app_services import Services, open_services
from eqvisit.domain.enums import Audience, FindingKind
from eqvisit.paths import resolve_profile
from eqvisit.services.credentials import CredentialStore
from eqvisit.services.sync import SyncService
from eqvisit.services.visits import SessionDraft
from eqvisit.sync.client import SyncClient
from eqvisit.sync.server import admin
from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.server.models import ServerRecord
from eqvisit.sync.transport import InProcessTransport
from eqvisit.templates.loader import load_default_templates
from eqvisit.ui.capture.lay_window import LayObservationWindow
from eqvisit.ui.capture.session_window import SessionCaptureWindow
from eqvisit.ui.visits_page import VisitServices, VisitsPage
from eqvisit.ui.worker import Worker
from tests.sync.conftest import PASSWORD, Central, seed_central

TEMPLATE = "doctors-in-training"


class Laptop:
    def __init__(self, services: Services, sync: SyncService) -> None:
        self.services = services
        self.sync = sync
        self.worker = Worker()


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    engine = open_central_store(str(tmp_path / "central.sqlite3"))
    seeded = seed_central(engine)
    with Session(engine) as session, session.begin():
        for template in load_default_templates():
            if template.id == TEMPLATE:
                admin.publish_template(session, seeded.clock, template)
    yield seeded
    engine.dispose()


@pytest.fixture
def laptops(tmp_path: Path, central: Central) -> Iterator[dict[str, Laptop]]:
    app = central.app
    made: dict[str, Laptop] = {}

    def factory(url: str, device_id: str, token: str | None) -> SyncClient:
        return SyncClient(
            url, device_id, token=token, transport=InProcessTransport(app), sleep=lambda _s: None
        )

    for username in ("lead", "panel1", "panel2", "lay1"):
        paths = resolve_profile(tmp_path / f"laptop-{username}").ensure()
        services = open_services(paths)
        sync = SyncService(
            services.context, CredentialStore(paths.config_dir, use_keychain=False), factory
        )
        sync.login("http://central.test", username, PASSWORD, f"{username}'s laptop")
        sync.sync_once()
        made[username] = Laptop(services, sync)
    yield made
    for laptop in made.values():
        laptop.worker.shutdown()
        laptop.services.close()


def idle(qtbot, window: SessionCaptureWindow | LayObservationWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(
        lambda: window.save_state.text().startswith("Saved") and not window.autosave.busy,
        timeout=10_000,
    )


def test_two_panel_members_and_a_lay_rep_capture_and_the_lead_sees_it_all(  # type: ignore[no-untyped-def]
    qtbot, central: Central, laptops: dict[str, Laptop]
) -> None:
    lead = laptops["lead"]
    users = {u.username: u.id for u in lead.services.users.list_users()}
    version = lead.services.templates.versions(TEMPLATE)[-1]
    session = lead.services.visits.add_session(
        central.visit_id,
        SessionDraft(
            title="Foundation doctors",
            audience=Audience.LEARNERS,
            template_id=TEMPLATE,
            template_version=version,
            interviewer_ids=(users["panel1"], users["panel2"]),
        ),
    )
    lead.sync.sync_once()

    notes = {
        "panel1": "Rota gaps every weekend; nights on ward 4 feel unsafe",
        "panel2": "Teaching is bleep-free and well attended",
    }
    for username, note in notes.items():
        laptop = laptops[username]
        laptop.sync.sync_once()  # offline from here until the end of the day
        form = laptop.services.capture.session_form(session.id)
        window = SessionCaptureWindow(laptop.services.capture, laptop.worker, form)
        qtbot.addWidget(window)
        window.show()
        window.go_to("group_size")
        page = window.current_page()
        assert page is not None
        page.answer.set_value(6)
        page.answer.changed.emit()
        window.go_to("specialties")
        page = window.current_page()
        assert page is not None
        qtbot.keyClicks(page.note, note)
        if username == "panel1":
            page.flag.setChecked(True)
        idle(qtbot, window)
        window.close()

    lay = laptops["lay1"]
    lay.sync.sync_once()
    lay_window = LayObservationWindow(
        lay.services.capture, lay.worker, central.visit_id, [session], []
    )
    qtbot.addWidget(lay_window)
    lay_window.show()
    lay_window.where.setText("Doctors' mess")
    qtbot.keyClicks(lay_window.what, "No working kettle and the fridge is broken")
    idle(qtbot, lay_window)
    assert lay_window.list.count() == 1
    lay_window.close()

    for username in ("panel1", "panel2", "lay1"):
        report = laptops[username].sync.sync_once()
        assert report.rejected == 0, report.rejections
    lead.sync.sync_once()

    answers = {
        (r.author_id, r.question_id): r
        for r in lead.services.capture.responses(session.id)
        if not r.question_id.startswith("@")
    }
    assert answers[(users["panel1"], "specialties")].note == notes["panel1"]
    assert answers[(users["panel2"], "specialties")].note == notes["panel2"]
    assert answers[(users["panel1"], "specialties")].safety_flag
    (observation,) = lead.services.capture.observations(central.visit_id)
    assert observation.author_id == users["lay1"]

    # The lead's Visits page: the red banner and the coverage board, through the real widgets.
    page = VisitsPage(
        VisitServices(
            lead.services.visits,
            lead.services.providers,
            lead.services.users,
            lead.services.templates,
            lead.services.briefing,
            lead.services.capture,
            lead.services.coverage,
        ),
        lead.worker,
    )
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    qtbot.waitUntil(lambda: page.safety_banner.isVisibleTo(page), timeout=10_000)
    assert "nights on ward 4 feel unsafe" in page.safety_banner.text()
    page.open_coverage()
    qtbot.waitUntil(lambda: page.capture.coverage is not None, timeout=10_000)
    board = page.capture.coverage
    assert board is not None
    item = board.session_item("Foundation doctors")
    assert item is not None
    covered = {item.child(i).text(0): item.child(i).text(2) for i in range(item.childCount())}
    prompts = {q.question_id: q.prompt for s in board.board.sessions for q in s.questions}
    assert covered[prompts["specialties"]] == "Panel1, Panel2"
    assert covered[prompts["ltft_present"]] == "not yet"
    assert board.observations.text() == "Observations: 1 by Lay1"

    # A finding linked to evidence from each author, synced to the server.
    finding = lead.services.findings.propose(
        central.visit_id, FindingKind.MANDATORY_REQUIREMENT, "Rota gaps leave nights unsupervised"
    )
    links = [
        lead.services.findings.link_evidence(finding.id, response_id=answers[key].id)
        for key in ((users["panel1"], "specialties"), (users["panel2"], "specialties"))
    ]
    links.append(lead.services.findings.link_evidence(finding.id, observation_id=observation.id))
    assert lead.sync.sync_once().rejected == 0
    with central.session() as server:
        for link_id in links:
            assert server.get(ServerRecord, ("evidence_links", link_id)) is not None
        for response in answers.values():
            assert server.get(ServerRecord, ("responses", response.id)) is not None
    QApplication.processEvents()
