"""Bring a store's schema to the current revision, taking a backup first if it holds data.

Pending (unsynced) changes live in ordinary tables, so they survive every upgrade; a failed
upgrade rolls back (SQLite DDL is transactional here) and the backup stays beside the store.
"""

from __future__ import annotations

import logging
from importlib.resources import as_file, files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from eqvisit.errors import StorageError
from eqvisit.storage.backup import timestamped_backup

log = logging.getLogger(__name__)


LOCAL_STORE = "eqvisit.storage"


def _config(connection: Connection | None = None, package: str = LOCAL_STORE) -> Config:
    """Alembic configuration for the ``migrations`` folder of ``package``."""
    config = Config()
    with as_file(files(package) / "migrations") as location:
        config.set_main_option("script_location", str(location))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision(package: str = LOCAL_STORE) -> str:
    head = ScriptDirectory.from_config(_config(package=package)).get_current_head()
    if head is None:
        raise StorageError("the store's migration scripts are missing")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_store(
    engine: Engine,
    *,
    backup_dir: Path | None,
    target: str = "head",
    package: str = LOCAL_STORE,
    key: bytes | None = None,
) -> Path | None:
    """Upgrade the schema to ``target``; return the backup taken, if one was needed.

    Only SQLite files are backed up here; a PostgreSQL central store is backed up by its operators.
    """
    current = current_revision(engine)
    wanted = head_revision(package) if target == "head" else target
    if current == wanted:
        return None
    backup: Path | None = None
    database = engine.url.database
    is_sqlite = engine.dialect.name == "sqlite"
    if backup_dir is not None and is_sqlite and database and _holds_tables(engine):
        backup = timestamped_backup(Path(database), backup_dir, f"before-{wanted}", key=key)
        log.info("backed up the store before upgrading %s → %s", current, wanted)
    try:
        with engine.begin() as connection:
            command.upgrade(_config(connection, package), target)
    except Exception as exc:
        where = f"; a copy taken before the upgrade is at {backup}" if backup else ""
        raise StorageError(
            f"upgrading the store from {current} to {wanted} failed: {exc}{where}"
        ) from exc
    return backup


def _holds_tables(engine: Engine) -> bool:
    with engine.connect() as connection:
        return bool(inspect(connection).get_table_names())
