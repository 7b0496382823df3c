from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eqvisit.app_services import Services, open_services
from eqvisit.domain.enums import Audience, PanelRole, VisitStatus, VisitType
from eqvisit.errors import IllegalTransition, InvalidValue, NotFound
from eqvisit.paths import ProfilePaths
from eqvisit.services.visits import SessionDraft, VisitDraft


def first_provider(services: Services) -> str:
    return services.providers.search("manchester university")[0].id


def test_a_planned_visit_with_panel_and_agenda_survives_a_restart(
    demo: Services, profile: ProfilePaths
) -> None:
    users = {u.username: u for u in demo.users.list_users()}
    visit = demo.visits.create(
        VisitDraft(
            provider_id=first_provider(demo),
            visit_type=VisitType.LEARNER_EDUCATOR_REVIEW,
            title="Learner and educator review",
            starts_on=date(2027, 2, 3),
            ends_on=date(2027, 2, 4),
            reason="Concerns raised via the Guardian of Safe Working",
        )
    )
    demo.visits.add_panel_member(
        visit.summary.id, users["panel1"].id, PanelRole.SPECIALTY_SCHOOL_LEAD
    )
    demo.visits.add_session(
        visit.summary.id,
        SessionDraft(
            title="F2 doctors",
            audience=Audience.LEARNERS,
            starts_at=datetime(2027, 2, 3, 10, tzinfo=UTC),
            ends_at=datetime(2027, 2, 3, 11, tzinfo=UTC),
            room="Library",
            interviewer_ids=[users["panel1"].id],
            attendance={"F2": 8},
        ),
    )
    demo.close()

    reopened = open_services(profile)
    try:
        detail = reopened.visits.get(visit.summary.id)
        assert detail.summary.title == "Learner and educator review"
        assert detail.summary.status is VisitStatus.PLANNED
        assert [(m.user.username, m.panel_role) for m in detail.panel] == [
            ("panel1", PanelRole.SPECIALTY_SCHOOL_LEAD)
        ]
        (session,) = detail.sessions
        assert (session.title, session.room, session.attendance) == (
            "F2 doctors",
            "Library",
            {"F2": 8},
        )
        assert session.interviewer_ids == (users["panel1"].id,)
    finally:
        reopened.close()


def test_a_refused_transition_changes_nothing_and_says_why(demo: Services) -> None:
    (visit,) = demo.visits.list_visits()
    before = demo.sync_status.status().pending
    with pytest.raises(IllegalTransition, match="cannot move to 'report_final'"):
        demo.visits.transition(visit.id, VisitStatus.REPORT_FINAL)
    assert demo.visits.get(visit.id).summary.status is VisitStatus.PLANNED
    assert demo.sync_status.status().pending == before


def test_allowed_transitions_are_recorded_for_sync(demo: Services) -> None:
    (visit,) = demo.visits.list_visits()
    before = demo.sync_status.status().pending
    detail = demo.visits.transition(visit.id, VisitStatus.BRIEFING)
    assert detail.summary.status is VisitStatus.BRIEFING
    assert VisitStatus.FIELDWORK in detail.allowed_next
    assert demo.sync_status.status().pending == before + 1


def test_dates_that_end_before_they_start_are_refused(demo: Services) -> None:
    with pytest.raises(InvalidValue, match="visit dates: ends"):
        demo.visits.create(
            VisitDraft(
                provider_id=first_provider(demo),
                visit_type=VisitType.DESKTOP_REVIEW,
                title="x",
                starts_on=date(2027, 1, 2),
                ends_on=date(2027, 1, 1),
            )
        )


@pytest.mark.parametrize(
    ("attendance", "message"),
    [
        ({"F1": -1}, "attendance\\[F1\\]"),
        ({"": 3}, "needs a label"),
        ({"F1": 2.5}, "whole number"),
        ({"F1": True}, "whole number"),
    ],
)
def test_attendance_is_counts_by_group_only(
    demo: Services, attendance: dict[str, int], message: str
) -> None:
    (visit,) = demo.visits.list_visits()
    with pytest.raises(InvalidValue, match=message):
        demo.visits.add_session(
            visit.id, SessionDraft(title="x", audience=Audience.LEARNERS, attendance=attendance)
        )


def test_unknown_provider_and_visit_are_not_found(demo: Services) -> None:
    with pytest.raises(NotFound, match="No provider"):
        demo.visits.create(
            VisitDraft(provider_id="nope", visit_type=VisitType.DESKTOP_REVIEW, title="x")
        )
    with pytest.raises(NotFound, match="No visit"):
        demo.visits.transition("nope", VisitStatus.BRIEFING)


def test_editing_only_touches_editable_fields(demo: Services) -> None:
    (visit,) = demo.visits.list_visits()
    with pytest.raises(InvalidValue, match="status"):
        demo.visits.update(visit.id, {"status": VisitStatus.CLOSED})
    detail = demo.visits.update(visit.id, {"title": "Renamed", "reason": "Updated reason"})
    assert (detail.summary.title, detail.reason) == ("Renamed", "Updated reason")


def test_removing_a_panel_member_is_a_soft_delete_and_can_be_undone(demo: Services) -> None:
    (visit,) = demo.visits.list_visits()
    lay = next(u for u in demo.users.list_users() if u.username == "lay1")
    after_remove = demo.visits.remove_panel_member(visit.id, lay.id)
    assert lay.id not in {m.user.id for m in after_remove.panel}
    restored = demo.visits.add_panel_member(visit.id, lay.id, PanelRole.LAY_REPRESENTATIVE)
    assert lay.id in {m.user.id for m in restored.panel}
