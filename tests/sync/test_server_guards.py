"""The central store's guards, over HTTP against the real app: what it refuses before any rule.

Protocol header (426), JSON bodies (415), body size with and without Content-Length (413),
malformed requests named field by field (422), bearer tokens (401, ``revoked``), the sign-in rate
limit shared by every instance on a database (429), and tokens kept out of logs and URLs.

Guards that sit in front of the database share one SQLite store for the module; the ones that
depend on what the database remembers (failed sign-ins, revoked devices) run on SQLite and
PostgreSQL through the ``central`` fixture.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from eqvisit.domain.hlc import HybridClock
from eqvisit.domain.ids import new_id
from eqvisit.errors import AuthError, SyncError
from eqvisit.sync.client import DeviceRevoked, SyncClient
from eqvisit.sync.protocol import (
    MAX_PULL_PAGE,
    MAX_PUSH_BATCH,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    Change,
)
from eqvisit.sync.server import admin
from eqvisit.sync.server.app import MAX_BODY_BYTES, create_app
from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.server.models import ChangeLogEntry, Device, LoginFailure, ServerUser
from eqvisit.sync.transport import InProcessTransport
from tests.sync.conftest import PASSWORD, Central, Laptop, seed_central

BASE_URL = "http://central.test"
PROTOCOL = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
ENDPOINTS = (
    ("GET", "/v1/scopes"),
    ("POST", "/v1/push"),
    ("GET", "/v1/pull"),
    ("GET", "/v1/feed"),
    ("GET", "/v1/receipt"),
    ("POST", "/v1/logout"),
)


@dataclass
class Store:
    """A seeded central store shared by the tests of this module that only read it."""

    central: Central
    app: FastAPI
    http: httpx.Client
    token: str  # the lead's, signed in on device "device-guards"

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {**PROTOCOL, "Authorization": f"Bearer {token or self.token}"}

    def json_auth(self) -> dict[str, str]:
        return self.auth() | {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    engine = open_central_store(str(tmp_path_factory.mktemp("guards") / "central.sqlite3"))
    central = seed_central(engine)
    app = create_app(engine, clock=central.clock)
    with httpx.Client(base_url=BASE_URL, transport=InProcessTransport(app)) as http:
        signed_in = login(http, "lead", PASSWORD, "device-guards")
        assert signed_in.status_code == 200, signed_in.text
        yield Store(central, app, http, signed_in.json()["token"])
    engine.dispose()


def login(http: httpx.Client, username: str, password: str, device: str) -> httpx.Response:
    return http.post(
        "/v1/login",
        json={"username": username, "password": password, "device_name": "test laptop"},
        headers={**PROTOCOL, "X-Eqvisit-Device": device},
    )


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    return response.status_code, body["error"], body["detail"]


def a_change(central: Central, **override: Any) -> dict[str, Any]:
    """A well-formed change (the lead retitling visit A), as JSON, with fields overridden."""
    change: dict[str, Any] = {
        "change_id": new_id(),
        "record_type": "visits",
        "record_id": central.visit_id,
        "scope": f"visit:{central.visit_id}",
        "fields": {"title": "Retitled"},
        "base": {},
        "hlc": str(HybridClock().now(1_700_000_000_000)),
        "author_id": None,
        "device_id": "device-guards",
    }
    change.update(override)
    return {name: value for name, value in change.items() if value is not ...}


def logged_changes(central: Central) -> int:
    with central.session() as session:
        return session.scalar(select(func.count()).select_from(ChangeLogEntry)) or 0


# --- 426: the protocol header ------------------------------------------------------------------


@pytest.mark.parametrize("version", [None, "", "3", "0", "1.0", "one"])
def test_v1_refuses_a_missing_or_wrong_protocol_version(store: Store, version: str | None) -> None:
    headers = {"Authorization": f"Bearer {store.token}", "Content-Type": "application/json"}
    if version is not None:
        headers[PROTOCOL_HEADER] = version
    for method, path in (*ENDPOINTS, ("POST", "/v1/login"), ("GET", "/v1/nowhere")):
        answer = store.http.request(method, path, headers=headers, content=b"{}")
        status, error, detail = error_of(answer)
        assert (status, error) == (426, "protocol"), (method, path, answer.text)
        assert "protocol 1 and 2" in detail
    # The same request with the right header gets past the guard.
    assert store.http.get("/v1/scopes", headers=store.auth()).status_code == 200


def test_a_laptop_of_a_protocol_the_store_does_not_speak_is_told_what_to_update(
    store: Store,
) -> None:
    newer = SyncClient(
        BASE_URL, "device-newer", transport=InProcessTransport(store.app), protocol=3
    )
    with newer, pytest.raises(SyncError, match="different versions of the sync protocol") as told:
        newer.login("lead", PASSWORD, "a newer laptop")
    assert "speaks protocol 1 and 2" in str(told.value)


def test_a_laptop_of_protocol_1_still_pulls_every_scope(store: Store) -> None:
    """Laptops from before the feed send protocol 1 and read reference data through /v1/pull;
    the server still answers them, with the same changes its feed gives."""
    old = {**store.auth(), PROTOCOL_HEADER: "1"}
    pulled = store.http.get("/v1/pull", params={"scope": "reference"}, headers=old)
    assert pulled.status_code == 200, pulled.text
    fed = store.http.get("/v1/feed", params={"scope": "reference"}, headers=store.auth())
    assert fed.status_code == 200, fed.text
    assert [(c["record_type"], c["record_id"], c["fields"]) for c in pulled.json()["changes"]] == [
        tuple(change) for change in fed.json()["changes"]
    ]
    assert pulled.json()["cursor"] == fed.json()["cursor"]


def test_health_and_openapi_answer_without_token_or_protocol_header(store: Store) -> None:
    health = store.http.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.json()["protocol"] == PROTOCOL_VERSION
    assert health.json()["protocols"] == [1, 2]
    schema = store.http.get("/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/v1/login", "/v1/push", "/v1/pull", "/v1/feed", "/v1/scopes", "/v1/receipt"):
        assert path in paths, path
    assert "token" not in json.dumps(schema.json()["info"]).lower()


# --- 415: bodies are JSON ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "text/json",
        "application/jsonx",
        "application/json-patch+json",
    ],
)
def test_bodies_must_be_json(store: Store, content_type: str | None) -> None:
    before = logged_changes(store.central)
    body = json.dumps({"changes": [a_change(store.central)]}).encode()
    for path in ("/v1/push", "/v1/login", "/v1/logout"):
        headers = store.auth() | {"X-Eqvisit-Device": "device-guards"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        answer = store.http.post(path, content=body, headers=headers)
        assert error_of(answer)[:2] == (415, "media_type"), (path, answer.text)
    assert logged_changes(store.central) == before
    still = store.http.get("/v1/scopes", headers=store.auth())
    assert still.status_code == 200, "a refused request must not sign the device out"


def test_json_with_a_charset_is_accepted(store: Store) -> None:
    body = json.dumps({"changes": [a_change(store.central, fields={"reason": "charset"})]})
    answer = store.http.post(
        "/v1/push",
        content=body.encode(),
        headers=store.auth() | {"Content-Type": "application/json; charset=utf-8"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][0]["status"] == "accepted"


# --- 413: bodies are bounded -------------------------------------------------------------------


def test_an_oversized_body_with_a_content_length_is_refused(store: Store) -> None:
    padding = "x" * (MAX_BODY_BYTES + 1)
    body = json.dumps({"changes": [a_change(store.central, fields={"reason": padding})]})
    assert len(body) > MAX_BODY_BYTES
    before = logged_changes(store.central)
    for path in ("/v1/push", "/v1/login"):
        answer = store.http.post(path, content=body.encode(), headers=store.json_auth())
        status, error, detail = error_of(answer)
        assert (status, error) == (413, "too_large"), path
        assert str(MAX_BODY_BYTES) in detail
    assert logged_changes(store.central) == before


def test_the_body_limit_is_exact(store: Store) -> None:
    limit = 4096
    small = create_app(store.central.engine, clock=store.central.clock, max_body=limit)
    with httpx.Client(base_url=BASE_URL, transport=InProcessTransport(small)) as http:
        change = a_change(store.central, fields={"reason": ""})
        bare = len(json.dumps({"changes": [change]}).encode())
        for size, refused in ((limit, False), (limit + 1, True)):
            change["change_id"] = new_id()
            change["fields"] = {"reason": "y" * (size - bare)}
            body = json.dumps({"changes": [change]}).encode()
            assert len(body) == size
            answer = http.post("/v1/push", content=body, headers=store.json_auth())
            assert (answer.status_code == 413) is refused, (size, answer.text)
            if not refused:
                assert answer.json()["results"][0]["status"] == "accepted"


async def _chunked_post(
    app: FastAPI, path: str, headers: dict[str, str], head: dict[str, Any], size: int
) -> Any:
    """POST ``head`` plus a ``padding`` key of ``size`` bytes in 64 KiB chunks, no length."""

    async def body() -> AsyncIterator[bytes]:
        sent = 0
        yield json.dumps(head)[:-1].encode() + b', "padding": "'
        while sent < size:
            chunk = min(65536, size - sent)
            sent += chunk
            yield b"z" * chunk
        yield b'"}'

    async with httpx.AsyncClient(
        base_url=BASE_URL, transport=httpx.ASGITransport(app=app)
    ) as client:
        answer = await client.post(path, content=body(), headers=headers)
        assert "content-length" not in answer.request.headers
        assert answer.request.headers["transfer-encoding"] == "chunked"
        return answer.status_code, answer.json()


@pytest.mark.parametrize("path", ["/v1/push", "/v1/login"])
def test_an_oversized_chunked_body_is_refused(store: Store, path: str) -> None:
    limit = 64 * 1024
    small = create_app(store.central.engine, clock=store.central.clock, max_body=limit)
    headers = store.json_auth() | {"X-Eqvisit-Device": "device-guards"}
    head = {"changes": [a_change(store.central)]}
    status, body = asyncio.run(_chunked_post(small, path, headers, head, 4 * limit))
    assert (status, body.get("error")) == (413, "too_large"), body


def test_a_chunked_body_within_the_limit_is_read(store: Store) -> None:
    small = create_app(store.central.engine, clock=store.central.clock, max_body=64 * 1024)
    head = {"changes": [a_change(store.central)]}
    status, body = asyncio.run(_chunked_post(small, "/v1/push", store.json_auth(), head, 1000))
    # Read whole and validated: only the stray key is wrong, so nothing was cut short.
    assert (status, body["error"]) == (422, "invalid"), body
    assert body["detail"].startswith("body.padding"), body


# --- 422: malformed requests name the field ----------------------------------------------------


MALFORMED_CHANGES: list[tuple[str, dict[str, Any], str]] = [
    ("no hlc", {"hlc": ...}, "changes.0.hlc"),
    ("no change id", {"change_id": ...}, "changes.0.change_id"),
    ("bad hlc", {"hlc": "yesterday"}, "changes.0.hlc"),
    ("bad record type", {"record_type": "Sessions;drop"}, "changes.0.record_type"),
    ("bad scope", {"scope": "visit:../../etc"}, "changes.0.scope"),
    ("bad record id", {"record_id": "a/b"}, "changes.0.record_id"),
    ("no fields", {"fields": {}}, "changes.0.fields"),
    ("bad field name", {"fields": {"Bad-Name": 1}}, "changes.0.fields.Bad-Name"),
    ("bad base stamp", {"base": {"title": "then"}}, "changes.0.base.title"),
    ("unknown key", {"sneaky": True}, "changes.0.sneaky"),
    ("fields not a dict", {"fields": ["title"]}, "changes.0.fields"),
    ("device not a string", {"device_id": 7}, "changes.0.device_id"),
]


@pytest.mark.parametrize(
    ("override", "where"),
    [pytest.param(override, where, id=name) for name, override, where in MALFORMED_CHANGES],
)
def test_a_malformed_change_is_refused_with_its_field_named(
    store: Store, override: dict[str, Any], where: str
) -> None:
    before = logged_changes(store.central)
    good = a_change(store.central, fields={"reason": "should not land"})
    bad = a_change(store.central, **override)
    answer = store.http.post("/v1/push", json={"changes": [bad, good]}, headers=store.auth())
    status, error, detail = error_of(answer)
    assert (status, error) == (422, "invalid"), answer.text
    assert detail.startswith(f"body.{where}"), detail
    # Shifted to second place, the index in the name follows it.
    answer = store.http.post("/v1/push", json={"changes": [good, bad]}, headers=store.auth())
    assert error_of(answer)[2].startswith(f"body.{where.replace('changes.0', 'changes.1')}")
    assert logged_changes(store.central) == before, "nothing of a refused batch is applied"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        pytest.param({}, "body.changes", id="no changes key"),
        pytest.param({"changes": []}, "body.changes", id="empty batch"),
        pytest.param({"changes": {}}, "body.changes", id="changes not a list"),
        pytest.param([], "body", id="array body"),
        pytest.param({"changes": "ONE", "extra": 1}, "body.extra", id="unknown key"),
    ],
)
def test_a_malformed_push_body_is_refused(store: Store, body: Any, where: str) -> None:
    if isinstance(body, dict) and body.get("changes") == "ONE":
        body = body | {"changes": [a_change(store.central)]}
    answer = store.http.post("/v1/push", json=body, headers=store.auth())
    status, error, detail = error_of(answer)
    assert (status, error) == (422, "invalid")
    assert detail.startswith(where), detail


def test_a_batch_over_the_limit_and_broken_json_are_refused(store: Store) -> None:
    change = a_change(store.central)
    too_many = [dict(change, change_id=new_id()) for _ in range(MAX_PUSH_BATCH + 1)]
    answer = store.http.post("/v1/push", json={"changes": too_many}, headers=store.auth())
    assert error_of(answer)[:2] == (422, "invalid")
    assert error_of(answer)[2].startswith("body.changes"), answer.text
    broken = store.http.post("/v1/push", content=b'{"changes": [', headers=store.json_auth())
    assert error_of(broken)[:2] == (422, "invalid")


@pytest.mark.parametrize(
    ("params", "where"),
    [
        pytest.param({}, "query.scope", id="no scope"),
        pytest.param({"scope": "reference", "limit": "0"}, "query.limit", id="limit 0"),
        pytest.param(
            {"scope": "reference", "limit": str(MAX_PULL_PAGE + 1)}, "query.limit", id="limit big"
        ),
        pytest.param({"scope": "reference", "after": "-1"}, "query.after", id="after -1"),
        pytest.param({"scope": "reference", "after": "soon"}, "query.after", id="after text"),
    ],
)
def test_a_malformed_pull_names_the_parameter(
    store: Store, params: dict[str, str], where: str
) -> None:
    answer = store.http.get("/v1/pull", params=params, headers=store.auth())
    status, error, detail = error_of(answer)
    assert (status, error) == (422, "invalid")
    assert detail.startswith(where), detail


def test_a_malformed_login_names_the_field(store: Store) -> None:
    no_device = store.http.post(
        "/v1/login",
        json={"username": "lead", "password": PASSWORD, "device_name": "x"},
        headers=PROTOCOL,
    )
    assert error_of(no_device)[:2] == (422, "invalid")
    assert error_of(no_device)[2].startswith("header.x-eqvisit-device"), no_device.text
    empty = store.http.post(
        "/v1/login",
        json={"username": "lead", "password": "", "device_name": "x"},
        headers={**PROTOCOL, "X-Eqvisit-Device": "device-guards"},
    )
    assert error_of(empty)[:2] == (422, "invalid")
    assert error_of(empty)[2].startswith("body.password"), empty.text


# --- 401: bearer tokens ------------------------------------------------------------------------


def _call(store: Store, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    if method == "POST":
        body = {"changes": [a_change(store.central)]} if path == "/v1/push" else {}
        return store.http.post(path, json=body, headers=headers)
    scope = f"visit:{store.central.visit_id}"
    return store.http.get(path, params={"scope": scope}, headers=headers)


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="none"),
        pytest.param("Bearer ", id="empty bearer"),
        pytest.param("Bearer not-a-token", id="garbage"),
        pytest.param("Bearer " + "A" * 43, id="token shaped"),
        pytest.param(
            "Basic " + base64.b64encode(b"lead:" + PASSWORD.encode()).decode(), id="basic"
        ),
        pytest.param("TOKEN", id="no scheme"),
    ],
)
def test_requests_without_a_valid_token_get_401(store: Store, authorization: str | None) -> None:
    headers = dict(PROTOCOL)
    if authorization == "TOKEN":
        authorization = store.token  # the right token, without the scheme
    if authorization is not None:
        headers["Authorization"] = authorization
    before = logged_changes(store.central)
    for method, path in ENDPOINTS:
        answer = _call(store, method, path, headers)
        status, error, _ = error_of(answer)
        assert (status, error) == (401, "unauthenticated"), (method, path, answer.text)
    assert logged_changes(store.central) == before
    # The real token still works: nothing above signed the device out.
    assert store.http.get("/v1/scopes", headers=store.auth()).status_code == 200


def test_a_token_stands_for_its_device_only(store: Store) -> None:
    other = login(store.http, "panel1", PASSWORD, "device-guards")  # the lead's device id
    status, error, detail = error_of(other)
    assert (status, error) == (401, "unauthenticated")
    assert "another user" in detail
    assert store.http.get("/v1/scopes", headers=store.auth()).status_code == 200


def test_signing_out_revokes_the_token(store: Store) -> None:
    with httpx.Client(base_url=BASE_URL, transport=InProcessTransport(store.app)) as http:
        token = login(http, "observer", PASSWORD, "dev-out").json()["token"]
        auth = {**PROTOCOL, "Authorization": f"Bearer {token}"}
        assert http.post("/v1/logout", json={}, headers=auth).status_code == 200
        assert error_of(http.get("/v1/scopes", headers=auth))[:2] == (401, "revoked")
        again = login(http, "observer", PASSWORD, "dev-out").json()["token"]
        assert again != token
        assert http.get(
            "/v1/scopes", headers={**auth, "Authorization": f"Bearer {again}"}
        ).is_success
        # Signing in again replaced the device's token: the old one is simply unknown now.
        assert error_of(http.get("/v1/scopes", headers=auth))[:2] == (401, "unauthenticated")


# --- the rest needs a store of its own: SQLite and PostgreSQL ----------------------------------


def test_the_sixth_sign_in_is_refused_on_every_instance(central: Central, central_url: str) -> None:
    """Failed sign-ins are counted in the database, so instances behind a balancer share them."""
    second_engine = open_central_store(central_url)  # another server process, same database
    apps = [create_app(central.engine), create_app(second_engine), create_app(central.engine)]
    clients = [httpx.Client(base_url=BASE_URL, transport=InProcessTransport(a)) for a in apps]
    try:
        for attempt in range(5):
            wrong = login(clients[attempt % 3], "panel1", "not the password", f"dev-{attempt}")
            assert error_of(wrong)[:2] == (401, "unauthenticated"), attempt
        for client in clients:
            right = login(client, "panel1", PASSWORD, "dev-right")
            status, error, detail = error_of(right)
            assert (status, error) == (429, "rate_limited")
            assert "15 minutes" in detail
        # The limit is per user: the others still sign in, on any instance.
        assert login(clients[1], "panel2", PASSWORD, "dev-panel2").status_code == 200
        # Unknown users are limited too, so probing names costs the same.
        for _ in range(5):
            assert login(clients[0], "ghost", "whatever-it-is", "dev-g").status_code == 401
        assert login(clients[2], "ghost", "whatever-it-is", "dev-g").status_code == 429
        with central.session() as session:
            counted = session.scalar(
                select(func.count())
                .select_from(LoginFailure)
                .where(LoginFailure.username == "panel1")
            )
        assert counted == 5, "refusals while limited are not failures of their own"
    finally:
        for client in clients:
            client.close()
        second_engine.dispose()


def test_the_limit_counts_recent_failures_and_forgets_them_on_success(central: Central) -> None:
    with httpx.Client(base_url=BASE_URL, transport=InProcessTransport(central.app)) as http:
        for _round in range(2):  # four failures and a success, twice: success clears the count
            for _ in range(4):
                assert login(http, "lay1", "not the password", "dev-lay").status_code == 401
            assert login(http, "lay1", PASSWORD, "dev-lay").status_code == 200
        now = datetime.now(UTC)
        with central.session() as session, session.begin():
            session.add_all(
                LoginFailure(username=name, at=now - age)
                for name, age in (("observer", timedelta(minutes=16)), ("lead", timedelta(0)))
                for _ in range(5)
            )
        assert login(http, "observer", PASSWORD, "dev-obs").status_code == 200, "window over"
        assert login(http, "lead", PASSWORD, "dev-lead").status_code == 429


def test_a_revoked_device_is_told_so_and_forgets_its_token(
    central: Central, laptop: Laptop, tmp_path: Path
) -> None:
    services, sync = laptop("panel1")
    _other_services, other_sync = laptop("panel1")  # the same user on a second laptop
    assert sync.sync_once().rejected == 0
    other_sync.sync_once()
    token_files = list(tmp_path.glob("laptop-panel1-0/config/token"))
    assert len(token_files) == 1
    token = token_files[0].read_text(encoding="utf-8").strip()
    device_id = services.context.identity.device_id
    with central.session() as session, session.begin():
        admin.revoke_device(session, device_id)

    with httpx.Client(base_url=BASE_URL, transport=InProcessTransport(central.app)) as http:
        for method, path in ENDPOINTS:
            answer = http.request(
                method,
                path,
                params={"scope": "reference"} if method == "GET" else None,
                json={"changes": [a_change(central, device_id=device_id)]},
                headers={**PROTOCOL, "Authorization": f"Bearer {token}"},
            )
            assert error_of(answer)[:2] == (401, "revoked"), (path, answer.text)

    with pytest.raises(DeviceRevoked):
        sync.sync_once()
    assert not token_files[0].exists(), "the revoked token is forgotten"
    assert sync.connection() is not None, "the server and user are kept for signing in again"
    with pytest.raises(AuthError, match="Not signed in") as next_try:
        sync.sync_once()
    assert not isinstance(next_try.value, DeviceRevoked)
    assert other_sync.sync_once().rejected == 0, "only the revoked device is cut off"

    sync.login("http://central.test", "panel1", PASSWORD, "panel1's laptop, again")
    assert sync.sync_once().rejected == 0


class Recorder(httpx.BaseTransport):
    """Passes every request to the real app and keeps it, with its answer, for inspection."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.exchanges.append((request, response))
        return response


