from __future__ import annotations

from pathlib import Path

import pytest

from eqvisit.app_services import Services
from eqvisit.domain.enums import IntelligenceSource, NtsFlag, OrgStatus, ProviderKind
from eqvisit.domain.ods import read_ods_lines
from eqvisit.domain.provider_filter import ProviderFilter
from eqvisit.errors import ImportFileError
from eqvisit.storage.repositories import providers
from eqvisit.sync.server.demo import SYNTHETIC_NOTE
from tests.conftest import ETR_FILE


def test_demo_loads_every_real_trust(demo: Services) -> None:
    rows = ETR_FILE.read_text(encoding="utf-8").strip().splitlines()
    assert demo.providers.count() == len(rows) == 218


@pytest.mark.parametrize(
    ("query", "expected_code"),
    [
        ("manchester university", "R0A"),
        ("R0A", "R0A"),
        ("r0a", "R0A"),
        ("M13 9WL", "R0A"),
        ("sunderl", "R0B"),
    ],
)
def test_search_by_name_code_postcode_and_prefix(
    demo: Services, query: str, expected_code: str
) -> None:
    assert expected_code in [row.ods_code for row in demo.providers.search(query)]


def test_search_needs_every_word_and_survives_fts_syntax(demo: Services) -> None:
    assert demo.providers.search("manchester zzzz") == []
    for hostile in ['"', "AND OR NOT", "name:*", "(", "'; DROP TABLE providers; --"]:
        demo.providers.search(hostile)
    assert demo.providers.count() == 218


def test_demo_intelligence_is_labelled_synthetic_and_the_visit_is_triggered_by_red_flags(
    demo: Services,
) -> None:
    (visit,) = demo.visits.list_visits()
    detail = demo.visits.get(visit.id)
    profile = demo.providers.get(visit.provider_id)
    assert profile.intelligence
    assert all(
        item.text == SYNTHETIC_NOTE and item.dimensions["synthetic"]
        for item in profile.intelligence
    )
    triggers = {item.id: item for item in profile.intelligence if item.id in detail.trigger_ids}
    assert triggers and all(
        item.flag is NtsFlag.RED and item.source is IntelligenceSource.NTS
        for item in triggers.values()
    )
    assert len(detail.panel) == 4 and len(detail.sessions) == 5


def test_demo_is_deterministic(tmp_path: Path, services: Services) -> None:
    from eqvisit.app_services import open_services
    from eqvisit.paths import resolve_profile

    other = open_services(resolve_profile(tmp_path / "other"))
    try:
        services.demo.build(ETR_FILE, tmp_path / "central-a.sqlite3", seed=7)
        other.demo.build(ETR_FILE, tmp_path / "central-b.sqlite3", seed=7)

        def flags(s: Services) -> list[tuple[str, str, str | None]]:
            trust = s.providers.search("R0A")[0]
            return sorted(
                (i.period, i.indicator, i.flag) for i in s.providers.get(trust.id).intelligence
            )

        assert flags(services) == flags(other)
    finally:
        other.close()


def test_ods_reader_names_the_line_of_a_bad_row(tmp_path: Path) -> None:
    good = ETR_FILE.read_text(encoding="utf-8").splitlines()[0]
    lines = [good, '"RXX","SHORT ROW"', good]
    with pytest.raises(ImportFileError, match=r"etr.csv:2: has 2 fields"):
        list(read_ods_lines(lines, "etr.csv", ProviderKind.TRUST))
    bad_date = good.replace('"20171001"', '"20171301"')
    with pytest.raises(
        ImportFileError, match=r"etr.csv:1: open date: '20171301' is not a real date"
    ):
        list(read_ods_lines([bad_date], "etr.csv", ProviderKind.TRUST))


@pytest.mark.parametrize(
    "narrowed",
    [
        ProviderFilter(),
        ProviderFilter(red_flags_only=True),
        ProviderFilter(kinds=(ProviderKind.TRUST,), status=OrgStatus.ACTIVE),
        ProviderFilter(region_code="Y56"),
    ],
    ids=["no filter", "red flags", "active trusts", "one region"],
)
def test_broad_and_narrow_searches_list_the_same_providers(
    demo: Services, narrowed: ProviderFilter
) -> None:
    """A broad match walks the name index and a narrow one sorts its matches: both plans must
    give the same first rows in the same order, ties on the name included."""
    queries = ["n", "nhs", "r", "royal", "hospital", "university hosp", "R0A", "Y56", "zzzz"]
    with demo.context.store.unit_of_work() as uow:
        for query in queries:
            walked = providers.search(uow.session, query, narrowed, limit=25, broad_at=1)
            sorted_ = providers.search(uow.session, query, narrowed, limit=25, broad_at=10**9)
            assert [tuple(r) for r in walked] == [tuple(r) for r in sorted_], query
    names = [row.name for row in demo.providers.search("nhs", narrowed, limit=1000)]
    assert names == sorted(names)
