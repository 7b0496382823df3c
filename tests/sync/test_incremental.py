"""An up-to-date laptop's sync asks for little: scopes with nothing new are not pulled, a receipt
that matched is not asked again, and the laptop's own changes coming back are not re-applied."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy.orm import Session

from eqvisit.app_services import Services, open_services
from eqvisit.domain.enums import PanelRole, Sentiment
from eqvisit.errors import NotFound
from eqvisit.paths import resolve_profile
from eqvisit.services.credentials import CredentialStore
from eqvisit.services.sync import SyncService
from eqvisit.storage import sync_state
from eqvisit.sync.client import SyncClient
from eqvisit.sync.protocol import read_changes_page
from eqvisit.sync.server import admin, reading
from eqvisit.sync.transport import InProcessTransport
from tests.conftest import TEST_UNLOCK
from tests.sync.conftest import PASSWORD, Central


class PathRecorder(httpx.BaseTransport):
    """Passes requests on to the in-process server, noting each path asked for."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return self.inner.handle_request(request)


Counted = tuple[Services, SyncService, PathRecorder]
MakeCounted = Callable[[str], Counted]


@pytest.fixture
def counted(tmp_path: Path, central: Central) -> Iterator[MakeCounted]:
    opened: list[Services] = []

    def make(username: str) -> Counted:
        paths = resolve_profile(tmp_path / f"{username}-{len(opened)}").ensure()
        services = open_services(paths, TEST_UNLOCK)
        opened.append(services)
        recorder = PathRecorder(InProcessTransport(central.app))
        sync = SyncService(
            services.context,
            CredentialStore(paths.config_dir, use_keychain=False),
            lambda url, device_id, token: SyncClient(
                url, device_id, token=token, transport=recorder, sleep=lambda _s: None
            ),
        )
        sync.login("http://central.test", username, PASSWORD, f"{username}'s laptop")
        return services, sync, recorder

    yield make
    for services in opened:
        services.close()


def sync_paths(sync: SyncService, recorder: PathRecorder) -> list[str]:
    before = len(recorder.paths)
    sync.sync_once()
    return recorder.paths[before:]


def test_an_up_to_date_laptop_asks_only_which_scopes_it_holds(
    central: Central, counted: MakeCounted
) -> None:
    _lead, lead_sync, recorder = counted("lead")
    lead_sync.sync_once()
    assert "/v1/feed" in recorder.paths, "the first sync read reference data"
    assert "/v1/pull" in recorder.paths, "the first sync pulled the visits"
    assert sync_paths(lead_sync, recorder) == ["/v1/scopes"]
    report = lead_sync.sync_once()
    assert report.receipts and all(r.matches for r in report.receipts)


def test_a_change_from_another_laptop_is_pulled_and_the_receipt_asked_again(
    central: Central,
    counted: MakeCounted,
) -> None:
    lead, lead_sync, lead_requests = counted("lead")
    panel, panel_sync, _ = counted("panel1")
    lead_sync.sync_once()
    panel_sync.sync_once()
    lead_sync.sync_once()
    panel.capture.add_observation(central.visit_id, "Rota gaps on nights")
    panel_sync.sync_once()
    asked = sync_paths(lead_sync, lead_requests)
    assert asked == ["/v1/scopes", "/v1/pull", "/v1/receipt"], asked
    assert [o.text for o in lead.capture.observations(central.visit_id)] == ["Rota gaps on nights"]


def test_a_laptop_whose_push_is_all_that_is_new_moves_its_cursor_without_pulling(
    central: Central,
    counted: MakeCounted,
) -> None:
    panel, panel_sync, recorder = counted("panel1")
    panel_sync.sync_once()
    panel.capture.add_observation(central.visit_id, "Handover is structured")
    before = len(recorder.paths)
    report = panel_sync.sync_once()
    assert recorder.paths[before:] == ["/v1/scopes", "/v1/push", "/v1/receipt"]
    assert report.accepted == 1 and report.pulled == 0
    assert all(r.matches for r in report.receipts), "nothing was missed by not pulling"
    scope = f"visit:{central.visit_id}"
    with Session(central.engine) as session:
        head = reading.scope_heads(session, [scope])[scope]
    with panel.context.store.unit_of_work() as uow:
        assert sync_state.cursor(uow.session, scope) == head
    assert sync_paths(panel_sync, recorder) == ["/v1/scopes"], "and is up to date after it"


