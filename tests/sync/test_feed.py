"""The scopes the central store owns: it orders their writes, serves them as a feed in log order,
and laptops hold exactly what it holds without stamps (docs/sync.md)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from eqvisit.domain.enums import UserRole
from eqvisit.domain.ids import new_id
from eqvisit.errors import SyncError
from eqvisit.storage import models as m
from eqvisit.sync.client import SyncClient
from eqvisit.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, Change, read_feed_page
from eqvisit.sync.server import admin
from eqvisit.sync.server.batch import LogRow, WriteBatch
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.exchange import (
    SERVER_DEVICE,
    merge_change,
    server_create_many,
    server_write,
)
from eqvisit.sync.server.models import ChangeLogEntry, ServerRecord
from eqvisit.sync.transport import InProcessTransport
from tests.sync.conftest import PASSWORD, Central, Laptop
from tests.sync.faulty import assert_owned_scope_matches_server

BASE_URL = "http://central.test"
DAY_MS = 86_400_000
NOW = "2026-03-02T09:30:00.123456+00:00"


def item_fields(provider_id: str, index: int, **changed: Any) -> dict[str, Any]:
    return {
        "provider_id": provider_id,
        "source": "nts",
        "period": str(2021 + index % 4),
        "indicator": f"Indicator {index}",
        "dimensions": {"programme": "Foundation", "level": f"F{index % 2 + 1}"},
        "n": 3 + index,
        "value": 60.0 + index,
        "benchmark": 78.0,
        "flag": ("red", "green", None)[index % 3],
        "text": None,
        "created_at": NOW,
        "updated_at": NOW,
        **changed,
    }


def add_items(central: Central, count: int) -> list[str]:
    ids = [new_id() for _ in range(count)]
    scope = f"provider:{central.provider_id}"
    with central.session() as session, session.begin():
        server_create_many(
            session,
            "intelligence_items",
            [(i, scope, item_fields(central.provider_id, n)) for n, i in enumerate(ids)],
            central.clock,
        )
    return ids


def signed_in(central: Central, username: str, device_id: str | None = None) -> SyncClient:
    client = SyncClient(BASE_URL, device_id or new_id(), transport=InProcessTransport(central.app))
    client.login(username, PASSWORD, f"{username}'s tool")
    return client


@pytest.fixture
def lead_client(central: Central) -> Iterator[SyncClient]:
    with signed_in(central, "lead") as client:
        yield client


def state_of(central: Central, record_type: str, record_id: str) -> dict[str, Any]:
    with central.session() as session:
        record = session.get(ServerRecord, (record_type, record_id))
        assert record is not None
        return dict(record.state)


# --- the central store orders the writes of the scopes it owns ---------------------------------


def test_a_write_from_a_clock_behind_the_store_still_takes_effect(central: Central) -> None:
    """An import run on a machine whose clock is a day behind renames a provider: it is logged
    last, so it must win, as a laptop reading the log in order will take it."""
    before = state_of(central, "providers", central.provider_id)["name"]
    behind = ServerClock(wall_ms=lambda: time.time_ns() // 1_000_000 - DAY_MS)
    with central.session() as session, session.begin():
        server_write(
            session, "providers", central.provider_id, "reference", {"name": "Renamed"}, behind
        )
    after = state_of(central, "providers", central.provider_id)
    assert after["name"]["value"] == "Renamed"
    assert after["name"]["hlc"] > before["hlc"]
    assert all(after["name"]["hlc"] > entry["hlc"] for n, entry in after.items() if n != "name")


def test_an_administrators_late_push_to_reference_data_is_restamped_and_wins(
    central: Central,
) -> None:
    """A push to a scope the store owns is stamped by the store after the record's stamps:
    answered restamped, applied, and no conflict record made (those are for visits' people)."""
    with central.session() as session, session.begin():
        keeper = admin.create_user(session, ServerClock(), "keeper", UserRole.ADMIN, PASSWORD)
    device = new_id()
    stale = "0000000000000001-00000"
    change = Change(
        change_id=new_id(),
        record_type="providers",
        record_id=central.provider_id,
        scope="reference",
        fields={"name": "Renamed offline"},
        base={"name": None},
        hlc=stale,
        author_id=keeper.id,
        device_id=device,
    )
    with signed_in(central, "keeper", device) as client:
        answer = client.push([change]).results[0]
    assert answer.status == "accepted", answer.reason
    assert answer.restamped_hlc is not None and answer.restamped_hlc > stale
    state = state_of(central, "providers", central.provider_id)
    assert state["name"]["value"] == "Renamed offline"
    assert state["name"]["hlc"] == answer.restamped_hlc
    with central.session() as session:
        conflicts = session.scalar(
            select(func.count())
            .select_from(ServerRecord)
            .where(ServerRecord.record_type == "conflicts")
        )
    assert conflicts == 0


# --- the feed ------------------------------------------------------------------------------------


def test_the_feed_is_the_log_of_the_scope_in_order_page_by_page(
    central: Central, lead_client: SyncClient
) -> None:
    scope = f"provider:{central.provider_id}"
    ids = add_items(central, 7)
    with central.session() as session, session.begin():
        server_write(session, "intelligence_items", ids[2], scope, {"value": 1.5}, central.clock)
    got: list[tuple[str, str, dict[str, Any]]] = []
    after = 0
    pages = 0
    while True:
        page = lead_client.feed(scope, after, limit=3)
        got.extend(page.changes)
        assert page.cursor >= after
        after, pages = page.cursor, pages + 1
        if not page.more:
            break
    with central.session() as session:
        log = session.scalars(
            select(ChangeLogEntry).where(ChangeLogEntry.scope == scope).order_by(ChangeLogEntry.seq)
        ).all()
    assert got == [(e.record_type, e.record_id, e.fields) for e in log]
    assert got[-1] == ("intelligence_items", ids[2], {"value": 1.5})
    assert after == log[-1].seq and pages == 3
    assert lead_client.feed(scope, after).changes == []


@pytest.mark.parametrize(
    ("username", "scope", "status", "error"),
    [
        pytest.param("lead", "visit:{visit}", 422, "invalid", id="a visit is pulled"),
        pytest.param("lead", "visit:{other}", 422, "invalid", id="another visit says no more"),
        pytest.param("outsider", "provider:nowhere", 403, "forbidden", id="no such provider"),
        pytest.param("lead", "provider:", 403, "forbidden", id="malformed"),
    ],
)
def test_the_feed_serves_only_owned_scopes_the_user_holds(
    central: Central, username: str, scope: str, status: int, error: str
) -> None:
    named = scope.format(
        visit=central.visit_id, other=central.other_visit_id, provider=central.provider_id
    )
    with signed_in(central, username) as client:
        answer = client._http.get(
            "/v1/feed",
            params={"scope": named},
            headers={
                PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                "Authorization": f"Bearer {client._token}",
            },
        )
    assert (answer.status_code, answer.json()["error"]) == (status, error), answer.text


def test_a_lay_representative_reads_no_intelligence_in_the_feed(central: Central) -> None:
    """As in a pull, a change the table does not let the user read is left out of the page."""
    add_items(central, 3)
    scope = f"provider:{central.provider_id}"
    with signed_in(central, "lay1") as lay, signed_in(central, "panel1") as panel:
        assert lay.feed(scope, 0).changes == []
        assert len(panel.feed(scope, 0).changes) == 3


def test_a_record_of_another_kind_in_an_owned_scope_is_shown_only_to_roles_that_read_it(
    central: Central,
) -> None:
    """Before s0002 an administrator's late push could leave a conflict record in reference
    data. The feed then reads that page change by change through the permission table: a lead
    (who reads conflicts) gets it, an administrator (who does not) gets the rest of the page."""
    with central.session() as session, session.begin():
        keeper = admin.create_user(session, ServerClock(), "keeper", UserRole.ADMIN, PASSWORD)
        records = WriteBatch(session)
        row = LogRow(
            change_id=new_id(),
            record_type="conflicts",
            record_id=new_id(),
            scope="reference",
            fields={"record_type": "providers", "field": "name", "losing_value": "Old"},
            base={},
            hlc=str(central.clock.now()),
            author_id=None,
            device_id=SERVER_DEVICE,
            received_at=datetime.now(UTC),
        )
        merge_change(records, row, None, created_by=None, clock=central.clock)
        records.write()
    with signed_in(central, "lead") as lead, signed_in(central, "keeper") as keeper_client:
        by_lead = lead.feed("reference", 0).changes
        by_admin = keeper_client.feed("reference", 0).changes
    assert ("conflicts", row.record_id, row.fields) in by_lead
    assert [c for c in by_lead if c[0] != "conflicts"] == by_admin
    assert keeper.id in {record_id for _type, record_id, _f in by_admin}


# --- laptops -------------------------------------------------------------------------------------


def test_a_laptop_holds_what_the_store_holds_of_its_owned_scopes(
    central: Central, laptop: Laptop
) -> None:
    """Created, renamed, edited twice in one page, deleted, created without some columns (the
    laptop's defaults fill them): after each sync the laptop's copy is the store's, with no
    stamps; small pages split runs and records across pages and transactions."""
    provider_scope = f"provider:{central.provider_id}"
    ids = add_items(central, 25)
    services, sync = laptop("lead", feed_page_size=4)
    sync.sync_once()
    for scope in ("reference", provider_scope):
        assert assert_owned_scope_matches_server(services, central.engine, scope) > 0

    with central.session() as session, session.begin():
        clock = central.clock
        server_write(session, "providers", central.provider_id, "reference", {"name": "X"}, clock)
        server_write(session, "intelligence_items", ids[0], provider_scope, {"n": 1}, clock)
        server_write(session, "intelligence_items", ids[0], provider_scope, {"n": 2}, clock)
        server_write(
            session, "intelligence_items", ids[1], provider_scope, {"deleted_at": NOW}, clock
        )
        bare = new_id()
        server_write(
            session,
            "providers",
            bare,
            "reference",
            {"ods_code": "RZZ", "name": "New trust", "kind": "trust"},
            clock,
        )
    report = sync.sync_once()
    assert report.pulled == 5
    for scope in ("reference", provider_scope):
        assert_owned_scope_matches_server(services, central.engine, scope)
    with services.context.store.unit_of_work() as uow:
        created = uow.session.get(m.Provider, bare)
        assert created is not None and created.address_lines == [] and created.status == "active"
        assert uow.session.get(m.IntelligenceItem, ids[0]).n == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("unfit", "said"),
    [
        pytest.param({"flag": "purple"}, "purple", id="an unknown enum value"),
        pytest.param({"created_at": "2026-13-45T09:30:00.123456+00:00"}, "month", id="no such day"),
        pytest.param({"updated_at": {"when": "now"}}, "", id="an object for a time"),
    ],
)
def test_a_value_a_column_cannot_hold_stops_the_sync_and_writes_nothing_of_the_page(
    central: Central, laptop: Laptop, unfit: dict[str, Any], said: str
) -> None:
    services, sync = laptop("lead")
    sync.sync_once()
    scope = f"provider:{central.provider_id}"
    with services.context.store.unit_of_work() as uow:
        cursor = uow.session.get(m.SyncCursor, scope)
        before = cursor.cursor if cursor is not None else 0
    bad = new_id()
    with central.session() as session, session.begin():
        server_create_many(
            session,
            "intelligence_items",
            [
                (new_id(), scope, item_fields(central.provider_id, 1)),
                (bad, scope, item_fields(central.provider_id, 2, **unfit)),
            ],
            central.clock,
        )
    with pytest.raises(SyncError, match=rf"intelligence_items record \({bad}.*{said}"):
        sync.sync_once()
    with services.context.store.unit_of_work() as uow:
        cursor = uow.session.get(m.SyncCursor, scope)
        assert (cursor.cursor if cursor is not None else 0) == before
        held = uow.session.scalar(select(func.count()).select_from(m.IntelligenceItem))
    assert held == 0


