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
from typing import Any, cast

from sqlalchemy import Table, insert, select, text, tuple_
from sqlalchemy.orm import Session

from eqvisit.domain.enums import UserRole
from eqvisit.domain.merge import FieldWrite, merge_field
from eqvisit.domain.numbering import PREFIXES, next_reference, parse_reference
from eqvisit.errors import InvalidValue
from eqvisit.sync.permissions import PARENTS
from eqvisit.sync.protocol import (
    Change,
    ChangeResult,
)
from eqvisit.sync.server.access import (
    Actor,
    Refused,
    check_change,
    field_value,
    refresh_membership,
    role_in_scope,
)
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.models import ChangeLogEntry, ServerRecord

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
    """Apply a batch; answer each change accepted (with its sequence number) or rejected.

    Every check that can refuse a change runs before it writes anything, so a refused change
    needs no savepoint to leave the others untouched. What a batch looks up again and again
    (earlier answers, the records it touches, the actor's role per scope) is read once.
    """
    lock_writers(session)
    batch = list(changes)
    answered = _logged(session, [change.change_id for change in batch])
    records = _BatchRecords.load(session, batch)
    roles = _RolesInBatch(session, actor)
    answers: list[ChangeResult | _Accepted] = []
    in_batch: dict[str, ChangeLogEntry] = {}
    for change in batch:
        if change.change_id in in_batch:
            session.flush()  # a change sent twice in one batch: answer it from the first
            entry = in_batch[change.change_id]
            answered[change.change_id] = (entry.seq, entry.hlc, entry.fields)
        logged = answered.get(change.change_id)
        if logged is not None:
            answers.append(_answered_before(change, *logged))
            continue
        try:
            existing = records.get(change.record_type, change.record_id)
            entry, restamped, rewritten = _checked_entry(
                session, actor, change, existing, clock, roles
            )
        except Refused as refused:
            answers.append(
                ChangeResult(change_id=change.change_id, status="rejected", reason=refused.reason)
            )
            continue
        session.add(entry)
        in_batch[change.change_id] = entry
        records.hold(
            merge_into_record(session, entry, existing, created_by=actor.user_id, clock=clock)
        )
        if change.record_type in ("panel_members", "visits"):
            roles.forget()
        answers.append(_Accepted(entry, restamped, rewritten))
    # One flush inserts the batch's log entries in the order they were added, numbering them.
    session.flush()
    return [answer.result() if isinstance(answer, _Accepted) else answer for answer in answers]


@dataclass(frozen=True)
class _Accepted:
    entry: ChangeLogEntry
    restamped: str | None
    rewritten: dict[str, Any] | None

    def result(self) -> ChangeResult:
        return ChangeResult(
            change_id=self.entry.change_id,
            status="accepted",
            server_seq=self.entry.seq,
            restamped_hlc=self.restamped,
            rewritten=self.rewritten,
        )


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


def _logged(session: Session, change_ids: Sequence[str]) -> dict[str, tuple[int, str, Any]]:
    """Changes of this batch the log already holds: sequence, stamp and fields of each."""
    found: dict[str, tuple[int, str, Any]] = {}
    for start in range(0, len(change_ids), 500):
        found.update(
            (change_id, (seq, hlc, fields))
            for change_id, seq, hlc, fields in session.execute(
                select(
                    ChangeLogEntry.change_id,
                    ChangeLogEntry.seq,
                    ChangeLogEntry.hlc,
                    ChangeLogEntry.fields,
                ).where(ChangeLogEntry.change_id.in_(change_ids[start : start + 500]))
            )
        )
    return found


class _BatchRecords:
    """The records a batch touches and their parents, read in a few queries and held here (the
    session's identity map alone holds them only weakly)."""

    def __init__(
        self,
        session: Session,
        held: dict[tuple[str, str], ServerRecord],
        absent: set[tuple[str, str]],
    ) -> None:
        self._session = session
        self._held = held
        self._absent = absent

    @classmethod
    def load(cls, session: Session, batch: Sequence[Change]) -> _BatchRecords:
        keys = {(change.record_type, change.record_id) for change in batch}
        for change in batch:
            parent = PARENTS.get(change.record_type)
            if parent is not None and isinstance(change.fields.get(parent[0]), str):
                keys.add((parent[1], change.fields[parent[0]]))
        unique = sorted(keys)
        held: dict[tuple[str, str], ServerRecord] = {}
        for start in range(0, len(unique), 400):
            held.update(
                ((record.record_type, record.record_id), record)
                for record in session.scalars(
                    select(ServerRecord).where(
                        tuple_(ServerRecord.record_type, ServerRecord.record_id).in_(
                            unique[start : start + 400]
                        )
                    )
                )
            )
        return cls(session, held, keys - held.keys())

    def get(self, record_type: str, record_id: str) -> ServerRecord | None:
        key = (record_type, record_id)
        if key in self._held or key in self._absent:
            return self._held.get(key)
        return self._session.get(ServerRecord, key)

    def hold(self, record: ServerRecord) -> None:
        self._held[(record.record_type, record.record_id)] = record