def test_tokens_stay_out_of_logs_urls_and_the_database(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(InProcessTransport(store.app))
    central = store.central
    with SyncClient(BASE_URL, "device-logs", transport=recorder, sleep=lambda _s: None) as client:
        token = client.login("panel1", PASSWORD, "panel1's laptop").token
        scope = f"visit:{central.visit_id}"
        client.scopes()
        client.push([Change.model_validate(a_change(central, device_id="device-logs"))])
        client.pull(scope, 0)
        client.receipt(scope)
        with pytest.raises(SyncError, match="403"):
            client.pull(f"visit:{central.other_visit_id}", 0)
        with httpx.Client(base_url=BASE_URL, transport=recorder) as http:
            assert http.post("/v1/logout", json={}, headers=store.auth(token)).is_success
            with pytest.raises(DeviceRevoked):
                client.scopes()
            assert login(http, "panel1", "a wrong password", "device-logs").status_code == 401

    assert any("signed in" in r.getMessage() for r in caplog.records), "logging was captured"
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + str(record.exc_info or "")
        assert token not in text, record
        assert PASSWORD not in text and "a wrong password" not in text, record
    assert token not in caplog.text
    assert recorder.exchanges, "the requests were seen"
    for request, response in recorder.exchanges:
        assert token not in str(request.url), request.url
        if request.url.path != "/v1/login":
            assert token not in response.text, request.url
    sent = [r for r, _ in recorder.exchanges if r.headers.get("authorization") == f"Bearer {token}"]
    assert len(sent) >= 5, "the token travels in the Authorization header"
    with central.session() as session:
        stored = session.scalars(select(Device.token_hash)).all()
        user = session.scalar(select(ServerUser).where(ServerUser.username == "panel1"))
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert token not in stored
    assert user is not None and PASSWORD not in user.password_hash
