"""The one place that creates database engines, with the pragmas that keep the local store safe.

SQLite: WAL journal, ``foreign_keys=ON``, ``synchronous=FULL`` (a commit is on disk when it
returns), a busy timeout, and transactions that start with ``BEGIN IMMEDIATE``. pysqlite's own
transaction handling is switched off (SQLAlchemy's documented recipe) so that SQLAlchemy's
BEGIN/COMMIT are the only ones, and DDL in migrations is transactional too.

Every SQLite engine runs on SQLCipher's build of SQLite (``sqlcipher3``). The local store is
encrypted: given a ``key``, each new connection is keyed first (raw key, no per-connection key
derivation) and checked by reading ``sqlite_master``, so a wrong key fails at open with
:class:`~eqvisit.errors.WrongStoreKey`. Without a key (the central store's SQLite file,
benchmarks' baselines) the file is plain SQLite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from eqvisit.storage.cipher import apply_key, check_key

BUSY_TIMEOUT_MS = 5_000
# An execution option: transactions on an engine carrying it only read (see :func:`reader`).
READ_ONLY_OPTION = "eqvisit_read_only"
# 64 MiB of page cache: index maintenance of bulk imports and syncs stays in memory (measured
# 2.3× faster inserts into intelligence_items than SQLite's 2 MiB default).
CACHE_SIZE_KIB = 65_536


def sqlite_url(path: Path) -> URL:
    return URL.create("sqlite+pysqlite", database=str(path))


def json_text(value: object) -> str:
    """A JSON column's value as compact text (orjson): what every store writes, several times
    faster than ``json.dumps``, and the text SQLite's own ``->`` writes for pulled records
    (storage/bulk.py: insert_json), so a column holds one form whoever wrote it."""
    return orjson.dumps(value).decode()


def json_value(text: str | bytes) -> Any:
    """A JSON column's value read back (orjson). SQLite gives a JSON column numeric affinity, so
    a bare number is stored, and read, as a number: SQLAlchemy passes that through when reading
    it fails with TypeError, as ``json.loads`` does (orjson's own error is a ValueError)."""
    if not isinstance(text, str | bytes | bytearray | memoryview):
        raise TypeError(f"not JSON text: {type(text).__name__}")
    return orjson.loads(text)


def create_store_engine(path: Path, *, key: bytes | None = None, **kwargs: Any) -> Engine:
    """An engine on the SQLite store at ``path`` (created if absent), encrypted with ``key``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("json_serializer", json_text)
    kwargs.setdefault("json_deserializer", json_value)
    engine = create_engine(
        sqlite_url(path),
        module=sqlcipher,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        **kwargs,
    )
    _configure_sqlite(engine, path, key)
    return engine


def create_database_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for a URL: a SQLite file gets the local-store pragmas, PostgreSQL its defaults."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("an in-memory SQLite database cannot hold a store; give a file path")
        return create_store_engine(Path(parsed.database), **kwargs)
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def reader(engine: Engine) -> Engine:
    """``engine`` for transactions that only read. On SQLite they begin DEFERRED, so under WAL
    they read a snapshot without taking, or waiting for, the one write lock; elsewhere the
    option changes nothing."""
    return engine.execution_options(**{READ_ONLY_OPTION: True})


def _configure_sqlite(engine: Engine, path: Path, key: bytes | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if key is not None:
            apply_key(dbapi_connection, key)  # before anything else touches the file
            check_key(dbapi_connection, path)
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS:d}")
            cursor.execute(f"PRAGMA cache_size=-{CACHE_SIZE_KIB:d}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, so a read-then-write transaction never fails
        # half way with SQLITE_BUSY; one worker writes, so this costs no concurrency. Readers
        # (the central store's pulls, receipts and token checks) begin DEFERRED instead.
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
