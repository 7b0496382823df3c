"""Bring a store's schema to the current revision, taking a backup first if it holds data.

Pending (unsynced) changes live in ordinary tables, so they survive every upgrade; a failed
upgrade rolls back (SQLite DDL is transactional here) and the backup stays beside the store.

Alembic is imported only when a store is behind. Every start of the app opens a store that is
almost always at head already, and importing Alembic and having it load each migration script
to find the head cost a tenth of the start-up; the head is read from the scripts' source
instead (a test holds it equal to Alembic's), and the store's revision with one query.
"""

from __future__ import annotations

import logging
import re
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from eqvisit.errors import StorageError
from eqvisit.storage.backup import timestamped_backup

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)


LOCAL_STORE = "eqvisit.storage"


def _config(connection: Connection | None = None, package: str = LOCAL_STORE) -> Config:
    """Alembic configuration for the ``migrations`` folder of ``package``."""
    from alembic.config import Config

    config = Config()
    with as_file(files(package) / "migrations") as location:
        config.set_main_option("script_location", str(location))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision(package: str = LOCAL_STORE) -> str:
    """The revision every store of ``package`` is upgraded to."""
    return _head_from_source(package) or alembic_head(package)


def alembic_head(package: str = LOCAL_STORE) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config(package=package)).get_current_head()
    if head is None:
        raise StorageError("the store's migration scripts are missing")
    return head


def _head_from_source(package: str) -> str | None:
    """The one revision no script names as its ``down_revision``, or None where the scripts are
    not the plain chain this reads (a merge, a computed value): Alembic then decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (files(package) / "migrations" / "versions").iterdir():
        if not script.name.endswith(".py") or script.name.startswith("__"):
            continue
        assigned = _module_constants(script.read_text(encoding="utf-8"))
        revision, parent = assigned.get("revision"), assigned.get("down_revision")
        if not isinstance(revision, str) or not (parent is None or isinstance(parent, str)):
            return None
        revisions.add(revision)
        if parent is not None:
            parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


# ``revision = "0006_reports"`` / ``down_revision: str | None = None`` at the start of a line.
_ASSIGNMENT = re.compile(
    r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(?:(['\"])([^'\"\n]*)\2|(None))\s*(?:#.*)?$",
    re.MULTILINE,
)


def _module_constants(source: str) -> dict[str, object]:
    """The literal ``revision`` and ``down_revision`` of a script; one bound to anything but a
    plain string or None is absent or an ``object()`` (parsing the scripts as Python took a
    fifth of a second at every start)."""
    constants: dict[str, object] = {}
    for match in _ASSIGNMENT.finditer(source):
        name, _quote, value, none = match.groups()
        constants.setdefault(name, None if none else value)
    for name in ("revision", "down_revision"):
        if name not in constants and re.search(rf"^{name}\b", source, re.MULTILINE):
            constants[name] = object()  # assigned, but not a literal this reads
    return constants


def current_revision(engine: Engine) -> str | None:
    """The store's revision (None for an empty database); Alembic's table, read directly."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        versions = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
    if len(versions) > 1:
        raise StorageError(f"the store is at several revisions at once: {', '.join(versions)}")
    return versions[0] if versions else None


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
    from alembic import command

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
