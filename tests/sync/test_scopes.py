"""Scopes follow the panel: new ones arrive whole; revoked ones leave when nothing is unsent."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from eqvisit.domain.enums import PanelRole, Sentiment
from eqvisit.errors import NotFound
from eqvisit.sync.server import admin
from tests.sync.conftest import Central, Laptop


def test_a_newly_granted_visit_arrives_whole(central: Central, laptop: Laptop) -> None:
    outsider, outsider_sync = laptop("outsider")
    outsider_sync.sync_once()
    assert {v.id for v in outsider.visits.list_visits()} == {central.other_visit_id}
    with Session(central.engine) as session, session.begin():
        admin.assign(session, central.clock, "outsider", central.visit_id, PanelRole.EDUCATOR)
    outsider_sync.sync_once()
    assert {v.id for v in outsider.visits.list_visits()} == {
        central.visit_id,
        central.other_visit_id,
    }
    detail = outsider.visits.get(central.visit_id)
    assert len(detail.panel) == 6, "everything already in the visit came down, not only new changes"


def test_a_revoked_visit_leaves_a_laptop_with_nothing_unsent(
    central: Central, laptop: Laptop
) -> None:
    panel, panel_sync = laptop("panel2")
    panel_sync.sync_once()
    assert panel.visits.get(central.visit_id)
    with Session(central.engine) as session, session.begin():
        admin.unassign(session, central.clock, "panel2", central.visit_id)
    report = panel_sync.sync_once()
    assert f"visit:{central.visit_id}" in report.purged
    with pytest.raises(NotFound):
        panel.visits.get(central.visit_id)


def test_a_revoked_visit_stays_while_the_laptop_holds_a_change_the_server_refused(
    central: Central, laptop: Laptop
) -> None:
    lay, lay_sync = laptop("lay1")
    lay_sync.sync_once()
    lay.capture.add_observation(
        central.visit_id, "Written just before removal", sentiment=Sentiment.CONCERN
    )
    with Session(central.engine) as session, session.begin():
        admin.unassign(session, central.clock, "lay1", central.visit_id)
    report = lay_sync.sync_once()
    assert report.rejected == 1, "no longer on the panel, so the server refuses the observation"
    assert f"visit:{central.visit_id}" not in report.purged
    (kept,) = lay.capture.observations(central.visit_id)
    assert kept.text == "Written just before removal"
    assert lay.sync_status.status().rejected == 1
