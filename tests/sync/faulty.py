"""Fault injection for sync tests, and the invariants every replica must keep whatever happens.

:class:`FaultyTransport` wraps a real transport (normally :class:`InProcessTransport` over the
real app) and, request by request, drops the request before the server sees it, drops the
answer after the server handled it, or delivers the request twice. It records every push body so
a test can deliver it again later.

The ``assert_*`` helpers read the real stores (the laptop's SQLite file and the central store)
and check what DESIGN §4 promises: no acknowledged change lost, none applied twice, cursors never
ahead of the server, each replica equal to the server's merged state, and no edit dropped
silently by the merge rule of :mod:`eqvisit.domain.merge`.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

import httpx
from sqlalchemy import Engine, Table, func, select
from sqlalchemy.orm import Session

from eqvisit.app_services import Services
from eqvisit.domain.enums import UserRole
from eqvisit.storage import wire_values
from eqvisit.storage.changes import wire_value
from eqvisit.storage.models import FieldVersion, OutboxChange, OutboxState, SyncCursor
from eqvisit.sync.server.access import Actor, may_read, role_in_scope
from eqvisit.sync.server.models import ChangeLogEntry, ServerRecord, ServerUser


class Fault(StrEnum):
    NONE = "none"
    DROP_REQUEST = "drop_request"  # the connection resets while sending: the server sees nothing
    DROP_RESPONSE = "drop_response"  # the server handled the call; its answer is lost
    DUPLICATE = "duplicate"  # the request reaches the server twice; the second answer is used


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    content: bytes

    def rebuild(self) -> httpx.Request:
        return httpx.Request(
            self.method, self.url, headers=list(self.headers), content=self.content
        )


@dataclass
class FaultyTransport(httpx.BaseTransport):
    """Applies one planned :class:`Fault` per request, in order; clean once the plan runs out."""

    inner: httpx.BaseTransport
    plan: deque[Fault] = field(default_factory=deque)
    pushes: list[RecordedRequest] = field(default_factory=list)
    delivered: int = 0
    faults_applied: list[tuple[str, Fault]] = field(default_factory=list)
    before_send: Callable[[httpx.Request], None] | None = None

    def set_plan(self, faults: Iterable[Fault]) -> None:
        self.plan = deque(faults)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        if request.url.path == "/v1/push":
            self.pushes.append(
                RecordedRequest(
                    request.method, str(request.url), tuple(request.headers.multi_items()), content
                )
            )
        fault = self.plan.popleft() if self.plan else Fault.NONE
        if fault is not Fault.NONE:
            self.faults_applied.append((request.url.path, fault))
        if self.before_send is not None:
            self.before_send(request)
        if fault is Fault.DROP_REQUEST:
            raise httpx.WriteError("connection reset while sending (injected)", request=request)
        response = self._deliver(request)
        if fault is Fault.DUPLICATE:
            response.close()
            response = self._deliver(request)
        if fault is Fault.DROP_RESPONSE:
            response.close()
            raise httpx.ReadError("connection reset while receiving (injected)", request=request)
        return response

    def _deliver(self, request: httpx.Request) -> httpx.Response:
        self.delivered += 1
        response = self.inner.handle_request(request)
        response.read()
        return response

    def close(self) -> None:
        self.inner.close()


def replay(transport: httpx.BaseTransport, recorded: RecordedRequest) -> httpx.Response:
    """Deliver a recorded request again, straight to the server (no faults)."""
    response = transport.handle_request(recorded.rebuild())
    response.read()
    return response


# --- reading the stores -----------------------------------------------------------------------


def server_session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


def max_seq(session: Session, scope: str | None = None) -> int:
    statement = select(func.max(ChangeLogEntry.seq))
    if scope is not None:
        statement = statement.where(ChangeLogEntry.scope == scope)
    return int(session.scalar(statement) or 0)


def server_snapshot(engine: Engine) -> tuple[int, int, str]:
    """Everything the server holds that a push can change: log size, last seq, merged records."""
    with server_session(engine) as session:
        count = int(session.scalar(select(func.count()).select_from(ChangeLogEntry)) or 0)
        records = session.execute(
            select(ServerRecord.record_type, ServerRecord.record_id, ServerRecord.state).order_by(
                ServerRecord.record_type, ServerRecord.record_id
            )
        ).all()
        state = json.dumps([list(r) for r in records], sort_keys=True, default=str)
        return count, max_seq(session), state


@dataclass(frozen=True)
class OutboxRow:
    """A plain copy of one outbox row (ORM objects expire when the unit of work ends)."""

    seq: int
    change_id: str
    record_type: str
    record_id: str
    scope: str
    fields: dict[str, Any]
    hlc: str
    device_id: str
    state: OutboxState
    server_seq: int | None
    reject_reason: str | None


def outbox_rows(services: Services) -> list[OutboxRow]:
    with services.context.store.unit_of_work() as uow:
        return [
            OutboxRow(
                r.seq,
                r.change_id,
                r.record_type,
                r.record_id,
                r.scope,
                dict(r.fields),
                r.hlc,
                r.device_id,
                r.state,
                r.server_seq,
                r.reject_reason,
            )
            for r in uow.session.scalars(select(OutboxChange).order_by(OutboxChange.seq))
        ]


def outbox_top(services: Services) -> int:
    with services.context.store.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.max(OutboxChange.seq))) or 0)


def cursors(services: Services) -> dict[str, int]:
    with services.context.store.unit_of_work() as uow:
        return {c.scope: c.cursor for c in uow.session.scalars(select(SyncCursor))}


# --- invariants -------------------------------------------------------------------------------


def assert_change_log_unique(engine: Engine) -> None:
    """No change was applied twice: each change id appears once in the server's log."""
    with server_session(engine) as session:
        total = session.scalar(select(func.count()).select_from(ChangeLogEntry))
        distinct = session.scalar(select(func.count(func.distinct(ChangeLogEntry.change_id))))
    assert total == distinct, f"{total} log rows but {distinct} distinct change ids"


