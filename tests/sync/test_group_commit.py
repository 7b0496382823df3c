"""Group commit (sync/server/grouping.py): pushes that wait together share one transaction, each
is answered as if it had been applied alone, and one that fails takes no other down with it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eqvisit.domain.enums import UserRole
from eqvisit.domain.hlc import HybridClock
from eqvisit.domain.ids import new_id
from eqvisit.sync.protocol import Change, ChangeResult
from eqvisit.sync.server import exchange
from eqvisit.sync.server.access import Actor
from eqvisit.sync.server.grouping import GroupCommit
from eqvisit.sync.server.models import ChangeLogEntry, ServerUser
from eqvisit.sync.server.transactions import Transactions
from tests.sync.conftest import Central

Job = tuple[Actor, Sequence[Change]]
WAIT = 30.0  # seconds any step may take before the test gives up on it


def _lead(central: Central, device: str) -> Actor:
    with central.session() as session:
        user_id = session.scalar(select(ServerUser.id).where(ServerUser.username == "lead"))
    assert user_id is not None
    return Actor(user_id=user_id, role=UserRole.QUALITY_LEAD, device_id=device)


def _retitle(central: Central, actor: Actor, title: str, wall_ms: int) -> Change:
    return Change(
        change_id=new_id(),
        record_type="visits",
        record_id=central.visit_id,
        scope=f"visit:{central.visit_id}",
        fields={"title": title},
        base={},
        hlc=str(HybridClock().now(wall_ms)),
        author_id=actor.user_id,
        device_id=actor.device_id,
    )


def _logged(central: Central, change_ids: Sequence[str]) -> dict[str, int]:
    with central.session() as session:
        return dict(
            session.execute(
                select(ChangeLogEntry.change_id, func.count())
                .where(ChangeLogEntry.change_id.in_(change_ids))
                .group_by(ChangeLogEntry.change_id)
            ).all()
        )


def _wait_until(condition: Any) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


class _Pusher(threading.Thread):
    """Submits one job and keeps its answer or error."""

    def __init__(self, commit: GroupCommit[Job, list[ChangeResult]], job: Job) -> None:
        super().__init__(daemon=True)
        self.commit = commit
        self.job = job
        self.answer: list[ChangeResult] | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.answer = self.commit(self.job)
        except Exception as exc:  # kept for the test to inspect
            self.error = exc


class _FirstHeld:
    """A group's work whose first transaction waits to be released, so pushes started meanwhile
    queue behind it; ``groups`` is how many pushes each transaction held."""

    def __init__(self, work: Callable[[Session, Sequence[Job]], list[list[ChangeResult]]]) -> None:
        self.work = work
        self.groups: list[int] = []
        self.running = threading.Event()
        self.release = threading.Event()

    def __call__(self, session: Session, jobs: Sequence[Job]) -> list[list[ChangeResult]]:
        self.groups.append(len(jobs))
        if len(self.groups) == 1:
            self.running.set()
            assert self.release.wait(WAIT)
        return self.work(session, jobs)


def _push_queued(central: Central, held: _FirstHeld, jobs: list[Job]) -> list[_Pusher]:
    """Push ``jobs``: the first alone, the rest queued behind it in order, then all answered."""
    commit = GroupCommit(Transactions(central.engine), held, size=lambda j: len(j[1]), max_size=100)
    pushers = [_Pusher(commit, job) for job in jobs]
    pushers[0].start()
    assert held.running.wait(WAIT)
    for number, pusher in enumerate(pushers[1:], start=1):
        pusher.start()  # one at a time, so they queue in this order
        _wait_until(lambda number=number: commit.queued == number)
    held.release.set()
    for pusher in pushers:
        pusher.join(WAIT)
    return pushers


def test_pushes_waiting_together_share_one_transaction(central: Central) -> None:
    held = _FirstHeld(lambda session, jobs: exchange.push_many(session, jobs, central.clock))
    jobs: list[Job] = []
    for number in range(5):
        actor = _lead(central, f"device-{number}")
        jobs.append(
            (
                actor,
                [
                    _retitle(central, actor, f"Title {number}.{k}", 1_700_000_000_000 + number)
                    for k in range(3)
                ],
            )
        )
    pushers = _push_queued(central, held, jobs)

    assert held.groups == [1, 4], "the four that waited went in one transaction"
    seqs: list[int] = []
    for pusher, (_actor, changes) in zip(pushers, jobs, strict=True):
        assert pusher.error is None
        assert pusher.answer is not None
        assert [r.change_id for r in pusher.answer] == [c.change_id for c in changes]
        assert {r.status for r in pusher.answer} == {"accepted"}
        seqs.extend(r.server_seq or 0 for r in pusher.answer)
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "numbered in the order queued"
    every = [c.change_id for _actor, changes in jobs for c in changes]
    assert _logged(central, every) == dict.fromkeys(every, 1)


def test_a_failing_push_fails_alone(central: Central) -> None:
    """The shared transaction fails, so each push runs again alone: only the bad one fails."""
    poison_id = new_id()

    def work(session: Session, jobs: Sequence[Job]) -> list[list[ChangeResult]]:
        answers = exchange.push_many(session, jobs, central.clock)
        if any(change.change_id == poison_id for _actor, changes in jobs for change in changes):
            raise RuntimeError("this push breaks its transaction")
        return answers

    held = _FirstHeld(work)
    jobs: list[Job] = []
    for number in range(4):
        actor = _lead(central, f"device-{number}")
        change = _retitle(central, actor, f"Title {number}", 1_700_000_000_000 + number)
        if number == 2:
            change = change.model_copy(update={"change_id": poison_id})
        jobs.append((actor, [change]))
    pushers = _push_queued(central, held, jobs)

    assert held.groups == [1, 3, 1, 1, 1], "the group of three failed, then each ran alone"
    assert isinstance(pushers[2].error, RuntimeError)
    good = [p for number, p in enumerate(pushers) if number != 2]
    assert all(p.error is None and p.answer and p.answer[0].status == "accepted" for p in good)
    every = [changes[0].change_id for _actor, changes in jobs]
    logged = _logged(central, every)
    assert poison_id not in logged, "the failed push left nothing behind"
    assert logged == {change_id: 1 for change_id in every if change_id != poison_id}
