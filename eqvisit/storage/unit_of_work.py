"""The unit of work: one session, one transaction, per user action.

Services own it (``with store.unit_of_work() as uow: …; uow.commit()``); repositories receive
``uow.session`` and never commit. Leaving the block without ``commit()`` rolls everything back, so
a failed action leaves nothing half-written.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """A session whose transaction commits only when asked. Not shared between threads."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory()
        self._session.begin()
        return self

    def commit(self) -> None:
        self.session.commit()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if session.in_transaction():
                session.rollback()
        finally:
            session.close()
            self._session = None


class Store:
    """An opened store: its engine and the factory of units of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = sessionmaker(engine, expire_on_commit=False, autoflush=True)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._factory)

    def close(self) -> None:
        self.engine.dispose()
