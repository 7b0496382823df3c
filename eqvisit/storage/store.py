"""Open the local store of a profile: engine, migrations (with a backup first), device identity."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.exc import DatabaseError

from eqvisit.errors import StorageError
from eqvisit.storage.engine import create_store_engine
from eqvisit.storage.migrate import upgrade_store
from eqvisit.storage.unit_of_work import Store

log = logging.getLogger(__name__)


def open_store(path: Path, *, backup_dir: Path | None = None) -> Store:
    """Open (creating if absent) and migrate the SQLite store at ``path``."""
    engine = create_store_engine(path)
    try:
        upgrade_store(engine, backup_dir=backup_dir)
    except DatabaseError as exc:
        engine.dispose()
        raise StorageError(f"{path} is not a readable eqvisit store: {exc.orig}") from exc
    except BaseException:
        engine.dispose()
        raise
    log.info("opened store %s", path)
    return Store(engine)
