"""A laptop whose clock is a day wrong can neither win every merge nor break its receipt."""

from __future__ import annotations

from eqvisit.domain.hlc import Stamp
from eqvisit.services.context import wall_clock_ms
from eqvisit.storage import sync_state
from tests.sync.conftest import Central, Laptop

DAY_MS = 24 * 60 * 60 * 1000


def test_edits_stamped_a_day_ahead_are_restamped_and_do_not_beat_later_edits(
    central: Central, laptop: Laptop
) -> None:
    fast, fast_sync = laptop("lead")
    right, right_sync = laptop("lead")
    fast_sync.sync_once()
    right_sync.sync_once()
    fast.context.wall_ms = lambda: wall_clock_ms() + DAY_MS
    fast.context.clock_offset_ms = 0  # as if the clock went wrong after the last sync
    fast.visits.update(central.visit_id, {"reason": "written on the fast laptop"})
    report = fast_sync.sync_once()
    assert report.accepted == 1
    assert all(r.matches for r in report.receipts), "restamped fields must still match the server"

    right_sync.sync_once()
    right.visits.update(central.visit_id, {"reason": "written later on a correct clock"})
    right_sync.sync_once()
    fast_sync.sync_once()
    assert fast.visits.get(central.visit_id).reason == "written later on a correct clock"
    assert right.visits.get(central.visit_id).reason == "written later on a correct clock"


def test_a_sync_corrects_the_clock_for_later_stamps(central: Central, laptop: Laptop) -> None:
    slow, slow_sync = laptop("lead")
    slow.context.wall_ms = lambda: wall_clock_ms() - DAY_MS
    slow_sync.sync_once()
    assert abs(slow.context.clock_offset_ms - DAY_MS) < 60_000
    slow.visits.update(central.visit_id, {"title": "Renamed on a slow laptop"})
    with slow.context.store.unit_of_work() as uow:
        stamps = [
            c.hlc for c in sync_state.pending_changes(uow.session, 10) if c.record_type == "visits"
        ]
    assert len(stamps) == 1
    assert abs(Stamp.parse(stamps[0]).wall_ms - wall_clock_ms()) < 60_000
