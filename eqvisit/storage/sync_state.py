"""The laptop's side of sync in the store: outbox results, cursors, what is unsent, purges.

Pulled pages are applied by :mod:`eqvisit.storage.pulled_pages`, with their cursor set here in the
same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from eqvisit.domain.scopes import server_owned
from eqvisit.storage import feed_pages, receipt_blocks
from eqvisit.storage.base import Base
from eqvisit.storage.bulk import chunks
from eqvisit.storage.models import FieldVersion, OutboxChange, OutboxState, SyncCursor
from eqvisit.storage.wire_values import MODELS, from_wire, model_for


def pending_changes(session: Session, limit: int) -> Sequence[OutboxChange]:
    return session.scalars(
        select(OutboxChange)
        .where(OutboxChange.state == OutboxState.PENDING)
        .order_by(OutboxChange.seq)
        .limit(limit)
    ).all()


@dataclass(frozen=True)
class PushOutcome:
    change_id: str
    status: str
    server_seq: int | None
    reason: str | None
    restamped_hlc: str | None = None
    rewritten: Mapping[str, Any] | None = None


def record_results(session: Session, results: Iterable[PushOutcome]) -> None:
    """Mark outbox rows accepted (with the server's sequence) or rejected (keeping the reason).

    When the server restamped a change (our clock was far ahead), our field stamps take the
    server's stamp too, so this laptop and the server agree on every field's version. Plain
    answers (all but those) are written by one executemany ``UPDATE`` per status, without
    loading the outbox rows as objects.
    """
    answered = list(results)
    special = [r for r in answered if r.status == "accepted" and (r.restamped_hlc or r.rewritten)]
    outbox = _outbox_by_change_id(session, [result.change_id for result in special])
    for result in special:
        change = outbox.get(result.change_id)
        if change is None:
            continue
        change.state = OutboxState.ACCEPTED
        change.server_seq = result.server_seq
        change.reject_reason = None
        if result.restamped_hlc is not None:
            _restamp(session, change, result.restamped_hlc)
        if result.rewritten:
            _take_server_values(session, change, result.rewritten)
    session.flush()
    table = cast(Table, OutboxChange.__table__)
    by_id = table.c.change_id == bindparam("answered_id")
    accepted = [
        {"answered_id": r.change_id, "answered_seq": r.server_seq}
        for r in answered
        if r.status == "accepted" and not (r.restamped_hlc or r.rewritten)
    ]
    if accepted:
        session.execute(
            update(table)
            .where(by_id)
            .values(
                state=OutboxState.ACCEPTED, server_seq=bindparam("answered_seq"), reject_reason=None
            ),
            accepted,
        )
    rejected = [
        {"answered_id": r.change_id, "answered_reason": r.reason}
        for r in answered
        if r.status != "accepted"
    ]
    if rejected:
        session.execute(
            update(table)
            .where(by_id)
            .values(state=OutboxState.REJECTED, reject_reason=bindparam("answered_reason")),
            rejected,
        )


def _outbox_by_change_id(session: Session, change_ids: Sequence[str]) -> dict[str, OutboxChange]:
    found: dict[str, OutboxChange] = {}
    for chunk in chunks(change_ids):
        found.update(
            (change.change_id, change)
            for change in session.scalars(
                select(OutboxChange).where(OutboxChange.change_id.in_(chunk))
            )
        )
    return found


def _take_server_values(session: Session, change: OutboxChange, values: Mapping[str, Any]) -> None:
    """The server accepted the change with some values of its own (a renumbered reference)."""
    model = model_for(change.record_type)
    record = session.get(model, change.record_id) if model is not None else None
    if model is None or record is None:
        return
    for name, value in values.items():
        setattr(record, name, from_wire(model, name, value))
    change.fields = {**change.fields, **values}


def _restamp(session: Session, change: OutboxChange, hlc: str) -> None:
    for version in session.scalars(
        select(FieldVersion).where(
            FieldVersion.record_type == change.record_type,
            FieldVersion.record_id == change.record_id,
            FieldVersion.field.in_(list(change.fields)),
            FieldVersion.hlc == change.hlc,
            FieldVersion.device_id == change.device_id,
        )
    ):
        version.hlc = hlc
    change.hlc = hlc


def cursor(session: Session, scope: str) -> int:
    found = session.get(SyncCursor, scope)
    return found.cursor if found is not None else 0


def cursors(session: Session, scopes: Iterable[str] | None = None) -> dict[str, int]:
    """Every scope's cursor, or those of ``scopes`` (scopes never pulled are left out)."""
    query = select(SyncCursor)
    if scopes is not None:
        query = query.where(SyncCursor.scope.in_(sorted(set(scopes))))
    return {row.scope: row.cursor for row in session.scalars(query)}


def set_cursor(session: Session, scope: str, value: int) -> None:
    found = session.get(SyncCursor, scope)
    if found is None:
        session.add(SyncCursor(scope=scope, cursor=value))
    elif value > found.cursor:
        found.cursor = value


def known_scopes(session: Session) -> list[str]:
    return list(session.scalars(select(SyncCursor.scope)))


def pending_in_scope(session: Session, scope: str) -> int:
    return len(
        session.scalars(
            select(OutboxChange.seq).where(
                OutboxChange.scope == scope, OutboxChange.state != OutboxState.ACCEPTED
            )
        ).all()
    )


def unsent_count(session: Session) -> int:
    """Changes of this laptop the server has not accepted (pending or refused)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OutboxChange)
            .where(OutboxChange.state != OutboxState.ACCEPTED)
        )
        or 0
    )


def purge_scope(session: Session, scope: str) -> bool:
    """Remove a scope's records from this laptop once nothing of it is unsent; True if purged."""
    if pending_in_scope(session, scope):
        return False
    if server_owned(scope):  # held without stamps (feed_pages)
        feed_pages.purge(session, scope)
    keys = session.execute(
        select(FieldVersion.record_type, FieldVersion.record_id)
        .where(FieldVersion.scope == scope)
        .distinct()
    ).all()
    # Children before parents: delete in the reverse of the models' dependency order.
    order = [table.name for table in reversed(Base.metadata.sorted_tables)]
    for table_name in order:
        model = MODELS.get(table_name)
        ids = [record_id for record_type, record_id in keys if record_type == table_name]
        if model is None or not ids:
            continue
        table = cast(Table, model.__table__)
        for chunk in chunks(ids):
            session.execute(delete(table).where(table.c.id.in_(chunk)))
    session.execute(delete(FieldVersion).where(FieldVersion.scope == scope))
    # Accepted changes of the scope go too: if it is granted again, its records come back from
    # the server, our own included (an accepted change still listed here would be skipped).
    session.execute(
        delete(OutboxChange).where(
            OutboxChange.scope == scope, OutboxChange.state == OutboxState.ACCEPTED
        )
    )
    session.execute(delete(SyncCursor).where(SyncCursor.scope == scope))
    receipt_blocks.forget_scope(session, scope)
    return True
