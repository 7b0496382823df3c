"""Group commit: writes that arrive together share one transaction.

Writers to the change log take turns (:mod:`eqvisit.sync.server.transactions`), so under many
pushing clients each push used to wait for every one before it to lock, read, write and commit
(an fsync on SQLite, a handful of round trips on PostgreSQL) on its own. Here a request thread
queues its job; whichever thread finds no transaction running leads one for every job waiting
at that moment (its own included), and the others wait for their answers. A job's result is the
same as if it had run alone after the jobs before it: the work function applies them in order.

If the shared transaction fails, each of its jobs runs again alone, so one job's error (a bad
change, a constraint) is its own request's error and not its neighbours'.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from eqvisit.sync.server.transactions import Transactions

Job = TypeVar("Job")
Result = TypeVar("Result")


class _Slot(Generic[Job, Result]):
    """One waiting job: its result or error once its transaction has ended, or the turn to lead
    the next one. ``wake`` is set for either."""

    __slots__ = ("done", "error", "job", "result", "wake")

    def __init__(self, job: Job) -> None:
        self.job = job
        self.done = False
        self.result: Result | None = None
        self.error: BaseException | None = None
        self.wake = threading.Event()

    def finish(self, result: Result | None, error: BaseException | None) -> None:
        self.result, self.error = result, error
        self.done = True
        self.wake.set()

    def outcome(self) -> Result:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]  # set with done, unless error is


class GroupCommit(Generic[Job, Result]):
    """Runs ``work(session, jobs) -> results`` (one result per job, in order) for jobs from many
    threads, one transaction at a time in this process, each for all the jobs waiting when it
    begins — at most ``max_size`` of them by ``size`` (a job larger than that runs alone).

    Thread-safe; call it from request threads. It blocks until the job's transaction has
    committed (or failed) and returns the job's result (or raises its error). A thread that
    finds no transaction running leads one; when it ends, the leader hands the turn to the
    oldest job still waiting and returns, so only the threads whose answer is ready, and the
    next leader, are woken.
    """

    def __init__(
        self,
        transactions: Transactions,
        work: Callable[[Session, Sequence[Job]], Sequence[Result]],
        *,
        size: Callable[[Job], int] = lambda _job: 1,
        max_size: int = 1,
    ) -> None:
        self._transactions = transactions
        self._work = work
        self._size = size
        self._max_size = max_size
        self._lock = threading.Lock()
        self._waiting: list[_Slot[Job, Result]] = []
        self._leading = False

    @property
    def queued(self) -> int:
        """Jobs waiting for a transaction to begin (not those in the one running)."""
        with self._lock:
            return len(self._waiting)

    def __call__(self, job: Job) -> Result:
        slot: _Slot[Job, Result] = _Slot(job)
        with self._lock:
            self._waiting.append(slot)
            lead = not self._leading
            self._leading = True
        if not lead:
            slot.wake.wait()  # answered, or handed the turn
            if slot.done:
                return slot.outcome()
        # This thread leads: its job is the oldest waiting, so it is in the first group.
        while not slot.done:
            with self._lock:
                group = self._take()
            try:
                self._run(group)
            finally:
                for unanswered in (s for s in group if not s.done):
                    # Only if the run itself was interrupted: never leave a waiter waiting.
                    unanswered.finish(None, RuntimeError("the write was interrupted"))
        with self._lock:
            if self._waiting:
                self._waiting[0].wake.set()  # the next leader
            else:
                self._leading = False
        return slot.outcome()

    def _take(self) -> list[_Slot[Job, Result]]:
        """The oldest waiting jobs, up to ``max_size`` in all (always at least one)."""
        taken = 0
        total = 0
        for slot in self._waiting:
            total += self._size(slot.job)
            if taken and total > self._max_size:
                break
            taken += 1
        group = self._waiting[:taken]
        del self._waiting[:taken]
        return group

    def _run(self, group: list[_Slot[Job, Result]]) -> None:
        try:
            with self._transactions.write() as session:
                results = self._work(session, [slot.job for slot in group])
        except Exception as exc:
            if len(group) == 1:
                group[0].finish(None, exc)
                return
            for slot in group:
                self._run_alone(slot)
            return
        for slot, result in zip(group, results, strict=True):
            slot.finish(result, None)

    def _run_alone(self, slot: _Slot[Job, Result]) -> None:
        try:
            with self._transactions.write() as session:
                (result,) = self._work(session, [slot.job])
        except Exception as exc:
            slot.finish(None, exc)
            return
        slot.finish(result, None)
