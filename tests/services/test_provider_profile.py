"""Provider search filters, filter choices and the provider profile, on the real demo store."""

from __future__ import annotations

from datetime import date

from eqvisit.app_services import Services
from eqvisit.domain.enums import (
    ActionStatus,
    FindingKind,
    IntelligenceSource,
    NtsFlag,
    OrgStatus,
    VisitType,
)
from eqvisit.domain.provider_filter import ProviderFilter
from eqvisit.services.visits import VisitDraft
from tests.services.test_briefing import _add_action


def test_filters_narrow_by_region_icb_status_and_red_flags(demo: Services) -> None:
    everyone = demo.providers.search("", limit=1000)
    choices = demo.providers.filter_choices()
    assert set(choices.regions) == {p.region_code for p in everyone if p.region_code}
    assert set(choices.icbs) == {p.icb_code for p in everyone if p.icb_code}

    region = choices.regions[0]
    in_region = demo.providers.search("", ProviderFilter(region_code=region), limit=1000)
    assert in_region and {p.region_code for p in in_region} == {region}
    assert len(in_region) == sum(1 for p in everyone if p.region_code == region)

    icb = choices.icbs[0]
    in_icb = demo.providers.search("", ProviderFilter(icb_code=icb), limit=1000)
    assert in_icb and {p.icb_code for p in in_icb} == {icb}

    flagged = demo.providers.search("", ProviderFilter(red_flags_only=True), limit=1000)
    assert {p.id for p in flagged} == {p.id for p in everyone if p.red_flags > 0}
    assert len(flagged) < len(everyone)

    closed = demo.providers.search("", ProviderFilter(status=OrgStatus.CLOSED), limit=1000)
    assert all(p.status is OrgStatus.CLOSED for p in closed)
    assert demo.providers.search("manchester", ProviderFilter(region_code="nowhere")) == []


def test_the_profile_groups_intelligence_and_lists_visits_and_open_requirements(
    demo: Services,
) -> None:
    (planned,) = demo.visits.list_visits()
    provider_id = planned.provider_id
    earlier = demo.visits.create(
        VisitDraft(
            provider_id=provider_id,
            visit_type=VisitType.PROGRAMME_REVIEW,
            title="Programme review 2023",
            starts_on=date(2023, 9, 1),
        )
    )
    open_mr = demo.findings.propose(earlier.summary.id, FindingKind.MANDATORY_REQUIREMENT, "Rota")
    done_mr = demo.findings.propose(earlier.summary.id, FindingKind.MANDATORY_REQUIREMENT, "Wi-Fi")
    _add_action(demo, done_mr.id, earlier.summary.id, ActionStatus.CLOSED, date(2023, 12, 1))
    demo.findings.propose(earlier.summary.id, FindingKind.RECOMMENDATION, "Not a requirement")

    profile = demo.providers.profile(provider_id)

    assert profile.detail.provider.id == provider_id
    (nts,) = profile.groups
    assert nts.source is IntelligenceSource.NTS
    assert len(nts.items) == len(profile.detail.intelligence)
    periods = [i.period for i in nts.items]
    assert periods == sorted(periods, reverse=True), "latest period first"
    assert all(i.flag in (NtsFlag.RED, NtsFlag.PINK) for i in profile.nts_flags)
    assert profile.trends and all(s.source is IntelligenceSource.NTS for s in profile.trends)
    assert [r.finding.id for r in profile.open_requirements] == [open_mr.id]
    assert [v.title for v in profile.visits] == [planned.title, "Programme review 2023"]


def test_editing_triggers_and_sites_replaces_them_and_can_bring_one_back(demo: Services) -> None:
    (planned,) = demo.visits.list_visits()
    detail = demo.visits.get(planned.id)
    first, *rest = detail.trigger_ids
    assert rest, "the demo visit has several triggers"

    kept = demo.visits.set_triggers(planned.id, [first])
    assert kept.trigger_ids == (first,)
    restored = demo.visits.set_triggers(planned.id, detail.trigger_ids)
    assert set(restored.trigger_ids) == set(detail.trigger_ids)

    other = demo.providers.search("sunderland")[0]
    with_site = demo.visits.set_sites(planned.id, [other.id])
    assert [s.id for s in with_site.sites] == [other.id]
    assert demo.visits.set_sites(planned.id, []).sites == ()


def test_removing_a_session_takes_it_off_the_agenda(demo: Services) -> None:
    (planned,) = demo.visits.list_visits()
    detail = demo.visits.get(planned.id)
    gone = detail.sessions[0]
    after = demo.visits.remove_session(gone.id)
    assert gone.id not in [s.id for s in after.sessions]
    assert len(after.sessions) == len(detail.sessions) - 1
