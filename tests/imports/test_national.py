"""The national-scale generator: the shape the issue asks for, deterministic from the seed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eqvisit.app_services import Services
from eqvisit.paths import ProfilePaths
from eqvisit.storage.models import IntelligenceItem, Provider
from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.server.models import ServerRecord
from eqvisit.sync.server.national import NationalScale, NationalSummary, generate_national
from tests.imports.conftest import ETR

SMALL = NationalScale().smaller(100)


def generate(folder: Path, seed: int) -> tuple[NationalSummary, dict[tuple[str, str], Any]]:
    engine = open_central_store(str(folder / f"central-{seed}.sqlite3"))
    try:
        summary = generate_national(engine, ETR, seed=seed, scale=SMALL)
        with Session(engine) as session:
            content = {
                (record_type, record_id): {k: v["value"] for k, v in state.items()}
                for record_type, record_id, state in session.execute(
                    select(ServerRecord.record_type, ServerRecord.record_id, ServerRecord.state)
                )
                # Users (and so panel seats) get fresh ids and password hashes on every run.
                if record_type not in ("users", "panel_members")
            }
            for fields in content.values():
                fields.pop("proposed_by", None)
    finally:
        engine.dispose()
    return summary, content


def test_the_full_scale_is_the_volume_the_issue_asks_for() -> None:
    full = NationalScale()
    assert full.gp_practices == 14_000
    assert full.nts_rows >= 1_000_000
    assert len(full.nts_years) == 5
    assert 100 <= full.visits <= 1_000


def test_a_small_national_store_has_every_part_and_is_labelled_synthetic(tmp_path: Path) -> None:
    summary, content = generate(tmp_path, 7)
    assert (summary.trusts, summary.gp_practices, summary.nts_rows) == (218, 140, 10_000)
    assert summary.sites >= 2 * 218 and summary.nets_rows > 0
    assert summary.cqc_rows == 6 * (218 + 140)
    assert summary.visits == SMALL.visits and summary.findings >= 4 * SMALL.visits
    kinds = Counter(f["kind"] for (t, _i), f in content.items() if t == "providers")
    assert kinds == {"trust": 218, "trust_site": summary.sites, "gp_practice": 140}
    codes = {f["ods_code"] for (t, _i), f in content.items() if t == "providers"}
    sites = [f for (t, _i), f in content.items() if t == "providers" and f["kind"] == "trust_site"]
    assert all(site["parent_code"] in codes and "SYNTHETIC" in site["name"] for site in sites)
    items = [f for (t, _i), f in content.items() if t == "intelligence_items"]
    assert Counter(i["source"] for i in items) == {
        "nts": 10_000,
        "nets": summary.nets_rows,
        "cqc": summary.cqc_rows,
    }
    assert all(i["dimensions"]["synthetic"] is True for i in items)
    assert {i["period"] for i in items if i["source"] == "nts"} == set(SMALL.nts_years)
    findings = [f for (t, _i), f in content.items() if t == "findings"]
    assert len(findings) == summary.findings
    assert {f["reference"][:1] for f in findings} <= {"I", "M", "R", "G"}


def test_the_same_seed_gives_the_same_content_and_another_seed_does_not(tmp_path: Path) -> None:
    for name in "abc":
        (tmp_path / name).mkdir()
    _, first = generate(tmp_path / "a", 7)
    _, again = generate(tmp_path / "b", 7)
    _, other = generate(tmp_path / "c", 8)
    assert len(first) > 25_000
    assert first == again
    assert first != other


def test_the_national_demo_profile_is_signed_in_as_the_lead_and_holds_one_region(
    services: Services, profile: ProfilePaths
) -> None:
    summary = services.demo.build_national(
        ETR, profile.data_dir / "central.sqlite3", seed=3, scale=NationalScale().smaller(200)
    )
    assert summary.sync.pulled > 0
    with services.context.store.unit_of_work() as uow:
        items = uow.session.scalars(select(IntelligenceItem.provider_id)).all()
        providers = dict(uow.session.execute(select(Provider.id, Provider.region_code)).all())
    assert len(providers) == summary.providers, "every organisation is reference data"
    visit = services.visits.get(summary.visit_id)
    region = providers[visit.summary.provider_id]
    assert items, "the lead receives the intelligence of the visit's region"
    assert {providers[pid] for pid in items} == {region}
