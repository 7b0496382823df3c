"""Who may read and write what on the central store, end to end (DESIGN §4, ``permissions.TABLE``).

Every role — lead, panel member, lay representative, observer, admin, a panel member of
*another* visit, two users whose panel role differs from their global role, and one taken off the
panel — meets every endpoint (scopes, push, pull, receipt) on its own visit, on a visit that is
not its own, on reference data and on two providers' intelligence. For pushes it sends a
create and updates (its own record, another author's) of every synced record type, plus the
attempts that must always fail: moving a record to another parent, claiming another visit's scope,
writing into a scope of the wrong kind, forging author or device, going beyond a field limit.

The expected answer of each case is worked out here from ``permissions.TABLE`` and who owns the
record; it is compared with what the real server (over HTTP, in-process) answered *and* with what
it stored. Pulls and receipts are compared, change by change, with the change log filtered by the
same rules. Hand-written spot checks back the table up, so a wrong table cannot pass by itself.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from eqvisit.domain.enums import PanelRole, UserRole
from eqvisit.domain.hlc import HybridClock
from eqvisit.domain.ids import new_id
from eqvisit.domain.scopes import server_owned
from eqvisit.sync.client import SyncClient
from eqvisit.sync.permissions import (
    FIELD_LIMITS,
    OWNER_FIELDS,
    PARENTS,
    PROVIDER_RECORDS,
    REFERENCE_RECORDS,
    SYNCED_RECORDS,
    TABLE,
    VISIT_RECORDS,
    Action,
    Grant,
    panel_role_to_role,
)
from eqvisit.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, Change
from eqvisit.sync.server import admin
from eqvisit.sync.server.exchange import server_write
from eqvisit.sync.server.models import ChangeLogEntry, ServerRecord, ServerUser
from eqvisit.sync.transport import InProcessTransport
from tests.sync.conftest import PASSWORD, PEOPLE, Central

BASE_URL = "http://central.test"
ACTORS = (
    *("lead", "panel1", "lay1", "observer", "admin", "outsider"),
    *("dual", "promoted", "removed"),
)
POSTGRES_SLICE = ("panel1", "lay1", "outsider")
OTHER_AUTHOR = "panel2"  # owns the "someone else's record" every actor tries to touch
# Two users whose panel role differs from their global one: the panel role must decide.
EXTRA_PEOPLE = {
    "dual": (UserRole.PANEL_MEMBER, "A", PanelRole.LAY_REPRESENTATIVE),
    "promoted": (UserRole.LAY_REPRESENTATIVE, "B", PanelRole.EDUCATOR),
}
GLOBAL_ROLES: dict[str, UserRole] = (
    {name: role for name, (role, _) in PEOPLE.items()}
    | {name: role for name, (role, _, _) in EXTRA_PEOPLE.items()}
    | {"outsider": UserRole.PANEL_MEMBER, "admin": UserRole.ADMIN}
    | {"removed": UserRole.PANEL_MEMBER}  # was on visit A's panel, and was taken off it
)
# Who sits on which panel: visit A is central.visit_id, B the other (seed_central, build_world).
PANELS: dict[str, dict[str, PanelRole]] = {
    "A": {name: panel for name, (_, panel) in PEOPLE.items()},
    "B": {"outsider": PanelRole.EDUCATOR},
}
for _name, (_role, _visit, _panel) in EXTRA_PEOPLE.items():
    PANELS[_visit][_name] = _panel
THERE = {"A": "B", "B": "A"}
CHILD_RECORDS = tuple(t for t in VISIT_RECORDS if t != "visits")
# For each field a role is limited on: a value inside the limit and one beyond it.
LIMIT_SAMPLES: dict[str, tuple[object, object]] = {
    "status": ("withdrawn", "agreed"),
    "reference": (None, "MR1"),
}
PROBES = itertools.count()
CREATE, UPDATE = Action.CREATE, Action.UPDATE
MALFORMED_SCOPES = ("visit", "provider", "reference:elsewhere", "visit:", "nowhere")


def grant_of(role: UserRole | None, record_type: str, action: Action) -> Grant:
    if role is None:
        return Grant.NONE
    return TABLE[role].get(record_type, {}).get(action, Grant.NONE)


def permits(role: UserRole | None, record_type: str, action: Action, *, mine: bool) -> bool:
    allowed = grant_of(role, record_type, action)
    return allowed is Grant.ALL or (allowed is Grant.OWN and mine)


def visit_role(actor: str, visit: str | None) -> UserRole | None:
    """The role the actor should hold in visit A, B, or (None) a visit not created yet."""
    panel = PANELS[visit].get(actor) if visit is not None else None
    if panel is not None:
        return panel_role_to_role(panel)
    if GLOBAL_ROLES[actor] is UserRole.ADMIN:
        return UserRole.ADMIN
    if visit is None and GLOBAL_ROLES[actor] is UserRole.QUALITY_LEAD:
        return UserRole.QUALITY_LEAD  # a lead planning a new visit
    return None


def provider_role(actor: str, provider: str) -> UserRole | None:
    """Leads and admins see every provider; others the providers of their visits, with the role
    they hold on such a visit (preferring one that may read intelligence)."""
    role = GLOBAL_ROLES[actor]
    if role in (UserRole.ADMIN, UserRole.QUALITY_LEAD):
        return role
    if provider != "ours":  # both visits are at "ours"
        return None
    roles = [visit_role(actor, visit) for visit, panel in PANELS.items() if actor in panel]
    reading = [r for r in roles if grant_of(r, "intelligence_items", Action.READ) is not Grant.NONE]
    return (reading or roles or [None])[0]


def owned_by(record: ServerRecord, user_id: str) -> bool:
    names = OWNER_FIELDS.get(record.record_type)
    if names is None:
        return record.created_by == user_id
    return any((record.state.get(name) or {}).get("value") == user_id for name in names)


def readable(role: UserRole, record: ServerRecord, user_id: str) -> bool:
    return permits(role, record.record_type, Action.READ, mine=owned_by(record, user_id))


@dataclass
class World:
    """The seeded central store, plus records of every type owned by every user in every scope."""

    central: Central
    client_factory: Callable[[str], SyncClient]
    raw: httpx.Client
    users: dict[str, str] = field(default_factory=dict)
    visits: dict[str, str] = field(default_factory=dict)
    providers: dict[str, str] = field(default_factory=dict)
    parents: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    owned: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def scope(self, visit: str) -> str:
        return f"visit:{self.visits[visit]}"

    def provider_scope(self, provider: str) -> str:
        return f"provider:{self.providers[provider]}"

    def parent(self, visit: str, parent_type: str, index: int = 0) -> str:
        if parent_type == "visits":
            return self.visits[visit]
        return self.parents[visit, parent_type][index]

    def fields(
        self, record_type: str, visit: str, owner: str, *, parent_visit: str | None = None
    ) -> dict[str, Any]:
        """Fields of a new record of ``visit``: its parent there, and ``owner`` as its author."""
        fields: dict[str, Any] = {}
        if record_type in PARENTS:
            parent_field, parent_type = PARENTS[record_type]
            fields[parent_field] = self.parent(parent_visit or visit, parent_type)
        fields.update(dict.fromkeys(OWNER_FIELDS.get(record_type, ()), owner))
        if record_type == "panel_members":  # never a real user: memberships must not move
            fields.update({"user_id": f"nobody-{new_id()}", "panel_role": PanelRole.OBSERVER})
        return fields


def build_world(
    central: Central, client_factory: Callable[[str], SyncClient], raw: httpx.Client
) -> World:
    clock = central.clock
    world = World(central, client_factory, raw)
    with central.session() as session, session.begin():

        def write(record_type: str, scope: str, fields: dict[str, Any], author: str | None) -> str:
            record_id = new_id()
            server_write(session, record_type, record_id, scope, fields, clock, author_id=author)
            return record_id

        admin.create_user(session, clock, "admin", UserRole.ADMIN, PASSWORD)
        for name, (role, visit, panel) in EXTRA_PEOPLE.items():
            admin.create_user(session, clock, name, role, PASSWORD)
            session.flush()
            visit_id = central.visit_id if visit == "A" else central.other_visit_id
            admin.assign(session, clock, name, visit_id, panel)
        admin.create_user(session, clock, "removed", UserRole.PANEL_MEMBER, PASSWORD)
        session.flush()
        admin.assign(session, clock, "removed", central.visit_id, PanelRole.EDUCATOR)
        admin.unassign(session, clock, "removed", central.visit_id)
        session.flush()
        world.users = {user.username: user.id for user in session.scalars(select(ServerUser))}
        assert set(world.users) == set(ACTORS) | {OTHER_AUTHOR}
        world.visits = {"A": central.visit_id, "B": central.other_visit_id}
        world.providers = {
            "ours": central.provider_id,
            "theirs": admin.ensure_provider(session, clock, "RYY", "Elsewhere General Hospital"),
        }
        for visit in world.visits:
            for parent_type in ("sessions", "findings", "action_items"):  # parents first
                world.parents[visit, parent_type] = (
                    write(
                        parent_type, world.scope(visit), world.fields(parent_type, visit, ""), None
                    ),
                    write(
                        parent_type, world.scope(visit), world.fields(parent_type, visit, ""), None
                    ),
                )
            for record_type in CHILD_RECORDS:
                for name, user_id in world.users.items():
                    fields = world.fields(record_type, visit, user_id) | {"label": name}
                    world.owned[world.scope(visit), record_type, name] = write(
                        record_type, world.scope(visit), fields, user_id
                    )
        for name, user_id in world.users.items():
            for record_type in REFERENCE_RECORDS:
                world.owned["reference", record_type, name] = write(
                    record_type, "reference", {"name": f"{record_type} of {name}"}, user_id
                )
            for provider in world.providers:
                scope = world.provider_scope(provider)
                world.owned[scope, "intelligence_items", name] = write(
                    "intelligence_items", scope, {"title": f"{name}'s figure"}, user_id
                )
    return world


@dataclass(frozen=True)
class Case:
    label: str
    change: Change
    allowed: bool
    probe: str  # a field only this case writes, so what was stored can be told apart


class Casebook:
    """The pushes one actor attempts, each with the answer the permission table calls for."""

    def __init__(self, world: World, actor: str) -> None:
        self.world = world
        self.actor = actor
        self.me = world.users[actor]
        self.them = world.users[OTHER_AUTHOR]
        self.cases: list[Case] = []
        self._clock = HybridClock()

    def add(
        self,
        label: str,
        target: tuple[str, str, str],
        fields: dict[str, Any],
        allowed: bool,
        **override: Any,
    ) -> None:
        """One change to ``target`` = (record type, record id, scope), and whether it may pass."""
        assert label not in {case.label for case in self.cases}, label
        record_type, record_id, scope = target
        probe = f"probe_{self.actor}_{next(PROBES)}"
        change = Change(
            change_id=new_id(),
            record_type=record_type,
            record_id=record_id,
            scope=scope,
            fields={**fields, probe: label},
            hlc=str(self._clock.now(time.time_ns() // 1_000_000)),
            author_id=override.get("author_id", self.me),
            device_id=override.get("device_id", device_of(self.actor)),
        )
        self.cases.append(Case(label, change, allowed, probe))

    def visit_cases(self, visit: str) -> list[Case]:
        """Every record type of one visit; returns the give-away cases, to be sent last."""
        world, role, there = self.world, visit_role(self.actor, visit), THERE[visit]
        here, elsewhere = world.scope(visit), world.scope(there)
        visit_id = world.visits[visit]
        allowed = permits(role, "visits", UPDATE, mine=False)
        self.add(f"{visit} visits: update", ("visits", visit_id, here), {}, allowed)
        claimed = ("visits", visit_id, elsewhere)
        self.add(f"{visit} visits: update, claiming {there}'s scope", claimed, {}, False)
        last: list[Case] = []
        for rtype in CHILD_RECORDS:
            label = f"{visit} {rtype}:"
            mine = (rtype, world.owned[here, rtype, self.actor], here)
            theirs = (rtype, world.owned[here, rtype, OTHER_AUTHOR], here)
            own_fields = world.fields(rtype, visit, self.me)
            may_create = permits(role, rtype, CREATE, mine=True)
            may_update = permits(role, rtype, UPDATE, mine=True)
            may_update_any = permits(role, rtype, UPDATE, mine=False)

            self.add(f"{label} create own", (rtype, new_id(), here), own_fields, may_create)
            self.add(f"{label} update own", mine, {}, may_update)
            self.add(f"{label} update {OTHER_AUTHOR}'s", theirs, {}, may_update_any)
            claimed = (rtype, mine[1], elsewhere)
            self.add(f"{label} update own, claiming {there}'s scope", claimed, {}, False)
            if rtype in OWNER_FIELDS:
                fields = world.fields(rtype, visit, self.them)
                allowed = permits(role, rtype, CREATE, mine=False)
                self.add(
                    f"{label} create in {OTHER_AUTHOR}'s name",
                    (rtype, new_id(), here),
                    fields,
                    allowed,
                )
            if rtype in PARENTS:
                parent_field, parent_type = PARENTS[rtype]
                moved = {parent_field: world.parent(there, parent_type)}
                self.add(f"{label} move own under {there}'s {parent_type}", mine, moved, False)
                fields = world.fields(rtype, visit, self.me, parent_visit=there)
                self.add(
                    f"{label} create under {there}'s {parent_type}",
                    (rtype, new_id(), here),
                    fields,
                    False,
                )
                fields = own_fields | {parent_field: new_id()}
                self.add(
                    f"{label} create under a missing {parent_type}",
                    (rtype, new_id(), here),
                    fields,
                    False,
                )
                if parent_type != "visits":
                    moved = {parent_field: world.parent(visit, parent_type, 1)}
                    self.add(f"{label} move own to another {parent_type}", mine, moved, False)
            for limited_role, limits in _limits_on(rtype):
                within = role is not limited_role
                for name, values in limits.items():
                    inside, beyond = LIMIT_SAMPLES[name]
                    assert inside in values and beyond not in values, (name, values)
                    fields = own_fields | {name: beyond}
                    self.add(
                        f"{label} create own, {name} {beyond!r}",
                        (rtype, new_id(), here),
                        fields,
                        may_create and within,
                    )
                    self.add(
                        f"{label} update own, {name} {beyond!r}",
                        mine,
                        {name: beyond},
                        may_update and within,
                    )
                    self.add(
                        f"{label} update own, {name} {inside!r}", mine, {name: inside}, may_update
                    )
            if rtype in OWNER_FIELDS:  # sent after every case that needs the record to stay ours
                given = dict.fromkeys(OWNER_FIELDS[rtype], self.them)
                self.add(f"{label} give own to {OTHER_AUTHOR}", mine, given, may_update_any)
                last.append(self.cases.pop())
        return last

    def other_cases(self) -> None:
        """A new visit, reference data, both providers, and what no one may send anywhere."""
        world, actor = self.world, self.actor
        scope_a = world.scope("A")
        new_visit = new_id()
        fields = {"provider_id": world.providers["ours"], "title": "Planned by " + actor}
        allowed = permits(visit_role(actor, None), "visits", CREATE, mine=True)
        self.add("new visit: create", ("visits", new_visit, f"visit:{new_visit}"), fields, allowed)
        claimed = ("visits", new_id(), scope_a)
        self.add("new visit: create, claiming A's scope", claimed, fields, False)
        scoped = [("reference", "reference", GLOBAL_ROLES[actor], REFERENCE_RECORDS)] + [
            (where, world.provider_scope(where), provider_role(actor, where), PROVIDER_RECORDS)
            for where in world.providers
        ]
        for where, scope, role, types in scoped:
            for rtype in types:
                label = f"{where} {rtype}:"
                mine = (rtype, world.owned[scope, rtype, actor], scope)
                theirs = (rtype, world.owned[scope, rtype, OTHER_AUTHOR], scope)
                allowed = permits(role, rtype, CREATE, mine=True)
                self.add(f"{label} create", (rtype, new_id(), scope), {"name": "new"}, allowed)
                self.add(f"{label} update own", mine, {}, permits(role, rtype, UPDATE, mine=True))
                allowed = permits(role, rtype, UPDATE, mine=False)
                self.add(f"{label} update {OTHER_AUTHOR}'s", theirs, {}, allowed)
        ours = world.provider_scope("ours")
        session_fields = world.fields("sessions", "A", self.me)
        wrong_kind = [
            ("users", new_id(), scope_a, {"name": "smuggled"}),
            ("providers", new_id(), ours, {"name": "smuggled"}),
            ("intelligence_items", new_id(), "reference", {"title": "smuggled"}),
            ("intelligence_items", new_id(), scope_a, {"title": "smuggled"}),
            ("sessions", new_id(), "reference", session_fields),
            ("sessions", new_id(), ours, session_fields),
            ("users", world.owned["reference", "users", actor], ours, {}),
            ("secrets", new_id(), scope_a, {"name": "not a synced type"}),
        ]
        for rtype, record_id, scope, fields in wrong_kind:
            label = f"{rtype} in scope {scope.split(':')[0]} ({record_id[-4:]})"
            self.add(label, (rtype, record_id, scope), fields, False)
        response = ("responses", world.owned[scope_a, "responses", actor], scope_a)
        forged = {"author_id": self.them}
        self.add("own response, signed as another author", response, {}, False, **forged)
        forged = {"device_id": device_of(OTHER_AUTHOR)}
        self.add("own response, sent from another device", response, {}, False, **forged)

    def malformed_scope_cases(self) -> None:
        session_fields = self.world.fields("sessions", "A", self.me)
        for scope in ("visit", "provider", "reference:elsewhere"):
            for rtype, fields in (
                ("sessions", session_fields),
                ("intelligence_items", {"title": "x"}),
                ("users", {"name": "x"}),
                ("conflicts", {"winning_author_id": self.me, "losing_author_id": self.me}),
            ):
                label = f"{rtype} in malformed scope {scope!r}"
                self.add(label, (rtype, new_id(), scope), fields, False)


def _limits_on(record_type: str) -> list[tuple[UserRole, dict[str, frozenset[object]]]]:
    return [
        (role, dict(limits))
        for (role, limited_type), limits in FIELD_LIMITS.items()
        if limited_type == record_type
    ]


def device_of(actor: str) -> str:
    return f"device-{actor}"


@pytest.fixture
def world(central: Central) -> Iterator[World]:
    app = central.app
    opened: list[SyncClient] = []

    def client_factory(actor: str) -> SyncClient:
        client = SyncClient(
            BASE_URL, device_of(actor), transport=InProcessTransport(app), sleep=lambda _s: None
        )
        opened.append(client)
        return client

    with httpx.Client(base_url=BASE_URL, transport=InProcessTransport(app)) as raw:
        yield build_world(central, client_factory, raw)
    for client in opened:
        client.close()


class Run:
    """One actor's session against the server, and what it saw."""

    def __init__(self, world: World, actor: str) -> None:
        self.world = world
        self.actor = actor
        self.user_id = world.users[actor]
        self.client = world.client_factory(actor)
        self.token = self.client.login(actor, PASSWORD, f"{actor}'s laptop").token
        self.outcomes: dict[str, str] = {}
        self.violations: list[str] = []

    def raw(self, path: str, **params: str) -> httpx.Response:
        return self.world.raw.get(
            path,
            params=params,
            headers={
                PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                "Authorization": f"Bearer {self.token}",
            },
        )

    def push(self, cases: list[Case]) -> None:
        answer = self.client.push([case.change for case in cases])
        assert [r.change_id for r in answer.results] == [c.change.change_id for c in cases]
        log_rows = {c.change.change_id for c in cases}
        with self.world.central.session() as session:
            logged = set(
                session.scalars(
                    select(ChangeLogEntry.change_id).where(ChangeLogEntry.change_id.in_(log_rows))
                )
            )
            for case, result in zip(cases, answer.results, strict=True):
                accepted = result.status == "accepted"
                self.outcomes[case.label] = result.status
                if accepted != case.allowed:
                    expected = "accepted" if case.allowed else "rejected"
                    self.violations.append(
                        f"{case.label}: expected {expected}, got {result.status}"
                        + (f" ({result.reason})" if result.reason else "")
                    )
                if accepted and result.server_seq is None:
                    self.violations.append(f"{case.label}: accepted without a sequence number")
                if not accepted and not result.reason:
                    self.violations.append(f"{case.label}: rejected without a reason")
                change = case.change
                record = session.get(ServerRecord, (change.record_type, change.record_id))
                stored = (
                    record is not None
                    and (record.state.get(case.probe) or {}).get("value") == case.label
                )
                if stored != accepted or (change.change_id in logged) != accepted:
                    self.violations.append(
                        f"{case.label}: answered {result.status} but the store "
                        f"{'holds' if stored else 'lacks'} the write"
                    )

    def check_scopes(self) -> None:
        granted = {g.scope: g.role for g in self.client.scopes().scopes}
        expected = {"reference": GLOBAL_ROLES[self.actor].value}
        reads_intelligence = False
        for visit, panel in PANELS.items():
            if self.actor in panel:
                role = panel_role_to_role(panel[self.actor])
                expected[self.world.scope(visit)] = role.value
                reads_intelligence |= grant_of(role, "intelligence_items", Action.READ) is not (
                    Grant.NONE
                )
        if reads_intelligence:
            expected[self.world.provider_scope("ours")] = GLOBAL_ROLES[self.actor].value
        if granted != expected:
            self.violations.append(f"/v1/scopes: expected {expected}, got {granted}")

    def pull_all(self, scope: str) -> list[tuple[str, str, str]]:
        """Every change of the scope, page by page: (change id, record type, record id)."""
        got: list[tuple[str, str, str]] = []
        after = 0
        while True:
            page = self.client.pull(scope, after, limit=40)
            assert page.scope == scope
            assert all(change.scope == scope for change in page.changes)
            got.extend((c.change_id, c.record_type, c.record_id) for c in page.changes)
            assert page.cursor >= after
            after = page.cursor
            if not page.more:
                return got

    def feed_all(self, scope: str) -> list[tuple[str, str]]:
        """Every change of an owned scope through its feed, page by page: (record type, id)."""
        got: list[tuple[str, str]] = []
        after = 0
        while True:
            page = self.client.feed(scope, after, limit=40)
            assert page.scope == scope
            got.extend((record_type, record_id) for record_type, record_id, _ in page.changes)
            assert page.cursor >= after
            after = page.cursor
            if not page.more:
                return got

    def check_reads(self, name: str, scope: str, role: UserRole | None) -> list[tuple[str, str]]:
        """Pull, feed (scopes the server owns) and receipt of one scope against the change log
        filtered by the table."""
        owned = server_owned(scope)
        if role is None:
            for path in ("/v1/pull", "/v1/receipt", *(("/v1/feed",) if owned else ())):
                answer = self.raw(path, scope=scope)
                if answer.status_code != 403 or answer.json().get("error") != "forbidden":
                    self.violations.append(
                        f"{path} {name}: expected 403 forbidden, got {answer.status_code}"
                        f" with {len(answer.content)} bytes"
                    )
            return []
        with self.world.central.session() as session:
            records = {
                (r.record_type, r.record_id): r
                for r in session.scalars(select(ServerRecord).where(ServerRecord.scope == scope))
            }
            log = session.scalars(select(ChangeLogEntry).where(ChangeLogEntry.scope == scope))
            visible = {
                key for key, record in records.items() if readable(role, record, self.user_id)
            }
            expected = {row.change_id for row in log if (row.record_type, row.record_id) in visible}
        pulled = self.pull_all(scope)
        if owned and self.feed_all(scope) != [(rtype, rid) for _, rtype, rid in pulled]:
            self.violations.append(f"feed {name}: not the changes the pull gives, in order")
        elif not owned and self.raw("/v1/feed", scope=scope).status_code != 422:
            self.violations.append(f"feed {name}: a visit scope was served")
        pulled_ids = {change_id for change_id, _, _ in pulled}
        if len(pulled_ids) != len(pulled):
            self.violations.append(f"pull {name}: a change came twice")
        if pulled_ids - expected:
            leaked = sorted({(t, i[-4:]) for c, t, i in pulled if c in pulled_ids - expected})
            self.violations.append(f"pull {name}: leaked {len(leaked)} records, e.g. {leaked[:5]}")
        if expected - pulled_ids:
            self.violations.append(f"pull {name}: withheld {len(expected - pulled_ids)} changes")
        lines = sorted(
            "|".join((rtype, rid, fname, entry["hlc"], entry["device_id"]))
            for (rtype, rid) in visible
            for fname, entry in records[rtype, rid].state.items()
        )
        digest = hashlib.sha256("".join(line + "\n" for line in lines).encode()).hexdigest()
        receipt = self.client.receipt(scope)
        if (receipt.records, receipt.digest) != (len(visible), digest):
            self.violations.append(
                f"receipt {name}: {receipt.records} records, expected {len(visible)}"
                + ("" if receipt.digest == digest else "; digest differs")
            )
        return [(rtype, rid) for _, rtype, rid in pulled]

    def check_malformed_scopes(self) -> None:
        for scope in MALFORMED_SCOPES:
            for path in ("/v1/pull", "/v1/feed", "/v1/receipt"):
                answer = self.raw(path, scope=scope)
                if answer.status_code not in (403, 422):
                    self.violations.append(f"{path} {scope!r}: got {answer.status_code}")


