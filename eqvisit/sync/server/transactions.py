"""The central store's two kinds of transaction: readers, and writers that queue in turn.

On SQLite every request used to begin ``IMMEDIATE``, pulls and token checks included, so all of
them queued for the one write lock through SQLite's busy handler, which polls with sleeps and
serves no one in order: under sixteen pushing clients some waited past the busy timeout and got
a 500 "database is locked". Now readers begin DEFERRED (under WAL a reader neither waits for nor
holds up a writer), and writers in this process take a lock of ours first, so they wait their
turn in Python and meet SQLite's lock only when another process (an admin command) holds it.
On PostgreSQL writers already serialise on an advisory lock inside the transaction
(``exchange.lock_writers``) and readers never block, so the lock here is SQLite's only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from eqvisit.storage.engine import reader


class Transactions:
    def __init__(self, engine: Engine) -> None:
        self._writers = sessionmaker(engine, expire_on_commit=False)
        self._readers = sessionmaker(reader(engine), expire_on_commit=False)
        # One-statement reads (the token check of every request) need no transaction: on
        # PostgreSQL they run in autocommit, which saves the BEGIN and COMMIT round trips.
        self._single = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else reader(engine)
        )
        self._turn: AbstractContextManager[object] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that may write: committed on leaving, rolled back on an exception."""
        with self._turn, self._writers() as session, session.begin():
            yield session

    @contextmanager
    def read_one(self) -> Iterator[Connection]:
        """A connection for a single read statement (a snapshot of its own)."""
        with self._single.connect() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction that only reads (a snapshot); never held up by a writer on SQLite."""
        with self._readers() as session, session.begin():
            yield session
