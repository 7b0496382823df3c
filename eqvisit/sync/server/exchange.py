"""Writes to the central store: pushed batches, and changes the server makes itself (DESIGN §4).

A push batch is one transaction; every check that can refuse a change runs before it writes, so
a refused change is answered "rejected" without undoing the others. Writers are serialised
(SQLite's write lock; a transaction-scoped advisory lock on PostgreSQL) so change-log sequence
numbers are assigned in commit order and a pull above a cursor can never skip a row that commits
later. Reading (scopes, pull pages, receipts) is in :mod:`eqvisit.sync.server.reading`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from eqvisit.domain.enums import UserRole
from eqvisit.domain.merge import FieldWrite, merge_field
from eqvisit.domain.numbering import PREFIXES, next_reference, parse_reference
from eqvisit.domain.scopes import scope_id, scope_kind, server_owned
from eqvisit.errors import InvalidValue
from eqvisit.storage.bulk import insert_rows
from eqvisit.sync.permissions import PARENTS
from eqvisit.sync.protocol import (
    Change,
    ChangeResult,
)
from eqvisit.sync.server.access import (
    Actor,
    Refused,
    check_change,
    membership_of,
    role_in_scope,
    visit_role,
)
from eqvisit.sync.server.batch import LOG, RECORDS, HeldRecord, LogRow, WriteBatch
from eqvisit.sync.server.clock import ServerClock

log = logging.getLogger(__name__)

CONFLICT_NAMESPACE = uuid.UUID("5f0c7a52-8d7e-4f57-9a3c-2d1e6b0c9e11")
WRITER_LOCK_KEY = 0x6571_7669  # "eqvi"
SERVER_DEVICE = "server"


def lock_writers(session: Session) -> None:
    """Serialise writers until the transaction ends. On PostgreSQL the advisory lock is keyed by
    the schema too: advisory locks are database-wide, and two central stores may share a
    database in separate schemas (as the tests and benchmarks do)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
            {"key": WRITER_LOCK_KEY},
        )


def push(
    session: Session, actor: Actor, changes: Iterable[Change], clock: ServerClock
) -> list[ChangeResult]:
    """Apply one batch; answer each change accepted (with its sequence number) or rejected."""
    return push_many(session, [(actor, list(changes))], clock)[0]


def push_many(
    session: Session, batches: Sequence[tuple[Actor, Sequence[Change]]], clock: ServerClock
) -> list[list[ChangeResult]]:
    """Apply batches from one or more callers in one transaction, in order, exactly as if each
    had been pushed alone after the one before it; answer each change of each batch.

    Every check that can refuse a change runs before it queues anything, so a refused change
    needs no savepoint to leave the others untouched. What the batches look up (earlier answers,
    the records they touch, their parents and visits, the callers' places on those panels) is
    read in one query each; their log entries and records are written together at the end
    (:mod:`eqvisit.sync.server.batch`).
    """
    lock_writers(session)
    every = [change for _actor, batch in batches for change in batch]
    records = WriteBatch(session)
    answered = records.read(
        [change.change_id for change in every],
        _keys_of(every),
        (
            (actor.user_id, change.scope)
            for actor, batch in batches
            for change in batch
            if scope_kind(change.scope) == "visit"
        ),
    )
    roles = _RolesInBatch(records)
    in_batch: dict[str, LogRow] = {}
    answers = [
        _answer_batch(records, actor, batch, clock, roles, answered, in_batch)
        for actor, batch in batches
    ]
    records.write()
    return [
        [answer if isinstance(answer, ChangeResult) else answer.result() for answer in batch]
        for batch in answers
    ]


def _answer_batch(
    records: WriteBatch,
    actor: Actor,
    batch: Sequence[Change],
    clock: ServerClock,
    roles: _RolesInBatch,
    answered: dict[str, tuple[int, str, Any]],
    in_batch: dict[str, LogRow],
) -> list[ChangeResult | _Accepted | _SentTwice]:
    role_of = roles.of(actor)
    answers: list[ChangeResult | _Accepted | _SentTwice] = []
    for change in batch:
        first = in_batch.get(change.change_id)
        if first is not None:  # sent twice in one transaction: answered as the first was
            answers.append(_SentTwice(change, first))
            continue
        logged = answered.get(change.change_id)
        if logged is not None:
            answers.append(_answered_before(change, *logged))
            continue
        try:
            existing = records.get(change.record_type, change.record_id)
            row, restamped, rewritten = _checked_entry(
                records, actor, change, existing, clock, role_of
            )
        except Refused as refused:
            answers.append(
                ChangeResult(change_id=change.change_id, status="rejected", reason=refused.reason)
            )
            continue
        in_batch[change.change_id] = row
        merge_change(records, row, existing, created_by=actor.user_id, clock=clock)
        if change.record_type in ("panel_members", "visits"):
            roles.forget()
        answers.append(_Accepted(row, restamped, rewritten))
    return answers