# Hand-written answers, independent of TABLE: the promises the design makes in words.
SPOT_CHECKS: dict[str, dict[str, str]] = {
    "lead": {
        "A sessions: create own": "accepted",
        "A responses: update panel2's": "accepted",
        "A findings: create own, status 'agreed'": "accepted",
        "A panel_members: create own": "accepted",
        "B sessions: create own": "rejected",
        "B visits: update": "rejected",
        "new visit: create": "accepted",
        "reference users: create": "rejected",
        "ours intelligence_items: create": "rejected",
    },
    "panel1": {
        "A responses: create own": "accepted",
        "A responses: update own": "accepted",
        "A responses: update panel2's": "rejected",
        "A responses: create in panel2's name": "rejected",
        "A responses: give own to panel2": "rejected",
        "A findings: create own": "accepted",
        "A findings: create own, status 'agreed'": "rejected",
        "A findings: update own, reference 'MR1'": "rejected",
        "A findings: update panel2's": "rejected",
        "A sessions: create own": "rejected",
        "A visits: update": "rejected",
        "B responses: create own": "rejected",
        "new visit: create": "rejected",
    },
    "lay1": {
        "A observations: create own": "accepted",
        "A observations: update own": "accepted",
        "A observations: update panel2's": "rejected",
        "A observations: give own to panel2": "rejected",
        "A responses: create own": "rejected",
        "A findings: create own": "rejected",
    },
    "admin": {
        "A visits: update": "accepted",
        "B visits: update": "accepted",
        "A panel_members: create own": "accepted",
        "A responses: create own": "rejected",
        "A findings: update panel2's": "rejected",
        "reference users: create": "accepted",
        "new visit: create": "accepted",
    },
    "dual": {
        "A observations: create own": "accepted",
        "A responses: create own": "rejected",
        "A findings: create own": "rejected",
    },
    "promoted": {
        "B responses: create own": "accepted",
        "B responses: update panel2's": "rejected",
        "A observations: create own": "rejected",
    },
    "removed": {
        "A responses: create own": "rejected",
        "A responses: update own": "rejected",
        "A observations: create own": "rejected",
    },
    "outsider": {
        "B responses: create own": "accepted",
        "B responses: update panel2's": "rejected",
        "A responses: create own": "rejected",
        "A responses: update own": "rejected",
        "A sessions: update panel2's": "rejected",
        "theirs intelligence_items: create": "rejected",
    },
}
ALWAYS_REFUSED = ("claiming", "move own", "create under", "signed as", "another device", "scope")


