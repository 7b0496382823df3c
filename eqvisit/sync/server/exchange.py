"""Push, pull, scopes and receipts on the central store (DESIGN §4).

A push batch is one transaction; each change gets a savepoint, so a refused change is answered
"rejected" without undoing the others. Writers are serialised (SQLite's write lock; a
transaction-scoped advisory lock on PostgreSQL) so change-log sequence numbers are assigned in
commit order and a pull above a cursor can never skip a row that commits later.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from eqvisit.domain.enums import UserRole
from eqvisit.domain.merge import FieldWrite, merge_field
from eqvisit.domain.numbering import PREFIXES, next_reference, parse_reference
from eqvisit.errors import InvalidValue
from eqvisit.sync.permissions import Action, Grant, grant
from eqvisit.sync.protocol import (
    Change,
    ChangeResult,
    PulledChange,
    PullPage,
    Receipt,
    ScopeGrant,
)
from eqvisit.sync.server.access import (
    Actor,
    Refused,
    check_change,
    field_value,
    may_read,
    refresh_membership,
    role_in_scope,
    visit_scopes_of,
)
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.models import ChangeLogEntry, ServerRecord

log = logging.getLogger(__name__)

CONFLICT_NAMESPACE = uuid.UUID("5f0c7a52-8d7e-4f57-9a3c-2d1e6b0c9e11")
WRITER_LOCK_KEY = 0x6571_7669  # "eqvi"
SERVER_DEVICE = "server"


def lock_writers(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})


def push(
    session: Session, actor: Actor, changes: Iterable[Change], clock: ServerClock
) -> list[ChangeResult]:
    """Apply a batch; answer each change accepted (with its sequence number) or rejected."""
    lock_writers(session)
    results: list[ChangeResult] = []
    for change in changes:
        logged = session.execute(
            select(ChangeLogEntry.seq, ChangeLogEntry.hlc, ChangeLogEntry.fields).where(
                ChangeLogEntry.change_id == change.change_id
            )
        ).first()
        if logged is not None:
            # Answered before (the answer was lost, or this is a duplicate): answer the same way,
            # including any stamp or value the server gave the change then.
            seq, hlc, fields = logged
            changed = {k: v for k, v in fields.items() if change.fields.get(k) != v}
            results.append(
                ChangeResult(
                    change_id=change.change_id,
                    status="accepted",
                    server_seq=seq,
                    restamped_hlc=hlc if hlc != change.hlc else None,
                    rewritten=changed or None,
                )
            )
            continue
        try:
            with session.begin_nested():
                seq, restamped, rewritten = _apply(session, actor, change, clock)
        except Refused as refused:
            results.append(
                ChangeResult(change_id=change.change_id, status="rejected", reason=refused.reason)
            )
        else:
            results.append(
                ChangeResult(
                    change_id=change.change_id,
                    status="accepted",
                    server_seq=seq,
                    restamped_hlc=restamped,
                    rewritten=rewritten,
                )
            )
    return results


def _apply(
    session: Session, actor: Actor, change: Change, clock: ServerClock
) -> tuple[int, str | None, dict[str, Any] | None]:
    if change.device_id != actor.device_id:
        raise Refused("this change was made on another device; sign in there to send it")
    if change.author_id not in (None, actor.user_id):
        raise Refused("this change was written by another user")
    existing = session.get(ServerRecord, (change.record_type, change.record_id))
    rewritten: dict[str, Any] | None = None
    if change.record_type == "findings" and (renumbered := _free_reference(session, change)):
        rewritten = {"reference": renumbered}
    check_change(
        session, actor, change.record_type, change.record_id, change.scope, change.fields, existing
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
    session.add(entry)
    session.flush()
    merge_into_record(session, entry, existing, created_by=actor.user_id, clock=clock)
    return entry.seq, restamped, rewritten


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
) -> None:
    """Merge a logged change into its record's state; log a conflict record for each lost value."""
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
        for provider in session.scalars(
            select(ServerRecord).where(ServerRecord.record_type == "providers")
        ):
            if field_value(provider, "region_code") in regions:
                providers.add(provider.record_id)
    grants.extend(
        ScopeGrant(scope=f"provider:{pid}", role=actor.role.value) for pid in sorted(providers)
    )
    return grants


def _reading_role(session: Session, actor: Actor, scope: str) -> UserRole:
    role = role_in_scope(session, actor.user_id, actor.role, scope)
    if role is None or (
        scope.startswith("visit:") and session.get(ServerRecord, ("visits", scope[6:])) is None
    ):
        raise Refused(f"you have no access to {scope}")
    return role


def pull(
    session: Session, actor: Actor, scope: str, after: int, limit: int, clock: ServerClock
) -> PullPage:
    """Changes of ``scope`` above ``after`` that the actor may read, oldest first, one page."""
    role = _reading_role(session, actor, scope)
    rows = session.scalars(
        select(ChangeLogEntry)
        .where(ChangeLogEntry.scope == scope, ChangeLogEntry.seq > after)
        .order_by(ChangeLogEntry.seq)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    readable = _readable_filter(session, actor, role, rows)
    # Rows of our own change log were validated when they were pushed: build them unchecked.
    changes = [
        PulledChange.model_construct(
            change_id=row.change_id,
            record_type=row.record_type,
            record_id=row.record_id,
            scope=row.scope,
            fields=row.fields,
            base=row.base,
            hlc=row.hlc,
            author_id=row.author_id,
            device_id=row.device_id,
            server_seq=row.seq,
        )
        for row in rows
        if readable(row)
    ]
    cursor = rows[-1].seq if rows else after
    return PullPage(
        scope=scope, changes=changes, cursor=cursor, more=more, server_hlc=str(clock.now())
    )


def _readable_filter(
    session: Session, actor: Actor, role: UserRole, rows: Sequence[ChangeLogEntry]
) -> Callable[[ChangeLogEntry], bool]:
    types = {row.record_type for row in rows}
    if all(grant(role, t, Action.READ) is Grant.ALL for t in types):
        return lambda row: True
    cache: dict[tuple[str, str], bool] = {}

    def readable(row: ChangeLogEntry) -> bool:
        key = (row.record_type, row.record_id)
        if key not in cache:
            record = session.get(ServerRecord, key)
            cache[key] = record is not None and may_read(session, actor, role, record)
        return cache[key]

    return readable


def receipt(session: Session, actor: Actor, scope: str) -> Receipt:
    """A digest over the winning stamp of every field of every record the actor may read."""
    role = _reading_role(session, actor, scope)
    records = session.scalars(
        select(ServerRecord)
        .where(ServerRecord.scope == scope)
        .order_by(ServerRecord.record_type, ServerRecord.record_id)
    ).all()
    lines = [
        (record.record_type, record.record_id, name, entry["hlc"], entry["device_id"])
        for record in records
        if may_read(session, actor, role, record)
        for name, entry in sorted(record.state.items())
    ]
    return Receipt(
        scope=scope, digest=digest_lines(lines), records=len({(r[0], r[1]) for r in lines})
    )


def digest_lines(lines: Iterable[tuple[str, str, str, str, str]]) -> str:
    """SHA-256 over sorted ``type|id|field|hlc|device`` lines; the laptop computes the same."""
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update("|".join(line).encode())
        digest.update(b"\n")
    return digest.hexdigest()


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