def _keys_of(batch: Sequence[Change]) -> set[tuple[str, str]]:
    """The records a batch writes, the parents its changes name, and the visits they are in."""
    keys = {(change.record_type, change.record_id) for change in batch}
    for change in batch:
        parent = PARENTS.get(change.record_type)
        if parent is not None and isinstance(change.fields.get(parent[0]), str):
            keys.add((parent[1], change.fields[parent[0]]))
        if scope_kind(change.scope) == "visit" and (visit_id := scope_id(change.scope)):
            keys.add(("visits", visit_id))
    return keys


def _seq(row: LogRow) -> int:
    if row.seq is None:
        raise RuntimeError(f"change {row.change_id} was answered before it was written")
    return row.seq


@dataclass(frozen=True)
class _Accepted:
    row: LogRow
    restamped: str | None
    rewritten: dict[str, Any] | None

    def result(self) -> ChangeResult:
        return ChangeResult(
            change_id=self.row.change_id,
            status="accepted",
            server_seq=_seq(self.row),
            restamped_hlc=self.restamped,
            rewritten=self.rewritten,
        )


@dataclass(frozen=True)
class _SentTwice:
    change: Change
    first: LogRow

    def result(self) -> ChangeResult:
        return _answered_before(self.change, _seq(self.first), self.first.hlc, self.first.fields)


def _answered_before(change: Change, seq: int, hlc: str, fields: dict[str, Any]) -> ChangeResult:
    """A change the log holds already (its answer was lost, or it is a duplicate): the same
    answer again, including any stamp or value the server gave it then."""
    changed = {k: v for k, v in fields.items() if change.fields.get(k) != v}
    return ChangeResult(
        change_id=change.change_id,
        status="accepted",
        server_seq=seq,
        restamped_hlc=hlc if hlc != change.hlc else None,
        rewritten=changed or None,
    )


class _RolesInBatch:
    """Each caller's role per scope, remembered through a transaction until a panel or visit
    changes. A visit's role comes from the records and memberships the batch holds (its own
    changes included); any other scope's is read through the ORM session, so what the batch
    has queued is written first once a panel or visit has changed.
    """

    def __init__(self, records: WriteBatch) -> None:
        self._records = records
        self._known: dict[tuple[str, UserRole, str], UserRole | None] = {}
        self._stale = False

    def of(self, actor: Actor) -> Callable[[str], UserRole | None]:
        return lambda scope: self.role(actor, scope)

    def role(self, actor: Actor, scope: str) -> UserRole | None:
        key = (actor.user_id, actor.role, scope)
        if key not in self._known:
            visit_id = scope_id(scope) if scope_kind(scope) == "visit" else None
            if visit_id is not None:
                self._known[key] = visit_role(
                    actor.user_id,
                    actor.role,
                    self._records.get("visits", visit_id),
                    self._records.membership(actor.user_id, scope),
                )
            else:
                if self._stale:
                    self._records.write()
                    self._stale = False
                self._known[key] = role_in_scope(
                    self._records.session, actor.user_id, actor.role, scope
                )
        return self._known[key]

    def forget(self) -> None:
        self._known.clear()
        self._stale = True


def _checked_entry(
    records: WriteBatch,
    actor: Actor,
    change: Change,
    existing: HeldRecord | None,
    clock: ServerClock,
    roles: Callable[[str], UserRole | None],
) -> tuple[LogRow, str | None, dict[str, Any] | None]:
    """The log entry for an allowed change (not yet queued), or :class:`Refused`."""
    if change.device_id != actor.device_id:
        raise Refused("this change was made on another device; sign in there to send it")
    if change.author_id not in (None, actor.user_id):
        raise Refused("this change was written by another user")
    rewritten: dict[str, Any] | None = None
    if change.record_type == "findings" and (renumbered := _free_reference(records, change)):
        rewritten = {"reference": renumbered}
    check_change(
        actor,
        change.record_type,
        change.record_id,
        change.scope,
        change.fields,
        existing,
        record_of=records.get,
        role_of=roles,
    )
    hlc, restamped = change.hlc, None
    fields = dict(change.fields)
    if server_owned(change.scope):
        # The central store orders the writes of the scopes it owns: stamped after every stamp
        # the record holds, a write takes effect in the order the store accepts it, here and on
        # every laptop, which applies these scopes in log order (domain/scopes.py).
        hlc = restamped = stamp_after(clock, existing)
    elif rewritten is not None:
        # The server's value is a later write than the laptop's, so every replica takes it.
        fields.update(rewritten)
        hlc = restamped = str(clock.now())
    elif clock.is_far_ahead(change.hlc):
        # A laptop clock set wrong: take the server's time, so one bad clock cannot win every
        # merge (or drag every clock forward) until real time catches up.
        hlc = restamped = str(clock.now())
        log.warning("change %s was stamped far ahead of server time; restamped", change.change_id)
    else:
        clock.observe(change.hlc)
    row = LogRow(
        change_id=change.change_id,
        record_type=change.record_type,
        record_id=change.record_id,
        scope=change.scope,
        fields=fields,
        base=dict(change.base),
        hlc=hlc,
        author_id=actor.user_id,
        device_id=change.device_id,
        received_at=datetime.now(UTC),
    )
    return row, restamped, rewritten


