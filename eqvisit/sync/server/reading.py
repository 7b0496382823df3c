"""What a user may read from the central store: their scopes (with each one's newest sequence
number), pull pages written straight from the change log, and per-visit receipts (DESIGN §4)."""

from __future__ import annotations

import functools
import hashlib
import operator
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Pool,
    Text,
    aggregate_order_by,
    and_,
    case,
    func,
    literal,
    select,
)
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Session

from eqvisit.domain.enums import UserRole
from eqvisit.domain.scopes import scope_kind, server_owned
from eqvisit.sync.permissions import (
    PROVIDER_RECORDS,
    REFERENCE_RECORDS,
    VISIT_RECORDS,
    Action,
    Grant,
    grant,
)
from eqvisit.sync.protocol import ChangeResult, Receipt, ScopeGrant
from eqvisit.sync.server.access import (
    Actor,
    Refused,
    field_value,
    may_read,
    role_in_scope,
    visit_scopes_of,
)
from eqvisit.sync.server.batch import LOG
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.models import ChangeLogEntry, ServerRecord


def scopes_for(session: Session, actor: Actor) -> list[ScopeGrant]:
    """The scopes this user holds: reference data, their visits, and intelligence for the
    providers of their visits — for quality leads, every provider in those providers' regions."""
    grants = [ScopeGrant(scope="reference", role=actor.role.value)]
    providers: set[str] = set()
    regions: set[str] = set()
    for scope in visit_scopes_of(session, actor.user_id):
        role = role_in_scope(session, actor.user_id, actor.role, scope)
        if role is None:
            continue
        grants.append(ScopeGrant(scope=scope, role=role.value))
        visit = session.get(ServerRecord, ("visits", scope.split(":", 1)[1]))
        provider_id = field_value(visit, "provider_id")
        if provider_id and grant(role, "intelligence_items", Action.READ) is not Grant.NONE:
            providers.add(str(provider_id))
            if role is UserRole.QUALITY_LEAD:
                region = field_value(
                    session.get(ServerRecord, ("providers", str(provider_id))), "region_code"
                )
                if region:
                    regions.add(str(region))
    if regions:
        # Filtered in SQL: there are tens of thousands of providers, and this runs every sync.
        region_of = ServerRecord.state["region_code"]["value"].as_string()
        providers.update(
            session.scalars(
                select(ServerRecord.record_id).where(
                    ServerRecord.record_type == "providers", region_of.in_(sorted(regions))
                )
            )
        )
    grants.extend(
        ScopeGrant(scope=f"provider:{pid}", role=actor.role.value) for pid in sorted(providers)
    )
    heads = scope_heads(session, [g.scope for g in grants])
    return [g.model_copy(update={"head": heads.get(g.scope, 0)}) for g in grants]


def caught_up(
    session: Session,
    cursors: Mapping[str, int],
    results: Sequence[ChangeResult],
    scope_of: Mapping[str, str],
) -> dict[str, int]:
    """For each scope this push had changes accepted in, the head the device may move its cursor
    to without pulling: given only when every change after its cursor is one of this push's.

    Read after the push committed, so a change another device committed since shows up here
    and the device pulls as usual. Only the device's own changes are counted, so the answer
    tells it nothing about anyone else's beyond "there is nothing new".
    """
    mine: dict[str, dict[str, int]] = {}
    for result in results:
        scope = scope_of.get(result.change_id)
        if (
            result.status == "accepted"
            and result.server_seq is not None
            and scope is not None
            and scope in cursors
        ):
            mine.setdefault(scope, {})[result.change_id] = result.server_seq
    heads: dict[str, int] = {}
    for scope, accepted in mine.items():
        after = session.execute(
            select(ChangeLogEntry.seq, ChangeLogEntry.change_id)
            .where(ChangeLogEntry.scope == scope, ChangeLogEntry.seq > cursors[scope])
            .order_by(ChangeLogEntry.seq)
            .limit(len(accepted) + 1)
        ).all()
        if after and all(accepted.get(change_id) == seq for seq, change_id in after):
            heads[scope] = after[-1].seq
    return heads


def scope_heads(session: Session, scopes: Sequence[str]) -> dict[str, int]:
    """Each scope's newest change-log sequence number (scopes with no change are left out)."""
    heads: dict[str, int] = {}
    for start in range(0, len(scopes), 500):
        chunk = scopes[start : start + 500]
        heads.update(
            (scope, int(seq))
            for scope, seq in session.execute(
                select(ChangeLogEntry.scope, func.max(ChangeLogEntry.seq))
                .where(ChangeLogEntry.scope.in_(chunk))
                .group_by(ChangeLogEntry.scope)
            )
        )
    return heads


