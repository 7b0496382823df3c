"""Open the local store of a profile: engine, encryption, migrations (with a backup first)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.exc import DatabaseError

from eqvisit.errors import StorageError, WrongStoreKey
from eqvisit.storage.cipher import is_plain_sqlite
from eqvisit.storage.encrypt_in_place import encrypt_plain_store, remove_plain_copies
from eqvisit.storage.engine import create_store_engine
from eqvisit.storage.migrate import upgrade_store
from eqvisit.storage.unit_of_work import Store

log = logging.getLogger(__name__)


def open_store(path: Path, *, key: bytes | None, backup_dir: Path | None = None) -> Store:
    """Open (creating if absent) and migrate the store at ``path``, encrypted with ``key``.

    A plain store found where an encrypted one is expected (a profile from before encryption) is
    encrypted in place first; ``key=None`` opens a plain SQLite file (benchmarks' baselines).
    """
    if key is not None and is_plain_sqlite(path):
        encrypt_plain_store(path, key, backup_dir or path.parent / "backups")
    engine = create_store_engine(path, key=key)
    try:
        upgrade_store(engine, backup_dir=backup_dir, key=key)
    except WrongStoreKey:
        engine.dispose()
        raise
    except DatabaseError as exc:
        engine.dispose()
        if isinstance(exc.orig, WrongStoreKey):
            raise exc.orig from exc
        raise StorageError(f"{path} is not a readable eqvisit store: {exc.orig}") from exc
    except BaseException:
        engine.dispose()
        raise
    if key is not None and backup_dir is not None:
        remove_plain_copies(backup_dir)
    log.info("opened store %s", path)
    return Store(engine)
