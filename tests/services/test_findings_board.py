"""The Findings section's reads and the action plan: evidence side by side, the roll-up by
domain, rights from the permission table, actions with history, closure and overdue."""

from __future__ import annotations

from datetime import date

import pytest

from eqvisit.app_services import Services
from eqvisit.domain.enums import ActionStatus, FindingKind, FindingStatus, Sentiment
from eqvisit.errors import DomainError, InvalidValue
from eqvisit.services.action_plan import ActionPlanService
from eqvisit.services.findings_dto import EvidenceKind


def _visit(demo: Services) -> tuple[str, str]:
    (visit,) = demo.visits.list_visits()
    return visit.id, demo.visits.get(visit.id).sessions[0].id


def test_linked_evidence_is_shown_beside_its_finding(demo: Services) -> None:
    visit_id, session_id = _visit(demo)
    response = demo.capture.save_response(
        session_id, "induction", value="no", note="No induction for F1s"
    )
    observation = demo.capture.add_observation(
        visit_id, "Rest room locked at night", location="Ward 7", sentiment=Sentiment.CONCERN
    )
    choices = demo.findings_board.evidence_choices(visit_id)
    kinds = {c.kind for c in choices}
    assert {EvidenceKind.RESPONSE, EvidenceKind.OBSERVATION} <= kinds
    assert EvidenceKind.INTELLIGENCE in kinds, "the demo's flagged NTS figures can be linked"
    item = next(c for c in choices if c.kind is EvidenceKind.INTELLIGENCE)

    finding = demo.findings.propose(
        visit_id, FindingKind.MANDATORY_REQUIREMENT, "Induction is missed", domain_number=3
    )
    demo.findings.link_evidence(finding.id, response_id=response.id)
    demo.findings.link_evidence(finding.id, observation_id=observation.id)
    demo.findings.link_evidence(finding.id, intelligence_item_id=item.target_id)

    board = demo.findings_board.board(visit_id)
    (detail,) = board.findings
    assert [e.kind for e in detail.evidence] == [
        EvidenceKind.RESPONSE,
        EvidenceKind.OBSERVATION,
        EvidenceKind.INTELLIGENCE,
    ]
    assert "No induction for F1s" in detail.evidence[0].text
    assert detail.evidence[1].text == "Rest room locked at night"
    assert all(e.link_id for e in detail.evidence)
    assert board.domains and board.domains[2].number == 3


def test_rollup_counts_kinds_per_domain_with_the_highest_band(demo: Services) -> None:
    visit_id, _ = _visit(demo)
    low = demo.findings.propose(visit_id, FindingKind.RECOMMENDATION, "Rota", domain_number=1)
    high = demo.findings.propose(
        visit_id, FindingKind.MANDATORY_REQUIREMENT, "Supervision", domain_number=1
    )
    demo.findings.propose(visit_id, FindingKind.GOOD_PRACTICE, "Teaching", domain_number=5)
    demo.findings.propose(visit_id, FindingKind.RECOMMENDATION, "Unfiled")
    withdrawn = demo.findings.propose(
        visit_id, FindingKind.MANDATORY_REQUIREMENT, "Dropped", domain_number=5
    )
    demo.findings.update(withdrawn.id, {"status": FindingStatus.WITHDRAWN})
    demo.findings.rate_risk(low.id, 1, 2)  # 2: low
    demo.findings.rate_risk(high.id, 3, 4)  # 12: high

    rollup = {r.domain_number: r for r in demo.findings_board.board(visit_id).rollup}
    assert list(rollup) == [1, 5, 0], "domains in order, the unfiled last"
    assert dict(rollup[1].counts) == {
        FindingKind.MANDATORY_REQUIREMENT: 1,
        FindingKind.RECOMMENDATION: 1,
    }
    assert rollup[1].highest_band == "high"
    assert rollup[1].title.startswith("Learning environment")
    assert dict(rollup[5].counts) == {FindingKind.GOOD_PRACTICE: 1}, "withdrawn left out"
    assert rollup[5].highest_band is None
    assert rollup[0].total == 1


def test_rights_follow_the_permission_table(demo: Services) -> None:
    visit_id, _ = _visit(demo)
    lead = demo.findings_board.board(visit_id).rights
    assert (lead.may_propose, lead.may_edit_all, lead.may_issue_reference) == (True, True, True)
    assert lead.may_manage_actions
    mine = demo.findings.propose(visit_id, FindingKind.RECOMMENDATION, "Lead's finding")

    demo.users.sign_in_locally("panel1")
    theirs = demo.findings.propose(visit_id, FindingKind.RECOMMENDATION, "Panel's finding")
    board = demo.findings_board.board(visit_id)
    panel = board.rights
    assert panel.may_propose and not panel.may_edit_all
    assert not panel.may_issue_reference, "the server refuses a panel member's reference"
    assert not panel.may_manage_actions
    editable = {d.finding.id: d.editable for d in board.findings}
    assert editable == {mine.id: False, theirs.id: True}

    demo.users.sign_in_locally("lay1")
    lay = demo.findings_board.board(visit_id).rights
    assert not (lay.may_propose or lay.may_edit_all or lay.may_issue_reference)


def test_action_plan_keeps_dated_history_and_closes_only_with_evidence(demo: Services) -> None:
    visit_id, _ = _visit(demo)
    plan = ActionPlanService(demo.context, today=lambda: date(2026, 6, 1))
    mr = demo.findings.issue_reference(
        demo.findings.propose(visit_id, FindingKind.MANDATORY_REQUIREMENT, "Rota gaps").id
    )
    demo.findings.propose(visit_id, FindingKind.GOOD_PRACTICE, "Not a requirement")
    assert [r.reference for r in plan.requirements(visit_id)] == [mr.reference]
    late = plan.add_action(mr.id, "Fill rota gaps", owner="DME", due_on=date(2026, 5, 1))
    later = plan.add_action(mr.id, "Audit rota", due_on=date(2026, 7, 1))

    plan.set_status(late.id, ActionStatus.IN_PROGRESS, "Started recruiting")
    plan.add_note(late.id, "Two posts advertised")
    with pytest.raises(DomainError, match="evidence"):
        plan.set_status(late.id, ActionStatus.CLOSED)
    with pytest.raises(InvalidValue, match="closure evidence"):
        plan.close(later.id, "   ")

    rows = {r.id: r for r in plan.plan(visit_id)}
    assert rows[late.id].overdue and not rows[later.id].overdue
    assert [(s, n) for _, s, n in rows[late.id].history] == [
        (ActionStatus.IN_PROGRESS, "Started recruiting"),
        (ActionStatus.IN_PROGRESS, "Two posts advertised"),
    ]
    assert rows[late.id].reference == mr.reference

    closed = plan.close(late.id, "Rota for August attached, no gaps")
    assert closed.status is ActionStatus.CLOSED
    row = next(r for r in plan.plan(visit_id) if r.id == late.id)
    assert not row.overdue, "a closed action is not overdue"
    assert row.closure_evidence == "Rota for August attached, no gaps"
    assert row.history[-1][1] is ActionStatus.CLOSED