# Fields the server may rewrite when it accepts a change (a reference number already taken).
SERVER_REWRITES = {"findings": frozenset({"reference"})}


def assert_acknowledged_on_server(services: Services, engine: Engine) -> int:
    """Every outbox row the laptop saw accepted is in the server's log, as sent.

    The stamp is not compared (the server restamps a change from a clock far ahead, or one whose
    values it rewrote), nor the fields the server may rewrite. Returns how many were checked.
    """
    accepted = [r for r in outbox_rows(services) if r.state is OutboxState.ACCEPTED]
    if not accepted:
        return 0
    with server_session(engine) as session:
        logged = {
            entry.change_id: entry
            for start in range(0, len(accepted), 500)
            for entry in session.scalars(
                select(ChangeLogEntry).where(
                    ChangeLogEntry.change_id.in_(
                        [r.change_id for r in accepted[start : start + 500]]
                    )
                )
            )
        }
    for row in accepted:
        entry = logged.get(row.change_id)
        assert entry is not None, f"acknowledged change {row.change_id} is not on the server"
        assert entry.seq == row.server_seq, (row.change_id, entry.seq, row.server_seq)
        assert (entry.record_type, entry.record_id, entry.scope, entry.device_id) == (
            row.record_type,
            row.record_id,
            row.scope,
            row.device_id,
        ), row.change_id
        rewritable = SERVER_REWRITES.get(row.record_type, frozenset())
        sent = {k: v for k, v in row.fields.items() if k not in rewritable}
        kept = {k: v for k, v in entry.fields.items() if k not in rewritable}
        assert _canonical(kept) == _canonical(sent), row.change_id
        assert set(entry.fields) == set(row.fields), row.change_id
    return len(accepted)


def assert_cursors_consistent(services: Services, engine: Engine, *, caught_up: bool) -> None:
    """No cursor is ahead of the server; once caught up, each is at its scope's last change."""
    held = cursors(services)
    with server_session(engine) as session:
        for scope, cursor in held.items():
            top = max_seq(session, scope)
            assert cursor <= top, f"{scope}: cursor {cursor} is beyond the server's {top}"
            if caught_up:
                assert cursor == top, f"{scope}: cursor {cursor} but the server is at {top}"


