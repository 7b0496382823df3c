"""Open the central store's database at a URL and bring its schema to head."""

from __future__ import annotations

from pathlib import Path

import orjson
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from eqvisit.storage.engine import create_database_engine
from eqvisit.storage.migrate import upgrade_store

SERVER_MIGRATIONS = "eqvisit.sync.server"


def database_url(db: str) -> str:
    """``--db`` takes a URL or a plain path to a SQLite file."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def open_central_store(db: str, *, backup_dir: Path | None = None) -> Engine:
    url = make_url(database_url(db))
    # orjson reads the merged states and change-log fields several times faster than json.
    engine = create_database_engine(url, json_deserializer=orjson.loads)
    upgrade_store(engine, backup_dir=backup_dir, package=SERVER_MIGRATIONS)
    return engine
