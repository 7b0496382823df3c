"""Open the central store's database at a URL and bring its schema to head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from eqvisit.storage.engine import create_database_engine, json_text, json_value
from eqvisit.storage.migrate import upgrade_store

SERVER_MIGRATIONS = "eqvisit.sync.server"
# Connections kept open: one for every request thread that may hold one at once (each busy
# request holds one, for its token check or its push). SQLAlchemy's default keeps five and
# closes the rest as they come back, so under sixteen clients it opened and closed connections
# all the time (a new PostgreSQL backend each, a few milliseconds apiece).
POOL_SIZE = 24


def database_url(db: str) -> str:
    """``--db`` takes a URL or a plain path to a SQLite file."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def open_central_store(db: str, *, backup_dir: Path | None = None, target: str = "head") -> Engine:
    """An engine on the central store at ``db``, its schema brought to ``target`` (tests of a
    migration open a store at the revision before it)."""
    url = make_url(database_url(db))
    # orjson reads and writes the merged states and change-log fields several times faster
    # than json (every value in them is a wire value: text, numbers, booleans, lists, objects).
    engine = create_database_engine(
        url,
        json_serializer=json_text,
        json_deserializer=json_value,
        pool_size=POOL_SIZE,
        max_overflow=POOL_SIZE,
    )
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _plan_each_execution)
    upgrade_store(engine, backup_dir=backup_dir, target=target, package=SERVER_MIGRATIONS)
    return engine


def _plan_each_execution(dbapi_connection: Any, _record: Any) -> None:
    """psycopg prepares a statement run five times, and PostgreSQL may then keep one generic
    plan for it, chosen while the tables were small: an import's look-ups went on scanning
    ``sv_records`` whole as it grew (40,000 rows took 20 s, 200,000 took 11 minutes). Plan
    each execution with the real values and sizes instead; parsing is still saved."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_connection.commit()