def _free_reference(records: WriteBatch, change: Change) -> str | None:
    """The number to use instead when another finding of the visit already holds this one.

    Two laptops can issue the same number offline. The change that reaches the server second
    gets the next free number of its kind; a number is final once the server has accepted it,
    and a deleted finding keeps its number for ever.
    """
    reference = change.fields.get("reference")
    if reference is None:
        return None
    records.write()  # findings earlier in this batch hold their numbers too
    states = records.session.scalars(
        select(RECORDS.c.state).where(
            RECORDS.c.record_type == "findings",
            RECORDS.c.scope == change.scope,
            RECORDS.c.record_id != change.record_id,
        )
    )
    held = [(state.get("reference") or {}).get("value") for state in states]
    taken = [str(r) for r in held if r is not None]
    if reference not in taken:
        return None
    try:
        prefix, _number = parse_reference(str(reference))
    except InvalidValue as exc:
        raise Refused(str(exc)) from exc
    kind = next(k for k, p in PREFIXES.items() if p == prefix)
    return next_reference(kind, [*taken, str(reference)])


def merge_change(
    records: WriteBatch,
    row: LogRow,
    existing: HeldRecord | None,
    *,
    created_by: str | None,
    clock: ServerClock,
) -> HeldRecord:
    """Append a change to the log and merge it into its record's state; log a conflict record
    for each value it made lose. Queued in ``records``; returns the record."""
    records.append(row)
    record = existing or records.create(row.record_type, row.record_id, row.scope, created_by)
    state, lost = merged_state(record.state, row)
    if state is not record.state:
        record.state = state
        records.changed(record)
    if record.record_type == "panel_members" and (member := membership_of(record)) is not None:
        user_id, panel_role, active = member
        records.set_membership(user_id, record.scope, panel_role, active)
    if not server_owned(record.scope):  # there every write wins, and the log keeps them all
        for name, winner, loser in lost:
            _log_conflict(records, record, name, winner, loser, clock)
    return record


def stamp_after(clock: ServerClock, record: HeldRecord | None) -> str:
    """A server stamp later than every stamp ``record`` holds, so the write it stamps wins over
    the record's current values whatever clock wrote them (another server process, an import
    run elsewhere, a laptop's)."""
    if record is not None and record.state:
        clock.observe(max(entry["hlc"] for entry in record.state.values()))
    return str(clock.now())


def merged_state(
    state: dict[str, Any], row: LogRow
) -> tuple[dict[str, Any], list[tuple[str, FieldWrite, FieldWrite]]]:
    """``state`` with the change's fields merged in (``state`` itself when no field changed),
    and each field whose losing value is a conflict, with the winner and loser."""
    merged: dict[str, Any] | None = None
    lost: list[tuple[str, FieldWrite, FieldWrite]] = []
    for name, value in row.fields.items():
        current = state.get(name)
        if current is None:  # merge_field's first write: it wins, nothing is lost
            merged = merged if merged is not None else dict(state)
            merged[name] = {
                "value": value,
                "hlc": row.hlc,
                "device_id": row.device_id,
                "author_id": row.author_id,
                "base": row.base.get(name),
                "change_id": row.change_id,
            }
            continue
        incoming = FieldWrite(
            value, row.hlc, row.device_id, row.author_id, row.base.get(name), row.change_id
        )
        outcome = merge_field(_write_of(current), incoming)
        if outcome.changed:
            merged = merged if merged is not None else dict(state)
            merged[name] = _entry_of(outcome.winner)
        if outcome.conflict_loser is not None:
            lost.append((name, outcome.winner, outcome.conflict_loser))
    return (merged if merged is not None else state), lost