def assert_no_rejections(services: Services) -> None:
    rejected = [
        (r.record_type, r.fields, r.reject_reason)
        for r in outbox_rows(services)
        if r.state is OutboxState.REJECTED
    ]
    assert not rejected, f"changes were rejected: {rejected[:3]}"


def readable_records(engine: Engine, user_id: str, scope: str) -> list[ServerRecord]:
    """The merged records of ``scope`` this user may read, by the server's own rule."""
    with server_session(engine) as session:
        user = session.get(ServerUser, user_id)
        assert user is not None
        role = role_in_scope(session, user_id, UserRole(user.role), scope)
        assert role is not None, f"{user.username} holds no role in {scope}"
        actor = Actor(user_id, UserRole(user.role), "checker")
        records = session.scalars(select(ServerRecord).where(ServerRecord.scope == scope)).all()
        return [r for r in records if may_read(session, actor, role, r)]


def assert_replica_matches_server(services: Services, engine: Engine, scope: str) -> int:
    """The laptop holds exactly the server's merged state of ``scope`` that it may read.

    Per field: the same value and the same winning (HLC, device) stamp; no extra records or
    fields. Returns the number of records compared.
    """
    user_id = services.context.identity.user_id
    assert user_id is not None
    records = readable_records(engine, user_id, scope)
    expected = {
        (r.record_type, r.record_id, name): (entry["hlc"], entry["device_id"])
        for r in records
        for name, entry in r.state.items()
    }
    with services.context.store.unit_of_work() as uow:
        session = uow.session
        held = {
            (v.record_type, v.record_id, v.field): (v.hlc, v.device_id)
            for v in session.scalars(select(FieldVersion).where(FieldVersion.scope == scope))
        }
        missing = sorted(set(expected) - set(held))[:5]
        extra = sorted(set(held) - set(expected))[:5]
        stale = sorted(k for k in set(held) & set(expected) if held[k] != expected[k])[:5]
        assert not (missing or extra or stale), (
            f"{scope} stamps differ from the server: missing {missing}, extra {extra}, "
            f"different {[(k, held[k], expected[k]) for k in stale]}"
        )
        _assert_values_match(session, records)
    return len(records)


def assert_owned_scope_matches_server(services: Services, engine: Engine, scope: str) -> int:
    """The laptop holds exactly the server's records of a scope the server owns (the same
    records, each field's value the server's) and no stamps for them. Returns the number of
    records compared."""
    user_id = services.context.identity.user_id
    assert user_id is not None
    records = readable_records(engine, user_id, scope)
    with services.context.store.unit_of_work() as uow:
        session = uow.session
        stamps = session.scalar(
            select(func.count()).select_from(FieldVersion).where(FieldVersion.scope == scope)
        )
        assert stamps == 0, f"{stamps} stamps held for {scope}, which is applied in log order"
        for record_type in {r.record_type for r in records} | {"intelligence_items"}:
            model = wire_values.model_for(record_type)
            assert model is not None, record_type
            table = cast(Table, model.__table__)
            query = select(table.c.id)
            if record_type == "intelligence_items":
                query = query.where(table.c.provider_id == scope.partition(":")[2])
            held = set(session.scalars(query))
            expected = {r.record_id for r in records if r.record_type == record_type}
            assert held == expected, (
                f"{scope} {record_type}: {len(held - expected)} extra, "
                f"{len(expected - held)} missing"
            )
        _assert_values_match(session, records)
    return len(records)


def _assert_values_match(session: Session, records: Iterable[ServerRecord]) -> None:
    for record in records:
        model = wire_values.model_for(record.record_type)
        assert model is not None, record.record_type
        row = session.get(model, record.record_id)
        assert row is not None, f"{record.record_type} {record.record_id} is missing locally"
        columns = set(cast(Table, model.__table__).columns.keys())
        for name, entry in record.state.items():
            if name not in columns:
                continue
            local = wire_value(getattr(row, name))
            assert _canonical(local) == _canonical(entry["value"]), (
                f"{record.record_type} {record.record_id}.{name}: laptop has {local!r}, "
                f"server has {entry['value']!r}"
            )