def test_a_laptops_own_change_pulled_back_beside_anothers_changes_nothing(
    central: Central,
    counted: MakeCounted,
) -> None:
    panel, panel_sync, _ = counted("panel1")
    other, other_sync, _ = counted("panel2")
    panel_sync.sync_once()
    other_sync.sync_once()
    other.capture.add_observation(central.visit_id, "Rota gaps on nights")
    other_sync.sync_once()
    panel.capture.add_observation(central.visit_id, "Handover is structured")
    report = panel_sync.sync_once()
    assert report.accepted == 1
    assert report.pulled == 2, "another laptop's change came first: the page holds both"
    assert report.applied == 1, "this laptop holds its own already"
    assert all(r.matches for r in report.receipts)
    texts = sorted(o.text for o in panel.capture.observations(central.visit_id))
    assert texts == ["Handover is structured", "Rota gaps on nights"]


def test_a_visit_granted_again_brings_back_the_laptops_own_records(
    central: Central,
    counted: MakeCounted,
) -> None:
    panel, panel_sync, _ = counted("panel2")
    panel_sync.sync_once()
    panel.capture.add_observation(
        central.visit_id, "Teaching bleeps are protected", sentiment=Sentiment.POSITIVE
    )
    panel_sync.sync_once()
    with Session(central.engine) as session, session.begin():
        admin.unassign(session, central.clock, "panel2", central.visit_id)
    assert f"visit:{central.visit_id}" in panel_sync.sync_once().purged
    with pytest.raises(NotFound):
        panel.visits.get(central.visit_id)
    with Session(central.engine) as session, session.begin():
        admin.assign(session, central.clock, "panel2", central.visit_id, PanelRole.EDUCATOR)
    panel_sync.sync_once()
    texts = [o.text for o in panel.capture.observations(central.visit_id)]
    assert texts == ["Teaching bleeps are protected"]


GOOD_CHANGE = {
    "change_id": "c1",
    "record_type": "observations",
    "record_id": "r1",
    "scope": "visit:v1",
    "fields": {"text": "x"},
    "base": {},
    "hlc": "0001732312345678-00000",
    "author_id": None,
    "device_id": "d1",
    "server_seq": 7,
}


def page_of(*changes: object, scope: str = "visit:v1") -> bytes:
    return orjson.dumps(
        {
            "scope": scope,
            "changes": list(changes),
            "cursor": 7,
            "more": False,
            "server_hlc": "0001732312345678-00000",
        }
    )


def test_a_well_formed_page_is_read_as_plain_values() -> None:
    page = read_changes_page(page_of(GOOD_CHANGE), "visit:v1")
    assert page.changes == [GOOD_CHANGE]
    assert (page.cursor, page.more) == (7, False)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (page_of(GOOD_CHANGE, scope="visit:v2"), "asked for visit:v1"),
        (page_of({**GOOD_CHANGE, "scope": "visit:v2"}), "change 0 of the page: it belongs to"),
        (page_of({**GOOD_CHANGE, "fields": "x"}), "change 0 of the page: fields and base"),
        (page_of(GOOD_CHANGE, {**GOOD_CHANGE, "extra": 1}), "change 1 of the page: expected"),
        (page_of({**GOOD_CHANGE, "server_seq": "7"}), "server_seq must be an integer"),
        (page_of({**GOOD_CHANGE, "record_id": 5}), "record_id must be text"),
        (b"[]", "a page is a JSON object"),
    ],
)
def test_a_malformed_page_is_refused_saying_where(content: bytes, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        read_changes_page(content, "visit:v1")
