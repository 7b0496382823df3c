from __future__ import annotations

import pytest

from eqvisit.app_services import Services
from eqvisit.domain.enums import FindingKind, Sentiment
from eqvisit.errors import DomainError, InvalidValue


def agenda(demo: Services) -> tuple[str, str]:
    (visit,) = demo.visits.list_visits()
    return visit.id, demo.visits.get(visit.id).sessions[0].id


def test_each_author_has_their_own_answer_to_a_question(demo: Services) -> None:
    _, session_id = agenda(demo)
    users = {u.username: u.id for u in demo.users.list_users()}
    demo.capture.save_response(session_id, "induction", value="yes", note="Good induction")
    demo.users.sign_in_locally("panel1")
    demo.capture.save_response(session_id, "induction", value="no", note="Missed induction")
    answers = {(r.author_id, r.value, r.note) for r in demo.capture.responses(session_id)}
    assert answers == {
        (users["lead"], "yes", "Good induction"),
        (users["panel1"], "no", "Missed induction"),
    }


def test_saving_again_updates_in_place_and_an_unchanged_save_writes_no_change(
    demo: Services,
) -> None:
    _, session_id = agenda(demo)
    first = demo.capture.save_response(session_id, "q1", value=3, note="a")
    pending = demo.sync_status.status().pending
    second = demo.capture.save_response(session_id, "q1", value=3, note="a")
    assert second.id == first.id
    assert demo.sync_status.status().pending == pending
    third = demo.capture.save_response(session_id, "q1", value=4, note="a", safety_flag=True)
    assert (third.id, third.value, third.safety_flag) == (first.id, 4, True)
    assert demo.sync_status.status().pending == pending + 1
    assert len(demo.capture.responses(session_id)) == 1


def test_observations_are_the_lay_representatives_own(demo: Services) -> None:
    visit_id, _ = agenda(demo)
    lay = demo.users.sign_in_locally("lay1")
    demo.capture.add_observation(
        visit_id,
        "The doctors' mess had no working kettle",
        location="Ward 7",
        sentiment=Sentiment.CONCERN,
    )
    (observation,) = demo.capture.observations(visit_id)
    assert observation.author_id == lay.id
    assert observation.sentiment is Sentiment.CONCERN
    with pytest.raises(InvalidValue, match="observation: is required"):
        demo.capture.add_observation(visit_id, "   ")


def test_reference_numbers_are_stable_and_never_reused(demo: Services) -> None:
    visit_id, _ = agenda(demo)
    mr1 = demo.findings.propose(
        visit_id, FindingKind.MANDATORY_REQUIREMENT, "Rota gaps out of hours"
    )
    mr2 = demo.findings.propose(
        visit_id, FindingKind.MANDATORY_REQUIREMENT, "No induction for locums"
    )
    imr = demo.findings.propose(
        visit_id, FindingKind.IMMEDIATE_MANDATORY_REQUIREMENT, "Unsupervised F1s at night"
    )
    assert demo.findings.issue_reference(mr1.id).reference == "MR1"
    assert demo.findings.issue_reference(mr1.id).reference == "MR1", (
        "issuing twice keeps the number"
    )
    assert demo.findings.issue_reference(imr.id).reference == "IMR1"
    demo.findings.delete(mr1.id)
    assert demo.findings.issue_reference(mr2.id).reference == "MR2", (
        "a deleted finding's number is not reused"
    )
    with pytest.raises(DomainError, match="MR2 has been issued"):
        demo.findings.update(mr2.id, {"kind": FindingKind.RECOMMENDATION})


def test_risk_band_is_derived_from_likelihood_and_consequence(demo: Services) -> None:
    visit_id, _ = agenda(demo)
    finding = demo.findings.propose(visit_id, FindingKind.MANDATORY_REQUIREMENT, "Handover unsafe")
    rated = demo.findings.rate_risk(finding.id, 4, 4)
    assert (rated.risk_score, rated.risk_band) == (16, "extreme")
    with pytest.raises(InvalidValue, match="consequence"):
        demo.findings.rate_risk(finding.id, 4, 6)


def test_evidence_links_one_thing_at_a_time(demo: Services) -> None:
    visit_id, session_id = agenda(demo)
    response = demo.capture.save_response(session_id, "q1", value="no")
    finding = demo.findings.propose(visit_id, FindingKind.RECOMMENDATION, "Improve feedback")
    assert demo.findings.link_evidence(finding.id, response_id=response.id)
    with pytest.raises(InvalidValue, match="exactly one"):
        demo.findings.link_evidence(finding.id)
    with pytest.raises(InvalidValue, match="exactly one"):
        demo.findings.link_evidence(finding.id, response_id=response.id, observation_id="x")