def test_the_table_names_only_synced_record_types() -> None:
    """A misspelt record type in the table would grant nothing, silently."""
    assert set(TABLE) == set(UserRole), "every role has a row"
    for role, row in TABLE.items():
        assert set(row) <= set(SYNCED_RECORDS), role
    for child, (_field, parent) in PARENTS.items():
        assert {child, parent} <= set(VISIT_RECORDS), child
    assert set(OWNER_FIELDS) <= set(SYNCED_RECORDS)
    assert {record_type for _role, record_type in FIELD_LIMITS} <= set(SYNCED_RECORDS)
    for limits in FIELD_LIMITS.values():
        assert set(limits) <= set(LIMIT_SAMPLES), "give the new limited field a sample"
    assert {GLOBAL_ROLES[a] for a in ACTORS} == set(UserRole)


def test_the_table_keeps_the_promises_of_the_design() -> None:
    """Promises DESIGN §4 makes in words; a table edit that breaks one must be deliberate."""
    lay, panel = UserRole.LAY_REPRESENTATIVE, UserRole.PANEL_MEMBER
    for role in UserRole:
        for rtype in SYNCED_RECORDS:
            if role is UserRole.OBSERVER:
                assert grant_of(role, rtype, Action.CREATE) is Grant.NONE
                assert grant_of(role, rtype, Action.UPDATE) is Grant.NONE
            if role is not UserRole.ADMIN and rtype in REFERENCE_RECORDS + PROVIDER_RECORDS:
                assert grant_of(role, rtype, Action.CREATE) is Grant.NONE, (role, rtype)
    for rtype in ("responses", "findings", "evidence_links", "action_items", "intelligence_items"):
        assert grant_of(lay, rtype, Action.READ) is Grant.NONE, rtype
    for rtype in ("responses", "observations", "findings"):
        assert grant_of(panel, rtype, Action.UPDATE) is Grant.OWN, rtype
    assert grant_of(panel, "sessions", Action.CREATE) is Grant.NONE
    assert grant_of(UserRole.ADMIN, "responses", Action.READ) is Grant.NONE
    assert all(
        grant_of(UserRole.QUALITY_LEAD, rtype, action) is Grant.ALL
        for rtype in VISIT_RECORDS
        for action in Action
        if rtype != "conflicts"
    )
    # Conflicts are decided by the server alone; people (the lead, the authors) only resolve them.
    for role in UserRole:
        assert grant_of(role, "conflicts", Action.CREATE) is Grant.NONE, role
    assert grant_of(UserRole.QUALITY_LEAD, "conflicts", Action.UPDATE) is Grant.ALL
    assert grant_of(panel, "conflicts", Action.UPDATE) is Grant.OWN