class _RolesInBatch:
    """The actor's role per scope, remembered through a batch until a panel or visit changes."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self._session = session
        self._actor = actor
        self._known: dict[str, UserRole | None] = {}

    def __call__(self, scope: str) -> UserRole | None:
        if scope not in self._known:
            self._known[scope] = role_in_scope(
                self._session, self._actor.user_id, self._actor.role, scope
            )
        return self._known[scope]

    def forget(self) -> None:
        self._known.clear()


def _checked_entry(
    session: Session,
    actor: Actor,
    change: Change,
    existing: ServerRecord | None,
    clock: ServerClock,
    roles: Callable[[str], UserRole | None],
) -> tuple[ChangeLogEntry, str | None, dict[str, Any] | None]:
    """The log entry for an allowed change (not yet added), or :class:`Refused`."""
    if change.device_id != actor.device_id:
        raise Refused("this change was made on another device; sign in there to send it")
    if change.author_id not in (None, actor.user_id):
        raise Refused("this change was written by another user")
    rewritten: dict[str, Any] | None = None
    if change.record_type == "findings" and (renumbered := _free_reference(session, change)):
        rewritten = {"reference": renumbered}
    check_change(
        session,
        actor,
        change.record_type,
        change.record_id,
        change.scope,
        change.fields,
        existing,
        roles,
    )
    hlc, restamped = change.hlc, None
    fields = dict(change.fields)
    if rewritten is not None:
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
    entry = ChangeLogEntry(
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
    return entry, restamped, rewritten


def _free_reference(session: Session, change: Change) -> str | None:
    """The number to use instead when another finding of the visit already holds this one.

    Two laptops can issue the same number offline. The change that reaches the server second
    gets the next free number of its kind; a number is final once the server has accepted it,
    and a deleted finding keeps its number for ever.
    """
    reference = change.fields.get("reference")
    if reference is None:
        return None
    held = [
        field_value(other, "reference")
        for other in session.scalars(
            select(ServerRecord).where(
                ServerRecord.record_type == "findings",
                ServerRecord.scope == change.scope,
                ServerRecord.record_id != change.record_id,
            )
        )
    ]
    taken = [str(r) for r in held if r is not None]
    if reference not in taken:
        return None
    try:
        prefix, _number = parse_reference(str(reference))
    except InvalidValue as exc:
        raise Refused(str(exc)) from exc
    kind = next(k for k, p in PREFIXES.items() if p == prefix)
    return next_reference(kind, [*taken, str(reference)])


def merge_into_record(
    session: Session,
    entry: ChangeLogEntry,
    existing: ServerRecord | None,
    *,
    created_by: str | None,
    clock: ServerClock,
) -> ServerRecord:
    """Merge a logged change into its record's state; log a conflict record for each lost value.
    Returns the record."""
    record = existing or ServerRecord(
        record_type=entry.record_type,
        record_id=entry.record_id,
        scope=entry.scope,
        created_by=created_by,
        state={},
    )
    if existing is None:
        session.add(record)
    state = dict(record.state)
    lost: list[tuple[str, FieldWrite, FieldWrite]] = []
    for name, value in entry.fields.items():
        incoming = FieldWrite(
            value,
            entry.hlc,
            entry.device_id,
            entry.author_id,
            entry.base.get(name),
            entry.change_id,
        )
        outcome = merge_field(_write_of(state.get(name)), incoming)
        if outcome.changed:
            state[name] = _entry_of(outcome.winner)
        if outcome.conflict_loser is not None:
            lost.append((name, outcome.winner, outcome.conflict_loser))
    record.state = state
    if record.record_type == "panel_members":
        refresh_membership(session, record)
    for name, winner, loser in lost:
        _log_conflict(session, record, name, winner, loser, clock)
    return record


def _log_conflict(
    session: Session,
    record: ServerRecord,
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
    if session.get(ServerRecord, ("conflicts", conflict_id)) is not None:
        return
    stamp = str(clock.now())
    entry = ChangeLogEntry(
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
    session.add(entry)
    session.flush()
    merge_into_record(session, entry, None, created_by=None, clock=clock)


def _write_of(entry: dict[str, Any] | None) -> FieldWrite | None:
    if entry is None:
        return None
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
    """Write a record as the server itself (admin, imports): logged and merged like any change."""
    lock_writers(session)
    existing = session.get(ServerRecord, (record_type, record_id))
    base = {
        name: (existing.state[name]["hlc"] if existing and name in existing.state else None)
        for name in fields
    }
    entry = ChangeLogEntry(
        change_id=str(uuid.uuid4()),
        record_type=record_type,
        record_id=record_id,
        scope=scope,
        fields=fields,
        base=base,
        hlc=str(clock.now()),
        author_id=author_id,
        device_id=SERVER_DEVICE,
        received_at=datetime.now(UTC),
    )
    session.add(entry)
    session.flush()
    merge_into_record(session, entry, existing, created_by=author_id, clock=clock)
    return entry.seq


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
    log_table = cast(Table, ChangeLogEntry.__table__)
    record_table = cast(Table, ServerRecord.__table__)
    received = datetime.now(UTC)
    total = 0
    log_rows: list[dict[str, Any]] = []
    record_rows: list[dict[str, Any]] = []

    def flush() -> None:
        if log_rows:
            session.execute(insert(log_table), log_rows)
            session.execute(insert(record_table), record_rows)
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
        write = FieldWrite(None, stamp, SERVER_DEVICE, None, None, change_id)
        record_rows.append(
            {
                "record_type": record_type,
                "record_id": record_id,
                "scope": scope,
                "created_by": None,
                "state": {
                    name: {**_entry_of(write), "value": value} for name, value in fields.items()
                },
            }
        )
        total += 1
        if len(log_rows) >= batch_size:
            flush()
    flush()
    return total
