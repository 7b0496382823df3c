"""Intelligence items: bulk insert through Core (never per-object ORM adds) and queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from eqvisit.domain.enums import IntelligenceSource
from eqvisit.storage.bulk import insert_rows
from eqvisit.storage.models import IntelligenceItem

BATCH_SIZE = 10_000


def bulk_insert(
    session: Session, rows: Iterable[Mapping[str, Any]], *, batch_size: int = BATCH_SIZE
) -> int:
    """Insert rows (dicts of column values, ``id`` included) in executemany batches.

    Returns how many rows were inserted. Runs inside the caller's transaction.
    """
    table = cast(Table, IntelligenceItem.__table__)
    iterator = iter(rows)
    total = 0
    while batch := list(islice(iterator, batch_size)):
        insert_rows(session, table, batch)
        total += len(batch)
    return total


def for_provider(
    session: Session, provider_id: str, source: IntelligenceSource | None = None
) -> Sequence[IntelligenceItem]:
    statement = select(IntelligenceItem).where(
        IntelligenceItem.provider_id == provider_id, IntelligenceItem.deleted_at.is_(None)
    )
    if source is not None:
        statement = statement.where(IntelligenceItem.source == source)
    statement = statement.order_by(
        IntelligenceItem.source, IntelligenceItem.period.desc(), IntelligenceItem.indicator
    )
    return session.scalars(statement).all()


def get_many(session: Session, item_ids: Sequence[str]) -> Sequence[IntelligenceItem]:
    if not item_ids:
        return []
    return session.scalars(
        select(IntelligenceItem).where(IntelligenceItem.id.in_(list(item_ids)))
    ).all()


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(IntelligenceItem)) or 0
