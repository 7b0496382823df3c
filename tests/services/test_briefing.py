"""The briefing pack, read from a real demo store with added CQC ratings, concerns and history."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eqvisit.app_services import Services
from eqvisit.domain.enums import (
    ActionStatus,
    FindingKind,
    IntelligenceSource,
    NtsFlag,
    VisitStatus,
    VisitType,
)
from eqvisit.domain.ids import new_id, utc_now
from eqvisit.domain.scopes import visit_scope
from eqvisit.errors import NotFound
from eqvisit.services.dto import IntelligenceRow
from eqvisit.services.intelligence_summary import summarise_actions, trends
from eqvisit.services.visits import VisitDraft
from eqvisit.storage.models import ActionItem, ActionStatusChange
from eqvisit.storage.repositories import intelligence


def _item(provider_id: str, source: str, period: str, indicator: str, **fields: object) -> dict:
    now = utc_now()
    return {
        "id": new_id(),
        "provider_id": provider_id,
        "source": source,
        "period": period,
        "indicator": indicator,
        "dimensions": {},
        "n": None,
        "value": None,
        "benchmark": None,
        "flag": None,
        "text": None,
        "created_at": now,
        "updated_at": now,
        **fields,
    }


def _add_intelligence(services: Services, rows: list[dict]) -> None:
    with services.context.store.unit_of_work() as uow:
        intelligence.bulk_insert(uow.session, rows)
        uow.commit()


def _add_action(
    services: Services, finding_id: str, visit_id: str, status: ActionStatus, due: date
) -> str:
    with services.context.action() as (uow, recorder):
        action = recorder.create(
            ActionItem(),
            {
                "finding_id": finding_id,
                "description": "Rota redesigned with protected teaching",
                "owner": "Director of Medical Education",
                "due_on": due,
                "status": status,
            },
            visit_scope(visit_id),
        )
        uow.session.flush()
        recorder.create(
            ActionStatusChange(),
            {
                "action_item_id": action.id,
                "status": status,
                "note": "reported at the quarterly meeting",
                "changed_at": datetime(2026, 3, 1, 9, tzinfo=UTC),
            },
            visit_scope(visit_id),
        )
        uow.commit()
        return action.id


@pytest.fixture
def planned(demo: Services) -> str:
    (visit,) = demo.visits.list_visits()
    return visit.id


def test_the_pack_holds_the_visit_and_what_triggered_it(demo: Services, planned: str) -> None:
    detail = demo.visits.get(planned)
    pack = demo.briefing.for_visit(planned)

    assert pack.visit == detail
    assert pack.provider.id == detail.summary.provider_id
    assert detail.trigger_ids, "the demo visit is triggered by red flags"
    assert [t.id for t in pack.triggers] == list(detail.trigger_ids)
    assert all(t.flag is NtsFlag.RED for t in pack.triggers)
    assert pack.provider.red_flags >= len(pack.triggers)


def test_current_flags_are_the_latest_years_red_and_pink_results(
    demo: Services, planned: str
) -> None:
    pack = demo.briefing.for_visit(planned)
    profile = demo.providers.get(pack.provider.id)
    nts = [i for i in profile.intelligence if i.source is IntelligenceSource.NTS]
    latest = max(i.period for i in nts)

    assert pack.latest_nts_period == latest
    expected = {i.id for i in nts if i.period == latest and i.flag in (NtsFlag.RED, NtsFlag.PINK)}
    assert {i.id for i in pack.nts_flags} == expected
    flags = [i.flag for i in pack.nts_flags]
    assert flags == sorted(flags, key=lambda f: 0 if f is NtsFlag.RED else 1), "red first"
    counted = {c.flag: c.count for c in pack.flag_counts}
    assert counted[NtsFlag.RED] == sum(
        1 for i in nts if i.period == latest and i.flag is NtsFlag.RED
    )
    assert sum(counted.values()) == sum(1 for i in nts if i.period == latest and i.flag)


def test_cqc_ratings_take_the_latest_per_key_question_overall_first(
    demo: Services, planned: str
) -> None:
    provider_id = demo.visits.get(planned).summary.provider_id
    _add_intelligence(
        demo,
        [
            _item(provider_id, "cqc", "2021-05-04", "Overall", text="Good"),
            _item(provider_id, "cqc", "2024-11-20", "Overall", text="Requires improvement"),
            _item(provider_id, "cqc", "2024-11-20", "Well-led", text="Inadequate"),
            _item(provider_id, "cqc", "2024-11-20", "Safe", dimensions={"rating": "Good"}),
        ],
    )
    pack = demo.briefing.for_visit(planned)
    assert [(r.key_question, r.rating, r.rated_on) for r in pack.cqc_ratings] == [
        ("Overall", "Requires improvement", "2024-11-20"),
        ("Safe", "Good", "2024-11-20"),
        ("Well-led", "Inadequate", "2024-11-20"),
    ]


def test_concerns_are_listed_newest_first(demo: Services, planned: str) -> None:
    provider_id = demo.visits.get(planned).summary.provider_id
    _add_intelligence(
        demo,
        [
            _item(provider_id, "concerns", "2025-01-10", "FTSU", text="Rota gaps on nights"),
            _item(provider_id, "concerns", "2025-06-02", "GoSW", text="Missed breaks"),
        ],
    )
    pack = demo.briefing.for_visit(planned)
    assert [c.text for c in pack.concerns] == ["Missed breaks", "Rota gaps on nights"]


def test_trends_give_each_indicator_per_year_weighted_by_respondents(
    demo: Services, planned: str
) -> None:
    pack = demo.briefing.for_visit(planned)
    profile = demo.providers.get(pack.provider.id)
    nts = [i for i in profile.intelligence if i.source is IntelligenceSource.NTS]
    series = {s.indicator: s for s in pack.trends if s.source is IntelligenceSource.NTS}
    assert set(series) == {i.indicator for i in nts}

    workload = series["Work load"]
    periods = sorted({i.period for i in nts})
    assert [p.period for p in workload.points] == periods
    for point in workload.points:
        results = [i for i in nts if i.indicator == "Work load" and i.period == point.period]
        weight = sum(i.n or 0 for i in results)
        expected = sum((i.value or 0) * (i.n or 0) for i in results) / weight
        assert point.value == pytest.approx(expected, abs=0.01)
        assert point.n == weight
        assert point.results == len(results)
        assert point.red_flags == sum(1 for i in results if i.flag is NtsFlag.RED)


def test_a_period_without_respondents_uses_the_plain_mean_and_empty_periods_have_no_value() -> None:
    def row(period: str, value: float | None, n: int | None) -> IntelligenceRow:
        return IntelligenceRow(
            new_id(), IntelligenceSource.NETS, period, "Induction", {}, n, value, None, None, None
        )

    (series,) = trends([row("2024", 60.0, 0), row("2024", 80.0, None), row("2025", None, 4)])
    assert [(p.period, p.value, p.n) for p in series.points] == [
        ("2024", 70.0, 0),
        ("2025", None, 4),
    ]


def test_earlier_requirements_come_with_their_status_and_action_plan(
    demo: Services, planned: str
) -> None:
    provider_id = demo.visits.get(planned).summary.provider_id
    earlier = demo.visits.create(
        VisitDraft(
            provider_id=provider_id,
            visit_type=VisitType.LEARNER_EDUCATOR_REVIEW,
            title="Learner and educator review 2024",
            starts_on=date(2024, 3, 5),
        )
    )
    earlier_id = earlier.summary.id
    imr = demo.findings.propose(
        earlier_id, FindingKind.IMMEDIATE_MANDATORY_REQUIREMENT, "Unsupervised F1 nights"
    )
    demo.findings.issue_reference(imr.id)
    mr = demo.findings.propose(earlier_id, FindingKind.MANDATORY_REQUIREMENT, "Induction gaps")
    demo.findings.issue_reference(mr.id)
    demo.findings.update(mr.id, {"status": "open"})
    demo.findings.propose(earlier_id, FindingKind.GOOD_PRACTICE, "Excellent local teaching")
    # A requirement of the visit being briefed is not an *earlier* requirement.
    demo.findings.propose(planned, FindingKind.MANDATORY_REQUIREMENT, "Not earlier")
    _add_action(demo, mr.id, earlier_id, ActionStatus.IN_PROGRESS, date(2024, 6, 1))
    _add_action(demo, mr.id, earlier_id, ActionStatus.CLOSED, date(2024, 5, 1))

    pack = demo.briefing.for_visit(planned)

    rows = {r.finding.reference: r for r in pack.earlier_requirements}
    assert set(rows) == {"IMR1", "MR1"}
    assert rows["IMR1"].actions == ()
    assert rows["IMR1"].action_status is None
    assert rows["MR1"].finding.status.value == "open"
    assert rows["MR1"].visit_title == "Learner and educator review 2024"
    assert rows["MR1"].visit_status is VisitStatus.PLANNED
    assert rows["MR1"].visit_starts_on == date(2024, 3, 5)
    assert [a.status for a in rows["MR1"].actions] == [
        ActionStatus.IN_PROGRESS,
        ActionStatus.CLOSED,
    ]
    assert rows["MR1"].action_status is ActionStatus.IN_PROGRESS
    assert rows["MR1"].actions[0].history[0][1:] == (
        ActionStatus.IN_PROGRESS,
        "reported at the quarterly meeting",
    )


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ((), None),
        ((ActionStatus.CLOSED, ActionStatus.CLOSED), ActionStatus.CLOSED),
        ((ActionStatus.CLOSED, ActionStatus.OVERDUE), ActionStatus.OVERDUE),
        ((ActionStatus.NOT_STARTED,), ActionStatus.NOT_STARTED),
        ((ActionStatus.CLOSED, ActionStatus.EVIDENCE_SUBMITTED), ActionStatus.EVIDENCE_SUBMITTED),
        ((ActionStatus.NOT_STARTED, ActionStatus.CLOSED), ActionStatus.IN_PROGRESS),
    ],
)
def test_an_action_plan_is_summarised_by_its_least_finished_action(
    statuses: tuple[ActionStatus, ...], expected: ActionStatus | None
) -> None:
    assert summarise_actions(statuses) is expected


def test_an_unknown_visit_is_reported(demo: Services) -> None:
    with pytest.raises(NotFound):
        demo.briefing.for_visit("no-such-visit")