def _log_conflict(
    records: WriteBatch,
    record: HeldRecord,
    name: str,
    winner: FieldWrite,
    loser: FieldWrite,
    clock: ServerClock,
) -> None:
    conflict_id = str(
        uuid.uuid5(
            CONFLICT_NAMESPACE, f"{record.record_type}/{record.record_id}/{name}/{loser.change_id}"
        )
    )
    if records.get("conflicts", conflict_id) is not None:
        return
    stamp = str(clock.now())
    row = LogRow(
        change_id=str(uuid.uuid5(CONFLICT_NAMESPACE, conflict_id)),
        record_type="conflicts",
        record_id=conflict_id,
        scope=record.scope,
        fields={
            "record_type": record.record_type,
            "record_id": record.record_id,
            "field": name,
            "winning_value": winner.value,
            "winning_hlc": winner.hlc,
            "winning_author_id": winner.author_id,
            "losing_value": loser.value,
            "losing_hlc": loser.hlc,
            "losing_author_id": loser.author_id,
            "losing_device_id": loser.device_id,
            "detected_at": datetime.now(UTC).isoformat(),
            "resolved_by_change": None,
            "scope": record.scope,
        },
        base={},
        hlc=stamp,
        author_id=None,
        device_id=SERVER_DEVICE,
        received_at=datetime.now(UTC),
    )
    merge_change(records, row, None, created_by=None, clock=clock)


def _write_of(entry: dict[str, Any]) -> FieldWrite:
    return FieldWrite(
        entry["value"],
        entry["hlc"],
        entry["device_id"],
        entry["author_id"],
        entry["base"],
        entry["change_id"],
    )


def _entry_of(write: FieldWrite) -> dict[str, Any]:
    return {
        "value": write.value,
        "hlc": write.hlc,
        "device_id": write.device_id,
        "author_id": write.author_id,
        "base": write.base,
        "change_id": write.change_id,
    }


def server_write(
    session: Session,
    record_type: str,
    record_id: str,
    scope: str,
    fields: dict[str, Any],
    clock: ServerClock,
    *,
    author_id: str | None = None,
) -> int:
    """Write a record as the server itself (admin, imports): logged and merged like any change,
    stamped after the record's own stamps (so it wins whatever process's clock wrote them), and
    written at once (ORM reads in the same session afterwards see it)."""
    lock_writers(session)
    records = WriteBatch(session)
    existing = records.get(record_type, record_id)
    base = {
        name: (existing.state[name]["hlc"] if existing and name in existing.state else None)
        for name in fields
    }
    row = LogRow(
        change_id=str(uuid.uuid4()),
        record_type=record_type,
        record_id=record_id,
        scope=scope,
        fields=fields,
        base=base,
        hlc=stamp_after(clock, existing),
        author_id=author_id,
        device_id=SERVER_DEVICE,
        received_at=datetime.now(UTC),
    )
    merge_change(records, row, existing, created_by=author_id, clock=clock)
    records.write()
    return _seq(row)


def server_create_many(
    session: Session,
    record_type: str,
    records: Iterable[tuple[str, str, dict[str, Any]]],
    clock: ServerClock,
    *,
    batch_size: int = 5_000,
) -> int:
    """Create many new records as the server (imports, demo) by Core executemany.

    ``records`` are ``(record_id, scope, fields)`` of records that do not exist yet; each becomes
    one change-log entry and one merged record, exactly as :func:`server_write` would make them.
    """
    lock_writers(session)
    received = datetime.now(UTC)
    total = 0
    log_rows: list[dict[str, Any]] = []
    record_rows: list[dict[str, Any]] = []

    def flush() -> None:
        if log_rows:
            insert_rows(session, LOG, log_rows)
            insert_rows(session, RECORDS, record_rows)
            log_rows.clear()
            record_rows.clear()

    for record_id, scope, fields in records:
        stamp = str(clock.now())
        change_id = str(uuid.uuid4())
        log_rows.append(
            {
                "change_id": change_id,
                "record_type": record_type,
                "record_id": record_id,
                "scope": scope,
                "fields": fields,
                "base": {},
                "hlc": stamp,
                "author_id": None,
                "device_id": SERVER_DEVICE,
                "received_at": received,
            }
        )
        entry = _entry_of(FieldWrite(None, stamp, SERVER_DEVICE, None, None, change_id))
        record_rows.append(
            {
                "record_type": record_type,
                "record_id": record_id,
                "scope": scope,
                "created_by": None,
                "state": {name: {**entry, "value": value} for name, value in fields.items()},
            }
        )
        total += 1
        if len(log_rows) >= batch_size:
            flush()
    flush()
    return total
