"""Conflicts forced between two laptops, resolved through the review service, synced and
converged; refused changes retried or discarded; the per-visit receipt in words."""

from __future__ import annotations

import pytest

from eqvisit.domain.enums import FindingKind, FindingStatus
from eqvisit.errors import DomainError
from eqvisit.services.sync import ReceiptState
from tests.sync.conftest import Central, Laptop


def _force_text_conflict(central: Central, laptop: Laptop):  # type: ignore[no-untyped-def]
    lead, lead_sync = laptop("lead")
    panel, panel_sync = laptop("panel1")
    lead_sync.sync_once()
    panel_sync.sync_once()
    finding = panel.findings.propose(
        central.visit_id, FindingKind.MANDATORY_REQUIREMENT, "Rota gaps on nights"
    )
    panel_sync.sync_once()
    lead_sync.sync_once()
    # Offline, both rewrite the same text without seeing each other's edit.
    lead.findings.update(finding.id, {"text": "Rota gaps on nights and weekends"})
    panel.findings.update(finding.id, {"text": "Rota gaps on nights (F1 and F2)"})
    lead_sync.sync_once()
    panel_sync.sync_once()
    lead_sync.sync_once()
    return lead, lead_sync, panel, panel_sync, finding


def test_a_conflict_is_shown_with_both_sides_and_resolved_by_a_merge(
    central: Central, laptop: Laptop
) -> None:
    lead, lead_sync, panel, panel_sync, _finding = _force_text_conflict(central, laptop)
    (conflict,) = lead.conflicts.open_conflicts()
    assert (conflict.record_type, conflict.field) == ("findings", "text")
    assert {conflict.winning_value, conflict.losing_value} == {
        "Rota gaps on nights and weekends",
        "Rota gaps on nights (F1 and F2)",
    }
    assert {conflict.winning_author, conflict.losing_author} == {"Lead", "Panel1"}
    assert conflict.may_resolve and conflict.mergeable
    assert conflict.what.startswith("Finding")
    (panel_view,) = panel.conflicts.open_conflicts()
    assert panel_view.may_resolve, "a panel member may resolve a conflict on their own finding"

    merged = "Rota gaps on nights and weekends (F1 and F2)"
    lead.conflicts.resolve(conflict.id, merged)
    assert lead.conflicts.open_conflicts() == []
    lead_report = lead_sync.sync_once()
    assert lead_report.rejected == 0, lead_report.rejections
    panel_sync.sync_once()
    lead_sync.sync_once()

    for services in (lead, panel):
        (row,) = services.findings.for_visit(central.visit_id)
        assert row.text == merged
        assert services.conflicts.open_conflicts() == []
        assert services.sync_status.status().open_conflicts == 0
    assert all(r.matches for r in panel_sync.sync_once().receipts)
    assert all(r.matches for r in lead_sync.sync_once().receipts)
    receipt = lead_sync.visit_receipt(central.visit_id)
    assert receipt.state is ReceiptState.MATCHED
    assert receipt.text.startswith("Everything you wrote on this visit is on the server")


def test_keeping_the_losing_value_is_an_ordinary_change(central: Central, laptop: Laptop) -> None:
    lead, lead_sync, panel, panel_sync, _finding = _force_text_conflict(central, laptop)
    (conflict,) = panel.conflicts.open_conflicts()
    panel.conflicts.resolve(conflict.id, conflict.losing_value)
    assert panel_sync.sync_once().rejected == 0
    lead_sync.sync_once()
    (row,) = lead.findings.for_visit(central.visit_id)
    assert row.text == conflict.losing_value
    assert lead.conflicts.open_conflicts() == []


def test_someone_outside_the_conflict_may_not_resolve_it(central: Central, laptop: Laptop) -> None:
    _lead, _lead_sync, _panel, _panel_sync, _finding = _force_text_conflict(central, laptop)
    other, other_sync = laptop("panel2")
    other_sync.sync_once()
    (conflict,) = other.conflicts.open_conflicts()
    assert not conflict.may_resolve
    with pytest.raises(DomainError, match="lead or the two authors"):
        other.conflicts.resolve(conflict.id, conflict.losing_value)


def test_a_refused_change_can_be_edited_and_retried_or_discarded(
    central: Central, laptop: Laptop
) -> None:
    panel, panel_sync = laptop("panel1")
    panel_sync.sync_once()
    finding = panel.findings.propose(central.visit_id, FindingKind.RECOMMENDATION, "Study leave")
    panel_sync.sync_once()
    panel.findings.update(finding.id, {"status": FindingStatus.AGREED})  # only a lead agrees
    report = panel_sync.sync_once()
    assert report.rejected == 1
    receipt = panel_sync.visit_receipt(central.visit_id)
    assert receipt.state is ReceiptState.REJECTED and receipt.rejected == 1
    assert "refused" in receipt.text

    (refused,) = panel.conflicts.rejected_changes()
    assert "may not set status" in refused.reason
    assert refused.fields == {"status": "agreed"}
    assert "Refused: " in refused.text and '"status": "agreed"' in refused.text

    panel.conflicts.retry(refused.change_id, {"status": "withdrawn"})
    assert panel.conflicts.rejected_changes() == []
    assert panel_sync.visit_receipt(central.visit_id).state is ReceiptState.WAITING
    assert panel_sync.sync_once().rejected == 0
    assert panel_sync.visit_receipt(central.visit_id).state is ReceiptState.MATCHED

    panel.findings.update(finding.id, {"status": FindingStatus.OPEN})
    panel_sync.sync_once()
    (again,) = panel.conflicts.rejected_changes()
    panel.conflicts.discard(again.change_id)
    assert panel.conflicts.rejected_changes() == []
    assert panel.sync_status.status().rejected == 0


def test_a_field_written_again_after_the_conflict_says_so(central: Central, laptop: Laptop) -> None:
    lead, _lead_sync, _panel, _panel_sync, finding = _force_text_conflict(central, laptop)
    (before,) = lead.conflicts.open_conflicts()
    assert not before.changed_since
    assert before.current_value == before.winning_value
    lead.findings.update(finding.id, {"text": "Rewritten after the conflict"})
    (after,) = lead.conflicts.open_conflicts()
    assert after.changed_since and after.current_value == "Rewritten after the conflict"