def test_every_role_on_every_endpoint(world: World, subtests: pytest.Subtests) -> None:
    """Every actor on SQLite; on PostgreSQL the slice whose answers depend on ownership."""
    sqlite = world.central.engine.dialect.name == "sqlite"
    for actor in ACTORS if sqlite else POSTGRES_SLICE:
        with subtests.test(actor=actor):
            run = Run(world, actor)
            run.check_scopes()  # before this actor's pushes can create a visit of its own
            book = Casebook(world, actor)
            last = [case for visit in ("A", "B") for case in book.visit_cases(visit)]
            book.other_cases()
            sent = {case.change.record_type for case in book.cases + last}
            assert sent >= set(SYNCED_RECORDS), set(SYNCED_RECORDS) - sent
            run.push(book.cases + last)
            malformed = Casebook(world, actor)
            malformed.malformed_scope_cases()
            run.push(malformed.cases)  # apart, so one crash cannot hide the rest

            pulled = {
                visit: run.check_reads(visit, world.scope(visit), visit_role(actor, visit))
                for visit in ("A", "B")
            }
            for provider in world.providers:
                pulled[provider] = run.check_reads(
                    provider, world.provider_scope(provider), provider_role(actor, provider)
                )
            run.check_reads("reference", "reference", GLOBAL_ROLES[actor])
            run.check_malformed_scopes()

            for label, expected in SPOT_CHECKS.get(actor, {}).items():
                if run.outcomes.get(label) != expected:
                    run.violations.append(f"spot check {label}: {run.outcomes.get(label)}")
            for label, status in run.outcomes.items():
                if any(word in label for word in ALWAYS_REFUSED) and status != "rejected":
                    run.violations.append(f"always refused: {label} was {status}")
            if actor == "observer" and "accepted" in run.outcomes.values():
                run.violations.append("an observer's push was accepted")
            check_reads_in_words(world, actor, pulled, run.violations)
            assert not run.violations, f"{actor}:\n  " + "\n  ".join(run.violations)


