"""Every model round-trips through a real database, value for value."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from eqvisit.storage import models as m
from eqvisit.storage.unit_of_work import Store
from tests.storage.sample_graph import build_graph


def column_values(record: m.Base) -> dict[str, Any]:
    mapper = inspect(type(record))
    return {attr.key: getattr(record, attr.key) for attr in mapper.column_attrs}


def round_trip(engine: Engine) -> None:
    graph = build_graph()
    with Session(engine, expire_on_commit=False) as session:
        for record in graph:
            session.add(record)
            session.flush()
        session.commit()
    expected = [column_values(r) for r in graph]  # in memory, defaults applied by the flush
    with Session(engine) as session:
        for record, values in zip(graph, expected, strict=True):
            identity = inspect(record).identity
            loaded = session.get(type(record), identity)
            assert loaded is not None, type(record).__name__
            assert column_values(loaded) == values, type(record).__name__


def insert_graph(session: Session) -> m.Finding:
    """Flush the whole sample graph into ``session``; return its finding."""
    graph = build_graph()
    for record in graph:
        session.add(record)
        session.flush()
    return next(r for r in graph if isinstance(r, m.Finding))


def test_the_sample_graph_covers_every_model() -> None:
    covered = {type(r) for r in build_graph()}
    every = {mapper.class_ for mapper in m.Base.registry.mappers}
    assert every - covered == set(), "add the new model to tests/storage/sample_graph.py"


def test_every_model_round_trips_on_sqlite(store: Store) -> None:
    round_trip(store.engine)


@pytest.mark.postgres
def test_every_model_round_trips_on_postgresql(pg_engine: Engine) -> None:
    m.Base.metadata.create_all(pg_engine)
    round_trip(pg_engine)


def test_naive_datetimes_are_refused(store: Store) -> None:
    with Session(store.engine) as session:
        session.add(m.SyncCursor(scope="x", cursor=1, updated_at=datetime(2026, 1, 1)))
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()


def test_evidence_must_point_at_exactly_one_thing(store: Store) -> None:
    with Session(store.engine) as session:
        finding = insert_graph(session)
        session.add(m.EvidenceLink(finding_id=finding.id))
        with pytest.raises(IntegrityError, match="exactly_one_target"):
            session.flush()


def test_foreign_keys_are_enforced(store: Store) -> None:
    with Session(store.engine) as session:
        session.add(m.Visit(provider_id="no-such-provider", visit_type="desktop_review", title="x"))
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            session.flush()
