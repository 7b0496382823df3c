"""The provider list's red-flag counts are read from the partial index of red flags alone."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.dialects import sqlite

from eqvisit.storage.models import IntelligenceItem
from eqvisit.storage.repositories.providers import RED_FLAG
from eqvisit.storage.store import Store


def test_red_flags_are_counted_from_their_partial_index_alone(store: Store) -> None:
    """Every keystroke in the provider list counts red flags per listed provider; the count
    must come from ``ix_intelligence_red_flags`` without reading the rows (migration 0012
    dropped the index of every row's flag)."""
    counted = select(func.count()).where(IntelligenceItem.provider_id == "p1", RED_FLAG)
    sql = str(counted.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with store.engine.connect() as connection:
        plan = [row[3] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
    assert any("COVERING INDEX ix_intelligence_red_flags" in step for step in plan), plan
