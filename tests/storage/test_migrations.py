"""Migrations and models agree, and upgrading keeps every row (pending changes included)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from eqvisit.storage.engine import create_store_engine
from eqvisit.storage.migrate import (
    LOCAL_STORE,
    _module_constants,
    alembic_head,
    current_revision,
    head_revision,
    upgrade_store,
)
from eqvisit.storage.migration_hooks import include_name
from eqvisit.storage.models import Base
from eqvisit.storage.unit_of_work import Store


def test_models_and_migrations_agree(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_a_new_store_is_at_head(store: Store) -> None:
    assert current_revision(store.engine) == head_revision()


@pytest.mark.parametrize("package", [LOCAL_STORE, "eqvisit.sync.server"])
def test_the_head_read_from_the_scripts_is_alembics(package: str) -> None:
    assert head_revision(package) == alembic_head(package)


@pytest.mark.parametrize(
    ("source", "readable"),
    [
        ('revision = "0007"\ndown_revision = "0006"\n', True),
        ("revision: str = '0007'  # note\ndown_revision: str | None = None\n", True),
        ('revision = "0007"\ndown_revision = ("0006a", "0006b")\n', False),
        ('revision = make_id()\ndown_revision = "0006"\n', False),
    ],
)
def test_only_plain_literal_revisions_are_read_from_source(source: str, readable: bool) -> None:
    """Anything but a plain chain of literals is left to Alembic to read."""
    constants = _module_constants(source)
    plain = all(isinstance(constants.get(name), str | None) for name in constants)
    assert (plain and "revision" in constants) is readable


def _insert_provider(connection: Connection) -> None:
    """St Elsewhere NHS Trust (id ``p1``), written as any revision since 0001 holds it."""
    connection.execute(
        text(
            "INSERT INTO providers (id, ods_code, name, kind, address_lines, status,"
            " created_at, updated_at) VALUES ('p1', 'RXX', 'St Elsewhere NHS Trust', 'trust',"
            " '[]', 'active', '2026-01-01', '2026-01-01')"
        )
    )


def test_a_store_at_an_older_revision_is_behind(tmp_path: Path) -> None:
    engine = create_store_engine(tmp_path / "old.sqlite3")
    upgrade_store(engine, backup_dir=None, target="0005")
    assert current_revision(engine) == "0005"
    upgrade_store(engine, backup_dir=tmp_path)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_upgrading_keeps_data_and_pending_changes_and_takes_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = create_store_engine(path)
    upgrade_store(engine, backup_dir=None, target="0001")
    with engine.begin() as connection:
        _insert_provider(connection)
        connection.execute(
            text(
                "INSERT INTO outbox (change_id, record_type, record_id, fields, base, hlc,"
                " device_id, scope, created_at, state) VALUES ('c1', 'visits', 'v1',"
                " '{\"title\": \"kept\"}', '{}', '0000000000000001-00000', 'd1', 'visit:v1',"
                " '2026-01-01', 'pending')"
            )
        )
    backups = tmp_path / "backups"
    backup = upgrade_store(engine, backup_dir=backups)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT name FROM providers")).scalar_one()
            == "St Elsewhere NHS Trust"
        )
        assert (
            connection.execute(text("SELECT state FROM outbox WHERE change_id='c1'")).scalar_one()
            == "pending"
        )
        found = connection.execute(
            text("SELECT rowid FROM provider_search WHERE provider_search MATCH 'elsewhere'")
        ).all()
        assert len(found) == 1, "rows that existed before the upgrade must be searchable after it"
    engine.dispose()
    assert backup is not None and backup.parent == backups
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert copy.execute("SELECT count(*) FROM outbox").fetchone() == (1,)
    finally:
        copy.close()


def test_upgrading_drops_the_stamps_of_scopes_the_central_store_owns(tmp_path: Path) -> None:
    """From 0011 reference data and intelligence are held without stamps (they are applied in
    log order): the ``*`` stamps earlier pulls wrote go; the records, the cursors and every
    visit stamp stay."""
    engine = create_store_engine(tmp_path / "old.sqlite3")
    upgrade_store(engine, backup_dir=None, target="0010_fv_without_rowid")
    stamps = [
        ("providers", "p1", "*", "reference"),
        ("intelligence_items", "i1", "*", "provider:p1"),
        ("responses", "r1", "value", "visit:v1"),
        ("responses", "r1", "note", "visit:v1"),
    ]
    with engine.begin() as connection:
        _insert_provider(connection)
        for record_type, record_id, field, scope in stamps:
            connection.execute(
                text(
                    "INSERT INTO field_versions (record_type, record_id, field, hlc, device_id,"
                    " scope) VALUES (:t, :i, :f, '0000000000000001-00000', 'server', :s)"
                ),
                {"t": record_type, "i": record_id, "f": field, "s": scope},
            )
        connection.execute(
            text(
                "INSERT INTO sync_cursors (scope, cursor, updated_at)"
                " VALUES ('reference', 42, '2026-01-01')"
            )
        )
    upgrade_store(engine, backup_dir=tmp_path / "backups")
    with engine.connect() as connection:
        held = connection.execute(
            text("SELECT record_type, record_id, field, scope FROM field_versions ORDER BY field")
        ).all()
        assert [tuple(row) for row in held] == [stamps[3], stamps[2]]
        assert connection.execute(text("SELECT name FROM providers")).scalar_one() == (
            "St Elsewhere NHS Trust"
        )
        assert connection.execute(text("SELECT cursor FROM sync_cursors")).scalar_one() == 42
    engine.dispose()


def test_no_backup_for_a_store_already_at_head(store: Store, tmp_path: Path) -> None:
    assert upgrade_store(store.engine, backup_dir=tmp_path / "b") is None
    assert not (tmp_path / "b").exists()