@dataclass(frozen=True)
class LoggedWrite:
    """One field written by one logged change."""

    seq: int
    change_id: str
    hlc: str
    device_id: str
    base: str | None
    value: Any

    @property
    def stamp(self) -> tuple[str, str]:
        return (self.hlc, self.device_id)


Saw = Callable[[LoggedWrite, LoggedWrite], bool]


def saw_by_base(later: LoggedWrite, earlier: LoggedWrite) -> bool:
    """The product's own rule (:meth:`eqvisit.domain.merge.FieldWrite.saw`)."""
    return later.base is not None and later.base >= earlier.hlc


def silent_losses(engine: Engine, scope: str, saw: Saw = saw_by_base) -> tuple[int, list[str]]:
    """Writes of ``scope`` that are neither current, nor kept in a conflict, nor replaced.

    A write that lost must be kept in a ``conflicts`` record unless a later write that *saw* it
    (by ``saw``) or that holds the same value replaced it. With the default ``saw`` this is the
    merge rule of :func:`eqvisit.domain.merge.merge_field`; a test that knows what each laptop
    had really received can pass a stricter one. Returns (writes checked, losses described).
    """
    with server_session(engine) as session:
        entries = session.scalars(
            select(ChangeLogEntry).where(ChangeLogEntry.scope == scope).order_by(ChangeLogEntry.seq)
        ).all()
        records = {
            (r.record_type, r.record_id): r
            for r in session.scalars(select(ServerRecord).where(ServerRecord.scope == scope))
        }
    kept: dict[tuple[str, str, str, str, str], Any] = {}
    for (record_type, _), record in records.items():
        if record_type != "conflicts":
            continue
        values = {name: entry["value"] for name, entry in record.state.items()}
        key = (
            values["record_type"],
            values["record_id"],
            values["field"],
            values["losing_hlc"],
            values["losing_device_id"],
        )
        kept[key] = values["losing_value"]
    writes: dict[tuple[str, str, str], list[LoggedWrite]] = {}
    for entry in entries:
        for name, value in entry.fields.items():
            writes.setdefault((entry.record_type, entry.record_id, name), []).append(
                LoggedWrite(
                    entry.seq,
                    entry.change_id,
                    entry.hlc,
                    entry.device_id,
                    entry.base.get(name),
                    value,
                )
            )
    checked = 0
    losses: list[str] = []
    for (record_type, record_id, name), history in writes.items():
        record = records.get((record_type, record_id))
        assert record is not None, f"{record_type} {record_id} is logged but has no state"
        current = record.state[name]
        for write in history:
            checked += 1
            if write.stamp == (current["hlc"], current["device_id"]):
                assert _canonical(write.value) == _canonical(current["value"])
                continue
            conflict_key = (record_type, record_id, name, write.hlc, write.device_id)
            if conflict_key in kept:
                assert _canonical(kept[conflict_key]) == _canonical(write.value), conflict_key
                continue
            replaced = any(
                later.stamp > write.stamp
                and (saw(later, write) or _canonical(later.value) == _canonical(write.value))
                for later in history
            )
            if not replaced:
                losses.append(
                    f"{record_type} {record_id}.{name} = {write.value!r} (change "
                    f"{write.change_id}, {write.hlc}) lost to {current['value']!r} "
                    f"({current['hlc']}) without a conflict record, and no later write saw it"
                )
    return checked, losses


def assert_no_silent_loss(engine: Engine, scope: str, saw: Saw = saw_by_base) -> int:
    """No write of ``scope`` was dropped silently; returns the number of writes checked."""
    checked, losses = silent_losses(engine, scope, saw)
    assert not losses, "\n".join(losses[:5])
    return checked


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