def test_a_provider_no_longer_granted_is_purged_without_stamps(
    central: Central, laptop: Laptop
) -> None:
    add_items(central, 5)
    services, sync = laptop("panel1")
    sync.sync_once()
    with services.context.store.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(m.IntelligenceItem)) == 5
    with central.session() as session, session.begin():
        admin.unassign(session, central.clock, "panel1", central.visit_id)
    report = sync.sync_once()
    assert f"provider:{central.provider_id}" in report.purged
    with services.context.store.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(m.IntelligenceItem)) == 0


# --- any sequence of writes, any page size -------------------------------------------------------

OFFSETS = st.sampled_from([0, -DAY_MS, DAY_MS // 2])
WRITES = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(0, 50), OFFSETS),
        st.tuples(st.just("edit"), st.integers(0, 50), OFFSETS),
        st.tuples(st.just("delete"), st.integers(0, 50), OFFSETS),
        st.tuples(st.just("rename"), st.integers(0, 50), OFFSETS),
    ),
    max_size=12,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rounds=st.lists(WRITES, min_size=1, max_size=3), page_size=st.integers(1, 6))
def test_any_writes_from_any_clocks_read_in_any_page_size_leave_the_laptop_equal(
    central: Central, laptop: Laptop, rounds: list[list[tuple[str, int, int]]], page_size: int
) -> None:
    """Writes by import processes whose clocks are behind or ahead, read by a new laptop in pages
    of any size, then round by round: after every sync the laptop holds the store's records of
    its owned scopes."""
    services, sync = laptop("lead", feed_page_size=page_size)
    scope = f"provider:{central.provider_id}"
    with central.session() as session:
        items = list(
            session.scalars(select(ServerRecord.record_id).where(ServerRecord.scope == scope))
        )
    for writes in rounds:
        with central.session() as session, session.begin():
            for kind, pick, offset in writes:
                clock = ServerClock(wall_ms=lambda o=offset: time.time_ns() // 1_000_000 + o)
                if kind == "create" or not items:
                    items.append(new_id())
                    fields = item_fields(central.provider_id, pick)
                    server_write(session, "intelligence_items", items[-1], scope, fields, clock)
                elif kind == "rename":
                    name = {"name": f"Trust {pick}"}
                    server_write(
                        session, "providers", central.provider_id, "reference", name, clock
                    )
                else:
                    changed = {"value": float(pick)} if kind == "edit" else {"deleted_at": NOW}
                    target = items[pick % len(items)]
                    server_write(session, "intelligence_items", target, scope, changed, clock)
        sync.sync_once()
        assert_owned_scope_matches_server(services, central.engine, "reference")
        assert_owned_scope_matches_server(services, central.engine, scope)


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        pytest.param(
            {"changes": [["providers", "p1", {"name": "A"}], ["providers", "p2"]]},
            r"change 1 of the page is not \[record type, id, fields\]",
            id="a change without fields",
        ),
        pytest.param(
            {"changes": [["providers", 7, {}]]},
            r"change 0 of the page is not",
            id="an id that is not text",
        ),
        pytest.param({"scope": "provider:x"}, "asked for reference", id="another scope"),
        pytest.param({"cursor": "2"}, "cursor and more", id="a cursor that is not a number"),
    ],
)
def test_a_feed_page_of_the_wrong_shape_is_refused_with_where(
    page: dict[str, Any], problem: str
) -> None:
    body = {
        "scope": "reference",
        "changes": [],
        "cursor": 2,
        "more": False,
        "server_hlc": "0000000000000001-00000",
        **page,
    }
    with pytest.raises(ValueError, match=problem):
        read_feed_page(orjson.dumps(body), "reference")
