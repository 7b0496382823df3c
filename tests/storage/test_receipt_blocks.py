"""A visit's receipt digest, read from kept per-record blocks, always equals the digest worked out
from scratch the way the central store does it, whatever wrote the stamps and in what order."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from eqvisit.domain.ids import new_id
from eqvisit.storage import receipt_blocks, sync_state
from eqvisit.storage.engine import create_store_engine
from eqvisit.storage.migrate import _config, upgrade_store
from eqvisit.storage.models import FieldVersion, ReceiptBlock, StaleReceiptBlock
from eqvisit.storage.unit_of_work import Store
from eqvisit.sync.server.reading import digest_lines


def from_scratch(session: Session, scope: str) -> str:
    """The central store's digest over this store's stamps for ``scope``, with nothing kept."""
    rows = session.execute(
        select(
            FieldVersion.record_type,
            FieldVersion.record_id,
            FieldVersion.field,
            FieldVersion.hlc,
            FieldVersion.device_id,
        ).where(FieldVersion.scope == scope)
    )
    return digest_lines(tuple(row) for row in rows)


def stamp(scope: str | None, record: str, field: str, hlc: int) -> dict[str, str | None]:
    return {
        "record_type": "responses",
        "record_id": record,
        "field": field,
        "hlc": f"{hlc:016d}-00000",
        "device_id": "device-a" if hlc % 2 else "device-b",
        "author_id": None,
        "scope": scope,
    }


RECORDS = [f"r{index}" for index in range(6)]
FIELDS = ["value", "note", "deleted_at", "*"]

# One step on the stamps: write (insert or overwrite) a stamp, move a record to another scope,
# delete a stamp, delete a record, or take a receipt of the first visit (kept, or rolled back).
steps = st.one_of(
    st.tuples(
        st.just("write"),
        st.sampled_from(RECORDS),
        st.sampled_from(FIELDS),
        st.integers(1, 10**6),
        st.sampled_from([0, 0, 0, 1, 2]),
    ),
    st.tuples(st.just("move"), st.sampled_from(RECORDS), st.sampled_from([0, 1, 2])),
    st.tuples(st.just("drop"), st.sampled_from(RECORDS), st.sampled_from(FIELDS)),
    st.tuples(st.just("drop record"), st.sampled_from(RECORDS)),
    st.tuples(st.just("receipt"), st.booleans()),
)


@settings(
    max_examples=60,
    deadline=None,
    # One store for every example: each example works in scopes of its own, so the others'
    # stamps are only neighbours (which the digest must ignore).
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(steps, max_size=40))
def test_the_kept_digest_equals_the_digest_from_scratch(
    store: Store, plan: list[tuple[object, ...]]
) -> None:
    run = new_id()
    scopes = [f"visit:{run}", f"visit:{run}-other", f"provider:{run}"]
    records = {name: f"{run}-{name}" for name in RECORDS}
    for step in plan:
        with store.unit_of_work() as uow:
            session = uow.session
            match step:
                case ("write", str(record), str(field), int(hlc), int(where)):
                    key = (
                        FieldVersion.record_type == "responses",
                        FieldVersion.record_id == records[record],
                        FieldVersion.field == field,
                    )
                    if session.scalar(select(func.count()).where(*key)):
                        session.execute(
                            update(FieldVersion)
                            .where(*key)
                            .values(hlc=f"{hlc:016d}-00000", scope=scopes[where])
                        )
                    else:
                        written = stamp(scopes[where], records[record], field, hlc)
                        session.execute(insert(FieldVersion), [written])
                case ("move", str(record), int(where)):
                    session.execute(
                        update(FieldVersion)
                        .where(FieldVersion.record_id == records[record])
                        .values(scope=scopes[where])
                    )
                case ("drop", str(record), str(field)):
                    session.execute(
                        delete(FieldVersion).where(
                            FieldVersion.record_id == records[record], FieldVersion.field == field
                        )
                    )
                case ("drop record", str(record)):
                    session.execute(
                        delete(FieldVersion).where(FieldVersion.record_id == records[record])
                    )
                case ("receipt", bool(kept)):
                    kept_digest = receipt_blocks.digest(session, scopes[0])
                    assert kept_digest == from_scratch(session, scopes[0])
                    if not kept:
                        continue  # rolled back: the blocks it rebuilt and the marks it cleared
            uow.commit()
    with store.unit_of_work() as uow:
        for scope in scopes[:2]:
            assert receipt_blocks.digest(uow.session, scope) == from_scratch(uow.session, scope)
        uow.commit()
        assert (
            uow.session.scalar(
                select(func.count())
                .select_from(StaleReceiptBlock)
                .where(StaleReceiptBlock.scope.in_(scopes))
            )
            == 0
        ), "a receipt leaves nothing of its scope stale"


def test_stamps_outside_visits_are_not_marked(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.session.execute(insert(FieldVersion), [stamp("provider:p1", "x", "*", 1)])
        uow.session.execute(insert(FieldVersion), [stamp("reference", "y", "*", 1)])
        uow.commit()
        assert uow.session.scalar(select(func.count()).select_from(StaleReceiptBlock)) == 0


def test_a_receipt_is_kept_for_visit_scopes_only(store: Store) -> None:
    with store.unit_of_work() as uow, pytest.raises(ValueError, match="visit scopes only"):
        receipt_blocks.digest(uow.session, "provider:p1")


def test_purging_a_visit_leaves_no_blocks_of_it(store: Store) -> None:
    scope = "visit:v-purged"
    with store.unit_of_work() as uow:
        uow.session.execute(insert(FieldVersion), [stamp(scope, "r1", "value", 5)])
        receipt_blocks.digest(uow.session, scope)
        uow.session.execute(insert(FieldVersion), [stamp(scope, "r2", "value", 6)])
        assert sync_state.purge_scope(uow.session, scope)
        uow.commit()
        for kept in (ReceiptBlock, StaleReceiptBlock):
            assert uow.session.scalar(select(func.count()).select_from(kept)) == 0, kept


def test_a_store_upgraded_with_visit_stamps_has_them_in_its_first_receipt(tmp_path: Path) -> None:
    engine = create_store_engine(tmp_path / "old.sqlite3")
    upgrade_store(engine, backup_dir=None, target="0008_digest")
    scope = "visit:v-old"
    with engine.begin() as connection:
        connection.execute(
            insert(FieldVersion),
            [
                stamp(scope, "r1", "value", 7),
                stamp(scope, "r1", "note", 8),
                stamp(scope, "r2", "value", 9),
            ],
        )
    upgrade_store(engine, backup_dir=tmp_path / "backups")
    with Session(engine) as session, session.begin():
        triggers = session.execute(
            text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE :n"),
            {"n": "field_versions_receipt_%"},
        ).scalar_one()
        assert triggers == 3
        assert receipt_blocks.digest(session, scope) == from_scratch(session, scope)
        assert session.scalar(select(func.count()).select_from(ReceiptBlock)) == 2
    engine.dispose()


def _field_versions_sql(session: Session) -> str:
    return session.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'field_versions'")
    ).scalar_one()


def test_upgrading_to_a_without_rowid_field_versions_keeps_every_stamp_and_the_triggers(
    tmp_path: Path,
) -> None:
    engine = create_store_engine(tmp_path / "old.sqlite3")
    upgrade_store(engine, backup_dir=None, target="0009_receipt_blocks")
    scope = "visit:v-old"
    stamps = [
        stamp(scope, "r1", "value", 7),
        stamp(scope, "r1", "note", 8),
        stamp(scope, "r2", "value", 9),
        stamp("provider:p1", "i1", "*", 10),
        stamp(None, "r3", "value", 11),
    ]
    with Session(engine) as session, session.begin():
        session.execute(insert(FieldVersion), stamps)
        before = receipt_blocks.digest(session, scope)
        assert "WITHOUT ROWID" not in _field_versions_sql(session)
    upgrade_store(engine, backup_dir=tmp_path / "backups", target="0010_fv_without_rowid")
    with Session(engine) as session, session.begin():
        assert "WITHOUT ROWID" in _field_versions_sql(session)
        columns = [getattr(FieldVersion, name) for name in stamps[0]]
        held = {tuple(row) for row in session.execute(select(*columns))}
        assert held == {tuple(s.values()) for s in stamps}
        assert receipt_blocks.digest(session, scope) == before
        # The receipt triggers came through the rebuild: an overwrite marks its record stale.
        session.execute(
            update(FieldVersion)
            .where(FieldVersion.record_id == "r2")
            .values(hlc=f"{99:016d}-00000")
        )
        assert session.scalar(select(func.count()).select_from(StaleReceiptBlock)) == 1
        assert receipt_blocks.digest(session, scope) == from_scratch(session, scope) != before
    engine.dispose()


def test_field_versions_downgrade_to_a_rowid_table_with_its_triggers(tmp_path: Path) -> None:
    engine = create_store_engine(tmp_path / "store.sqlite3")
    upgrade_store(engine, backup_dir=None)
    scope = "visit:v1"
    with engine.begin() as connection:
        connection.execute(insert(FieldVersion), [stamp(scope, "r1", "value", 7)])
        command.downgrade(_config(connection), "0009_receipt_blocks")
    with Session(engine) as session, session.begin():
        assert "WITHOUT ROWID" not in _field_versions_sql(session)
        assert session.scalar(select(func.count()).select_from(FieldVersion)) == 1
        session.execute(insert(FieldVersion), [stamp(scope, "r2", "value", 8)])
        marked = session.scalars(select(StaleReceiptBlock.record_id)).all()
        assert sorted(marked) == ["r1", "r2"]
    engine.dispose()
