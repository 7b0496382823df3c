"""The central store's models and its migrations describe the same schema; what its data
migrations do."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eqvisit.domain.enums import VisitType
from eqvisit.sync.server import admin
from eqvisit.sync.server.batch import LogRow, WriteBatch
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.server.exchange import SERVER_DEVICE, merge_change, server_write
from eqvisit.sync.server.models import ChangeLogEntry, ServerBase, ServerRecord


def test_server_models_and_migrations_agree(tmp_path: Path) -> None:
    engine = open_central_store(str(tmp_path / "central.sqlite3"))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, ServerBase.metadata) == []
    finally:
        engine.dispose()


def _late_write(
    session: Session, scope: str, record_type: str, record_id: str, fields: dict[str, Any]
) -> None:
    """A write logged after the record's newest, stamped before it: what an import run on a
    machine whose clock was behind the central store's left before revision s0002."""
    records = WriteBatch(session)
    existing = records.get(record_type, record_id)
    assert existing is not None
    row = LogRow(
        change_id=str(uuid.uuid4()),
        record_type=record_type,
        record_id=record_id,
        scope=scope,
        fields=fields,
        base={},
        hlc="0000000000000001-00000",
        author_id=None,
        device_id=SERVER_DEVICE,
        received_at=datetime.now(UTC),
    )
    merge_change(records, row, existing, created_by=None, clock=ServerClock())
    records.write()


def _replayed(session: Session, record_type: str, record_id: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for fields in session.scalars(
        select(ChangeLogEntry.fields)
        .where(ChangeLogEntry.record_type == record_type, ChangeLogEntry.record_id == record_id)
        .order_by(ChangeLogEntry.seq)
    ):
        values.update(fields)
    return values


def _state_values(session: Session, record_type: str, record_id: str) -> dict[str, Any]:
    record = session.get(ServerRecord, (record_type, record_id))
    assert record is not None
    return {name: entry["value"] for name, entry in record.state.items()}


def test_s0002_makes_every_server_owned_record_replay_in_log_order(central_url: str) -> None:
    """Before s0002 a write stamped behind the record's newest could be logged after it and
    lose; after the upgrade, replaying each reference or provider record's log in order gives
    its merged state, so a laptop can apply those scopes in log order. Visit scopes, whose
    laptops merge by stamps, are left alone."""
    engine = open_central_store(central_url, target="s0001")
    clock = ServerClock()
    with Session(engine) as session, session.begin():
        provider_id = admin.ensure_provider(session, clock, "RXX", "St Elsewhere NHS Trust")
        other_id = admin.ensure_provider(session, clock, "RYY", "Elsewhere Again NHS Trust")
        visit_id = admin.create_visit(
            session, clock, provider_id, "Review", VisitType.DESKTOP_REVIEW
        )
        _late_write(session, "reference", "providers", provider_id, {"name": "Stale name"})
        server_write(session, "providers", other_id, "reference", {"name": "Renamed"}, clock)
        _late_write(session, f"visit:{visit_id}", "visits", visit_id, {"title": "Stale title"})
    with Session(engine) as session:
        assert _replayed(session, "providers", provider_id)["name"] == "Stale name"
        assert _state_values(session, "providers", provider_id)["name"] == "St Elsewhere NHS Trust"
        entries_before = session.scalar(select(func.count()).select_from(ChangeLogEntry))
    engine.dispose()

    engine = open_central_store(central_url)
    try:
        with Session(engine) as session:
            for record_type, record_id in (("providers", provider_id), ("providers", other_id)):
                assert _replayed(session, record_type, record_id) == _state_values(
                    session, record_type, record_id
                )
            assert _state_values(session, "providers", other_id)["name"] == "Renamed"
            assert _replayed(session, "visits", visit_id)["title"] == "Stale title"
            assert _state_values(session, "visits", visit_id)["title"] == "Review"
            added = session.scalars(
                select(ChangeLogEntry).where(ChangeLogEntry.seq > entries_before)
            ).all()
            assert [(e.record_id, e.fields, e.device_id) for e in added] == [
                (provider_id, {"name": "St Elsewhere NHS Trust"}, SERVER_DEVICE)
            ]
            record = session.get(ServerRecord, ("providers", provider_id))
            assert record is not None
            assert record.state["name"]["change_id"] == added[0].change_id
            assert record.state["name"]["hlc"] == added[0].hlc
            assert added[0].hlc > max(
                entry["hlc"] for name, entry in record.state.items() if name != "name"
            )
    finally:
        engine.dispose()
