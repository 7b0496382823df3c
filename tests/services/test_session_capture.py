"""Guided capture: the pinned template, required questions, attendance, completion, coverage."""

from __future__ import annotations

import pytest

from eqvisit.app_services import Services
from eqvisit.domain.enums import Sentiment
from eqvisit.errors import DomainError, InvalidValue
from eqvisit.services.session_form import missing_required


def learners_session(demo: Services) -> tuple[str, str]:
    (visit,) = demo.visits.list_visits()
    sessions = demo.visits.get(visit.id).sessions
    (session,) = [s for s in sessions if s.title.startswith("Foundation")]
    return visit.id, session.id


def test_the_form_pins_the_template_and_holds_only_the_authors_answers(demo: Services) -> None:
    _, session_id = learners_session(demo)
    demo.capture.save_response(session_id, "group_size", value=6)
    demo.users.sign_in_locally("panel1")
    demo.capture.save_response(session_id, "group_size", value=7, note="two left early")
    form = demo.capture.session_form(session_id)
    assert form.template is not None
    assert (form.template.id, form.template.version) == (
        form.session.template_id,
        form.session.template_version,
    )
    assert {q: (r.value, r.note) for q, r in form.answers.items()} == {
        "group_size": (7, "two left early")
    }


def test_required_questions_follow_show_if(demo: Services) -> None:
    _, session_id = learners_session(demo)
    template = demo.capture.session_form(session_id).template
    assert template is not None
    base = {"grades_present": ["fy1"], "group_size": 5}
    required_ids = {q.id for q in missing_required(template, {})}
    assert {"grades_present", "group_size"} <= required_ids
    assert not {"grades_present", "group_size"} & {q.id for q in missing_required(template, base)}


def test_a_session_is_complete_only_when_its_required_questions_are_answered(
    demo: Services,
) -> None:
    _, session_id = learners_session(demo)
    with pytest.raises(DomainError, match="required question") as refused:
        demo.capture.mark_complete(session_id)
    assert "Which grades are in this group?" in str(refused.value)
    template = demo.capture.session_form(session_id).template
    assert template is not None
    for question in missing_required(template, {}):
        value = ["fy1"] if question.type == "multiple_choice" else "answer"
        value = 5 if question.type == "number" else value
        if question.choices and question.type != "multiple_choice":
            value = question.choices[0].value
        demo.capture.save_response(session_id, question.id, value=value)
    form = demo.capture.session_form(session_id)
    assert missing_required(template, form.values()) == []
    demo.capture.mark_complete(session_id)
    assert demo.capture.session_form(session_id).completed
    assert "@complete" not in demo.capture.session_form(session_id).answers


def test_attendance_is_the_authors_counts_by_group_and_refuses_non_numbers(
    demo: Services,
) -> None:
    _, session_id = learners_session(demo)
    demo.capture.save_attendance(session_id, {"FY1": 4, "FY2": 3})
    assert demo.capture.session_form(session_id).attendance == {"FY1": 4, "FY2": 3}
    with pytest.raises(InvalidValue, match="attendance"):
        demo.capture.save_attendance(session_id, {"FY1": "Dr Smith"})  # type: ignore[dict-item]
    assert demo.capture.session_form(session_id).attendance == {"FY1": 4, "FY2": 3}


def test_only_the_author_may_edit_an_observation(demo: Services) -> None:
    visit_id, _ = learners_session(demo)
    demo.users.sign_in_locally("lay1")
    made = demo.capture.add_observation(visit_id, "Noticeboard out of date", location="Ward 7")
    edited = demo.capture.update_observation(
        made.id, {"text": "Noticeboard two years out of date", "sentiment": Sentiment.CONCERN}
    )
    assert (edited.text, edited.sentiment) == ("Noticeboard two years out of date", "concern")
    demo.users.sign_in_locally("panel1")
    with pytest.raises(DomainError, match="Only the person who wrote"):
        demo.capture.update_observation(made.id, {"text": "changed by someone else"})
    assert demo.capture.my_observations(visit_id) == []


def test_the_coverage_board_shows_who_covered_what_and_the_safety_flags(demo: Services) -> None:
    visit_id, session_id = learners_session(demo)
    demo.capture.save_response(session_id, "group_size", value=6)
    demo.capture.save_attendance(session_id, {"FY1": 6})
    demo.users.sign_in_locally("panel1")
    demo.capture.save_response(session_id, "group_size", value=6)
    demo.capture.save_response(
        session_id, "specialties", note="Nights on ward 4 unsupervised", safety_flag=True
    )
    demo.capture.save_attendance(session_id, {"FY1": 5, "FY2": 2})
    board = demo.coverage.board(visit_id)
    (row,) = [s for s in board.sessions if s.session_id == session_id]
    by_id = {q.question_id: q.authors for q in row.questions}
    assert by_id["group_size"] == ("Dr Asha Patel", "Mr Tom Okafor")
    assert by_id["specialties"] == ("Mr Tom Okafor",)
    assert by_id["ltft_present"] == ()
    assert row.covered == 2
    assert row.attendance == {"FY1": 6, "FY2": 2}
    assert board.observations == {}
    (flag,) = board.safety_flags
    assert (flag.author, flag.question_id, flag.note) == (
        "Mr Tom Okafor",
        "specialties",
        "Nights on ward 4 unsupervised",
    )
    assert flag.prompt.startswith("Which specialties")


def test_a_lay_representative_is_told_at_once_to_record_observations_instead(
    demo: Services,
) -> None:
    _, session_id = learners_session(demo)
    demo.users.sign_in_locally("lay1")
    with pytest.raises(DomainError, match="My observations"):
        demo.capture.save_response(session_id, "group_size", value=6)
    assert demo.capture.responses(session_id) == []
