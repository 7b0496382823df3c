"""A visit's receipt digest on the laptop, read from blocks kept per record (docs/sync.md).

The digest is the central store's (``sync/server/reading.py: digest_lines``): SHA-256 over one
``type|id|field|hlc|device`` line per field stamp, in that order. Each record's lines are kept as
one block in ``receipt_blocks``; triggers on ``field_versions`` (migration
``0009_receipt_blocks``) mark a record in ``receipt_stale`` whenever one of its stamps changes,
from whatever code or process, and only marked blocks are rebuilt, so a receipt after a sync of
100 changes reads a row per record of the visit instead of building a line per field.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.orm import Session

from eqvisit.storage.models import FieldVersion, ReceiptBlock, StaleReceiptBlock


def digest(session: Session, scope: str) -> str:
    """The same digest as the server's receipt, over this store's stamps for a visit scope.

    SQLite orders text by its bytes, which for UTF-8 is Python's (and the server's) order of
    the same strings. Writes the rebuilt blocks: the caller commits.
    """
    if not scope.startswith("visit:"):
        raise ValueError(f"receipts are kept for visit scopes only, not {scope!r}")
    _rebuild_stale_blocks(session, scope)
    blocks = session.connection().execute(
        select(ReceiptBlock.lines)
        .where(ReceiptBlock.scope == scope)
        .order_by(ReceiptBlock.record_type, ReceiptBlock.record_id)
    )
    return hashlib.sha256("".join(blocks.scalars().all()).encode()).hexdigest()


def _rebuild_stale_blocks(session: Session, scope: str) -> None:
    stale = select(StaleReceiptBlock.record_type, StaleReceiptBlock.record_id).where(
        StaleReceiptBlock.scope == scope
    )
    session.execute(
        delete(ReceiptBlock).where(
            ReceiptBlock.scope == scope,
            tuple_(ReceiptBlock.record_type, ReceiptBlock.record_id).in_(stale),
        )
    )
    line = (
        FieldVersion.record_type
        + "|"
        + FieldVersion.record_id
        + "|"
        + FieldVersion.field
        + "|"
        + FieldVersion.hlc
        + "|"
        + FieldVersion.device_id
        + "\n"
    )
    # Driven from the stale marks: a correlated subquery per mark walks only that record's
    # stamps in ix_field_versions_scope_record (a join let SQLite walk the whole scope instead).
    lines = (
        select(
            func.group_concat(line, "").aggregate_order_by(
                FieldVersion.field, FieldVersion.hlc, FieldVersion.device_id
            )
        )
        .where(
            FieldVersion.scope == StaleReceiptBlock.scope,
            FieldVersion.record_type == StaleReceiptBlock.record_type,
            FieldVersion.record_id == StaleReceiptBlock.record_id,
        )
        .scalar_subquery()
    )
    marked = select(
        StaleReceiptBlock.scope,
        StaleReceiptBlock.record_type,
        StaleReceiptBlock.record_id,
        lines.label("lines"),
    ).where(StaleReceiptBlock.scope == scope)
    rebuilt = marked.subquery()
    session.execute(
        insert(ReceiptBlock).from_select(
            ["scope", "record_type", "record_id", "lines"],
            select(rebuilt).where(rebuilt.c.lines.is_not(None)),  # no stamps left: no block
        )
    )
    session.execute(delete(StaleReceiptBlock).where(StaleReceiptBlock.scope == scope))


def forget_scope(session: Session, scope: str) -> None:
    """Drop a purged scope's blocks and marks (its stamps are gone; no receipt will ask)."""
    session.execute(delete(ReceiptBlock).where(ReceiptBlock.scope == scope))
    session.execute(delete(StaleReceiptBlock).where(StaleReceiptBlock.scope == scope))