def _reading_role(session: Session, actor: Actor, scope: str) -> UserRole:
    role = role_in_scope(session, actor.user_id, actor.role, scope)
    if role is None or (
        scope.startswith("visit:") and session.get(ServerRecord, ("visits", scope[6:])) is None
    ):
        raise Refused(f"you have no access to {scope}")
    return role


@dataclass(frozen=True)
class LogPage:
    """A page of a scope's log as the JSON the client reads, and where it leaves the client (also
    sent as headers, so the client can ask for the next page before it reads this one)."""

    body: bytes
    cursor: int
    more: bool


def pull(
    session: Session, actor: Actor, scope: str, after: int, limit: int, clock: ServerClock
) -> LogPage:
    """Changes of ``scope`` above ``after`` that the actor may read, oldest first, one page, as
    the JSON of a :class:`~eqvisit.sync.protocol.PullPage`.

    The page is written straight from the log by the database: each change's JSON object is
    put together in SQL (:func:`_change_json`), with ``fields`` and ``base`` copied as the JSON
    text they are stored as, never parsed and written again (they were validated when pushed),
    and Python only joins the objects. Building a dict per change and serialising it took
    most of the central store's time in a big pull.
    """
    return _log_page(session, actor, scope, after, limit, clock, _change_json)


class NotServerOwned(ValueError):
    """The feed was asked for a scope the laptops write (a visit): those are pulled."""


def feed(
    session: Session, actor: Actor, scope: str, after: int, limit: int, clock: ServerClock
) -> LogPage:
    """Changes of a scope the central store owns above ``after``, oldest first, one page, as
    the JSON of a :class:`~eqvisit.sync.protocol.FeedPage`: each change only its record type,
    id and fields (``[type, id, {…}]``, put together by the database like a pull page's changes).

    The store stamps every write to these scopes after every stamp its record holds
    (:func:`~eqvisit.sync.server.exchange.stamp_after`), so each logged field took effect, in log
    order: a laptop needs neither the stamps nor the rest of a pulled change, and a page of
    intelligence is half the size of a pull page and far cheaper to read.
    """
    if not server_owned(scope):
        raise NotServerOwned(f"{scope} is not a scope the central store owns: pull it instead")
    return _log_page(session, actor, scope, after, limit, clock, _feed_json)