def check_reads_in_words(
    world: World, actor: str, pulled: dict[str, list[tuple[str, str]]], violations: list[str]
) -> None:
    """What each actor received, checked against plain statements rather than the table."""
    types_a = {rtype for rtype, _ in pulled["A"]}
    if actor in ("outsider", "removed") and pulled["A"]:
        violations.append(f"{actor} received records of visit A")
    if actor == "removed" and pulled["ours"]:
        violations.append("a member taken off the panel still reads the provider's intelligence")
    if actor == "outsider" and "responses" not in {rtype for rtype, _ in pulled["B"]}:
        violations.append("the outsider did not receive its own visit's responses")
    if actor in ("lead", "panel1", "observer"):
        for rtype in ("responses", "findings", "sessions"):
            if rtype not in types_a:
                violations.append(f"{actor} did not receive visit A's {rtype}")
        if pulled["B"]:
            violations.append(f"{actor} received records of visit B")
    if actor == "lay1":
        if types_a & {"responses", "findings", "evidence_links", "action_items"}:
            violations.append(f"the lay representative received {sorted(types_a)}")
        with world.central.session() as session:
            observations = [
                session.get(ServerRecord, (rtype, record_id))
                for rtype, record_id in pulled["A"]
                if rtype == "observations"
            ]
        if not all(o is not None and owned_by(o, world.users["lay1"]) for o in observations):
            violations.append("the lay representative received another's observations")
        if "observations" not in types_a:
            violations.append("the lay representative did not receive its own observations")
    if actor == "admin" and types_a - {"visits", "visit_sites", "panel_members"}:
        violations.append(f"the admin received {sorted(types_a)} of visit A")
    # "dual" is a panel member by trade, but the lay representative on visit A.
    if actor == "dual" and (types_a & {"responses", "findings"} or pulled["ours"]):
        violations.append("a lay representative read what only the panel may read")
    if actor in ("promoted", "outsider", "panel1") and not pulled["ours"]:
        violations.append(f"{actor} did not receive the intelligence on its visit's provider")
