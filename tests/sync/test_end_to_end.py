"""Two laptops capture the same visit offline, sync through the real server, and converge."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from eqvisit.domain.enums import Audience, Sentiment
from eqvisit.errors import InvalidValue
from eqvisit.services.visits import SessionDraft
from eqvisit.sync.server import admin
from eqvisit.templates.loader import load_default_templates
from tests.sync.conftest import Central, Laptop


def test_two_laptops_converge_with_matching_receipts(central: Central, laptop: Laptop) -> None:
    lead, lead_sync = laptop("lead")
    panel, panel_sync = laptop("panel1")
    first = lead_sync.sync_once()
    panel_sync.sync_once()
    assert f"visit:{central.visit_id}" in {r.scope for r in first.receipts}

    session = lead.visits.add_session(
        central.visit_id, SessionDraft(title="F1 doctors", audience=Audience.LEARNERS)
    )
    lead_sync.sync_once()
    panel_sync.sync_once()

    # Offline, both capture on the same session.
    lead.capture.save_response(session.id, "induction", value="yes", note="Lead's note")
    panel.capture.save_response(session.id, "induction", value="no", note="Panel's note")
    panel.capture.save_response(session.id, "rota", value="amber")

    lead_report = lead_sync.sync_once()
    panel_report = panel_sync.sync_once()
    lead_sync.sync_once()

    assert lead_report.rejected == panel_report.rejected == 0
    lead_answers = {
        (r.author_id, r.question_id, r.value) for r in lead.capture.responses(session.id)
    }
    panel_answers = {
        (r.author_id, r.question_id, r.value) for r in panel.capture.responses(session.id)
    }
    assert lead_answers == panel_answers
    assert len(lead_answers) == 3
    final = lead_sync.sync_once()
    assert all(r.matches for r in final.receipts), final.receipts
    assert all(r.matches for r in panel_sync.sync_once().receipts)


def test_concurrent_edits_to_a_shared_field_keep_the_losing_value(
    central: Central, laptop: Laptop
) -> None:
    lead, lead_sync = laptop("lead")
    lead2, lead2_sync = laptop("lead")  # the same lead on a second laptop
    lead_sync.sync_once()
    lead2_sync.sync_once()
    lead.visits.update(central.visit_id, {"reason": "Reason written on laptop one"})
    lead2.visits.update(central.visit_id, {"reason": "Reason written on laptop two"})
    lead_sync.sync_once()
    lead2_sync.sync_once()
    lead_sync.sync_once()
    assert lead.visits.get(central.visit_id).reason == lead2.visits.get(central.visit_id).reason
    status = lead.sync_status.status()
    assert status.open_conflicts == 1, "the losing reason is kept as a conflict, not dropped"


def test_a_lay_representative_may_not_write_a_finding(central: Central, laptop: Laptop) -> None:
    lay, lay_sync = laptop("lay1")
    lay_sync.sync_once()
    from eqvisit.domain.enums import FindingKind

    lay.findings.propose(central.visit_id, FindingKind.MANDATORY_REQUIREMENT, "Not mine to write")
    lay.capture.add_observation(
        central.visit_id, "Ward 7 had no rest area", sentiment=Sentiment.CONCERN
    )
    report = lay_sync.sync_once()
    assert report.rejected == 1
    assert "may not create findings" in report.rejections[0]
    assert lay.sync_status.status().rejected == 1, "the refused change stays on the laptop"


def test_a_template_published_on_the_central_store_reaches_the_laptop(
    central: Central, laptop: Laptop
) -> None:
    template = load_default_templates()[0]
    with Session(central.engine) as session, session.begin():
        assert admin.publish_template(session, central.clock, template).startswith("published")
    panel, panel_sync = laptop("panel1")
    panel_sync.sync_once()
    assert panel.templates.get(template.id, template.version) == template
    changed = template.model_copy(update={"title": "Another title"})
    with (
        Session(central.engine) as session,
        session.begin(),
        pytest.raises(InvalidValue, match="already published"),
    ):
        admin.publish_template(session, central.clock, changed)