def _log_page(
    session: Session,
    actor: Actor,
    scope: str,
    after: int,
    limit: int,
    clock: ServerClock,
    change_json: Callable[[str], ColumnElement[str]],
) -> LogPage:
    """One page of the scope's log above ``after`` that the actor may read: each change's JSON
    built by the database (``change_json``).

    When the role may read every type of record a scope of this kind holds, the database also
    joins the page (one row comes back, not one per change) and says whether any change of
    another type is in it (a conflict record logged in reference data before s0002): only
    then, and for roles that may not read everything, are the changes read one by one and
    filtered by the permission table.
    """
    role = _reading_role(session, actor, scope)
    connection = session.connection()  # Core, not the ORM's row loading
    change = change_json(_dialect(session))
    above = (LOG.c.scope == scope, LOG.c.seq > after)
    possible = _RECORDS_OF_KIND.get(scope_kind(scope), ())
    if possible and all(grant(role, t, Action.READ) is Grant.ALL for t in possible):
        page = (
            select(LOG.c.seq, LOG.c.record_type, change.label("change"))
            .where(*above)
            .order_by(LOG.c.seq)
            .limit(limit)
            .subquery()
        )
        count, last, stray, joined = connection.execute(
            select(
                func.count(),
                func.max(page.c.seq),
                func.coalesce(func.sum(case((page.c.record_type.in_(possible), 0), else_=1)), 0),
                aggregate_order_by(func.aggregate_strings(page.c.change, ","), page.c.seq),
            )
        ).one()
        if not stray:
            cursor = after if last is None else int(last)
            more = count == limit and _any_above(connection, scope, cursor)
            return _page(scope, joined or "", cursor, more, clock)
    rows = connection.execute(
        select(LOG.c.seq, LOG.c.record_type, LOG.c.record_id, change)
        .where(*above)
        .order_by(LOG.c.seq)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    readable = _readable_filter(session, actor, role, rows)
    texts = map(_JSON_OF_ROW, rows if readable is None else filter(readable, rows))
    return _page(scope, ",".join(texts), rows[-1].seq if rows else after, more, clock)


def _any_above(connection: Connection, scope: str, seq: int) -> bool:
    above = select(LOG.c.seq).where(LOG.c.scope == scope, LOG.c.seq > seq).limit(1)
    return connection.execute(above).first() is not None


def _page(scope: str, changes: str, cursor: int, more: bool, clock: ServerClock) -> LogPage:
    """The page's JSON around its changes' (already joined) JSON."""
    head = orjson.dumps({"scope": scope})[:-1]
    tail = orjson.dumps({"cursor": cursor, "more": more, "server_hlc": str(clock.now())})[1:]
    return LogPage(b"".join((head, b',"changes":[', changes.encode(), b"],", tail)), cursor, more)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _quoted(dialect: str, value: ColumnElement[Any]) -> ColumnElement[str]:
    """A column's value as JSON text, by the database's own JSON quoting (NULL as null)."""
    if dialect == "sqlite":
        return func.json_quote(value)
    return func.coalesce(cast_(func.to_json(value), Text), "null")


@functools.cache
def _feed_json(dialect: str) -> ColumnElement[str]:
    """One change-log row as a feed page's ``[record type, record id, fields]``."""
    log = LOG.c
    return (
        literal("[", Text)
        + _quoted(dialect, log.record_type)
        + literal(",", Text)
        + _quoted(dialect, log.record_id)
        + literal(",", Text)
        + cast_(log.fields, Text)
        + literal("]", Text)
    ).label("change")


@functools.cache
def _change_json(dialect: str) -> ColumnElement[str]:
    """One change-log row as the JSON object of a pulled change, built by the database: keys as
    constants, text values quoted by the database's JSON quoting, ``fields`` and ``base`` as
    their stored JSON text."""

    def quoted(value: ColumnElement[Any]) -> ColumnElement[str]:
        return _quoted(dialect, value)

    log = LOG.c
    members: list[tuple[str, ColumnElement[Any]]] = [
        ("change_id", quoted(log.change_id)),
        ("record_type", quoted(log.record_type)),
        ("record_id", quoted(log.record_id)),
        ("scope", quoted(log.scope)),
        ("fields", cast_(log.fields, Text)),
        ("base", cast_(log.base, Text)),
        ("hlc", quoted(log.hlc)),
        ("author_id", quoted(log.author_id)),
        ("device_id", quoted(log.device_id)),
        ("server_seq", cast_(log.seq, Text)),
    ]
    text: ColumnElement[str] = literal("{", Text)
    for index, (key, value) in enumerate(members):
        text = text + literal(("," if index else "") + f'"{key}":', Text) + value
    return (text + literal("}", Text)).label("change")


_TYPE_OF_ROW = operator.attrgetter("record_type")
_JSON_OF_ROW = operator.itemgetter(3)


class _Keyed(Protocol):
    @property
    def record_type(self) -> str: ...

    @property
    def record_id(self) -> str: ...


def _readable_filter(
    session: Session, actor: Actor, role: UserRole, rows: Sequence[_Keyed]
) -> Callable[[_Keyed], bool] | None:
    """Which of these rows the actor may read; None when every one (every type they are of
    is readable whole by the role)."""
    types = set(map(_TYPE_OF_ROW, rows))
    if all(grant(role, t, Action.READ) is Grant.ALL for t in types):
        return None
    cache: dict[tuple[str, str], bool] = {}

    def readable(row: _Keyed) -> bool:
        key = (row.record_type, row.record_id)
        if key not in cache:
            record = session.get(ServerRecord, key)
            cache[key] = record is not None and may_read(session, actor, role, record)
        return cache[key]

    return readable


def receipt(session: Session, actor: Actor, scope: str) -> Receipt:
    """A digest over the winning stamp of every field of every record the actor may read."""
    role = _reading_role(session, actor, scope)
    if _reads_every_record(session, role, scope):
        blocks = _RECEIPTS.blocks(session, scope)
        text = "".join([blocks[key] for key in sorted(blocks)])
        records = sum(1 for block in blocks.values() if block)
        return Receipt(
            scope=scope, digest=hashlib.sha256(text.encode()).hexdigest(), records=records
        )
    records_ = session.scalars(select(ServerRecord).where(ServerRecord.scope == scope)).all()
    readable = _readable_filter(session, actor, role, records_)
    lines = [
        (record.record_type, record.record_id, name, entry["hlc"], entry["device_id"])
        for record in (records_ if readable is None else filter(readable, records_))
        for name, entry in record.state.items()
    ]
    return Receipt(
        scope=scope, digest=digest_lines(lines), records=len({(r[0], r[1]) for r in lines})
    )


def _reads_every_record(session: Session, role: UserRole, scope: str) -> bool:
    """Whether ``role`` may read every record of the scope: at once when it reads every type a
    scope of its kind can hold (pushes are refused in a scope of the wrong kind), else by the
    types the scope holds (a walk of the scope's records: half a receipt's time on a visit)."""
    possible = _RECORDS_OF_KIND.get(scope_kind(scope), ())
    if possible and all(grant(role, t, Action.READ) is Grant.ALL for t in possible):
        return True
    present = session.scalars(
        select(ServerRecord.record_type).where(ServerRecord.scope == scope).distinct()
    ).all()
    return all(grant(role, t, Action.READ) is Grant.ALL for t in present)


_RECORDS_OF_KIND = {
    "visit": VISIT_RECORDS,
    "provider": PROVIDER_RECORDS,
    "reference": REFERENCE_RECORDS,
}

RecordKey = tuple[str, str]


@dataclass(frozen=True)
class _Blocks:
    """A scope's receipt lines per record (each record's lines sorted, joined), as of ``head``."""

    head: int
    by_record: dict[RecordKey, str]


class _ReceiptBlocks:
    """Each scope's receipt lines per record, kept between receipts and brought up to date from
    the change log: only records with a change above the kept head are read again.

    Every write to a record's state is logged in its scope with a sequence number above every
    earlier one (writers are serialised), so the records changed since ``head`` are exactly
    those with a log entry above it. A receipt of a visit of a few thousand responses read and
    parsed every state (~50 ms on the central store) after every push; now it reads those the
    push touched. Kept per database (by its connection pool), for the ``SCOPES_KEPT`` scopes
    asked for last; the digest is always over what the database holds, so the central store
    stays stateless apart from its database.
    """

    SCOPES_KEPT = 64

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: weakref.WeakKeyDictionary[Pool, OrderedDict[str, _Blocks]] = (
            weakref.WeakKeyDictionary()
        )

    def blocks(self, session: Session, scope: str) -> dict[RecordKey, str]:
        pool = session.connection().engine.pool
        head = scope_heads(session, [scope]).get(scope, 0)
        with self._lock:
            kept = self._kept.setdefault(pool, OrderedDict()).get(scope)
        if kept is not None and kept.head == head:
            by_record = kept.by_record
        elif kept is None or kept.head > head:  # first time, or not the database it was
            by_record = _record_lines(session, ServerRecord.scope == scope)
            kept = _Blocks(head, by_record)
        else:
            changed = session.execute(
                select(
                    ChangeLogEntry.record_type, ChangeLogEntry.record_id, ChangeLogEntry.seq
                ).where(ChangeLogEntry.scope == scope, ChangeLogEntry.seq > kept.head)
            ).all()
            by_record = dict(kept.by_record)
            by_type: dict[str, set[str]] = {}
            for record_type, record_id, _seq in changed:
                by_type.setdefault(record_type, set()).add(record_id)
            for record_type, ids in by_type.items():
                listed = sorted(ids)
                for start in range(0, len(listed), 500):
                    by_record.update(
                        _record_lines(
                            session,
                            and_(
                                ServerRecord.record_type == record_type,
                                ServerRecord.record_id.in_(listed[start : start + 500]),
                            ),
                        )
                    )
            # The states just read are at least as new as the newest change listed.
            kept = _Blocks(max([kept.head, *(seq for _t, _i, seq in changed)]), by_record)
        with self._lock:
            scopes = self._kept.setdefault(pool, OrderedDict())
            if scope not in scopes or scopes[scope].head <= kept.head:
                scopes[scope] = kept
            scopes.move_to_end(scope)
            while len(scopes) > self.SCOPES_KEPT:
                scopes.popitem(last=False)
        return by_record


def _record_lines(session: Session, condition: ColumnElement[bool]) -> dict[RecordKey, str]:
    """The receipt lines of the records matching ``condition``, by record: plain rows, no ORM
    objects (a few thousand of those cost more than the digest itself)."""
    states = session.execute(
        select(ServerRecord.record_type, ServerRecord.record_id, ServerRecord.state).where(
            condition
        )
    )
    return {
        (record_type, record_id): "".join(
            [
                f"{record_type}|{record_id}|{name}|{entry['hlc']}|{entry['device_id']}\n"
                for name, entry in sorted(state.items())
            ]
        )
        for record_type, record_id, state in states
    }


_RECEIPTS = _ReceiptBlocks()


def digest_lines(lines: Iterable[tuple[str, str, str, str, str]]) -> str:
    """SHA-256 over sorted ``type|id|field|hlc|device`` lines; the laptop computes the same."""
    text = "".join([f"{t}|{i}|{f}|{h}|{d}\n" for t, i, f, h, d in sorted(lines)])
    return hashlib.sha256(text.encode()).hexdigest()
