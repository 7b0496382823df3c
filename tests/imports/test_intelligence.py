"""Intelligence CSVs into the central store, and from there to the laptops of the visit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from eqvisit.storage.models import IntelligenceItem
from eqvisit.sync.server.importing.intelligence import (
    IntelligenceImportReport,
    import_intelligence,
)
from eqvisit.sync.server.importing.ods import import_ods
from tests.imports.conftest import ETR, store_digest, write_lines
from tests.sync.conftest import Central, Laptop

SAMPLES = {
    "nts": [
        "year,ods_code,survey,programme,level,indicator,n,mean,ci_lower,ci_upper,"
        "benchmark_q1,benchmark_median,benchmark_q3,flag",
        "2025,RXX,trainee,Foundation,F1,Handover,24,61.5,55.2,67.8,70.1,74.3,78.0,red",
        "2025,RXX,trainee,Foundation,F1,Induction,2,,,,,,,grey",
        "2025,RXX,trainer,Foundation,,Support for trainers,9,80,,,,79,,Light green",
        "2025,R0A,trainee,Foundation,F1,Handover,31,70.2,,,,74.3,,white",
        "2025,QQQ,trainee,Foundation,F1,Handover,31,70.2,,,,74.3,,white",
        "2025,QQQ,trainee,Foundation,F1,Teamwork,31,70.2,,,,74.3,,white",
    ],
    "nets": [
        "period,ods_code,profession,theme,question,n,percent_positive",
        "2025,RXX,Nursing,Clinical supervision,My supervisor was available when I needed them,"
        "40,62.5",
        '2025,RXX,Pharmacy,Facilities,"I had somewhere quiet to study, when I needed it",0,',
    ],
    "cqc": [
        "ods_code,rating_date,domain,rating",
        "RXX,2024-06-12,Overall,Requires improvement",
        "RXX,2024-06-12,well-led,inadequate",
    ],
    "concerns": [
        "reference,ods_code,raised_on,raised_by,summary,status",
        "GSW-2025-014,RXX,2025-11-03,guardian_of_safe_working,"
        "Rota gaps leave F1s covering two wards at night,open",
    ],
    "outcomes": [
        "ods_code,visit_date,reference,kind,text,status,due_on,standard",
        "RXX,2024-03-14,MR2,mandatory_requirement,Protected teaching time is not kept,"
        "in_progress,2024-09-30,3.4",
    ],
}


def run(central: Central, path: Path, source: str) -> IntelligenceImportReport:
    with central.session() as session, session.begin():
        return import_intelligence(session, central.clock, path, source)


@pytest.fixture
def loaded(central: Central) -> Central:
    with central.session() as session, session.begin():
        import_ods(session, central.clock, ETR)
    return central


def test_a_laptop_receives_the_imported_rows_of_its_visits_provider_at_the_next_sync(
    loaded: Central, laptop: Laptop, tmp_path: Path
) -> None:
    panel, panel_sync = laptop("panel1")
    panel_sync.sync_once()
    for source, lines in SAMPLES.items():
        run(loaded, write_lines(tmp_path / f"{source}.csv", lines), source)
    panel_sync.sync_once()
    with panel.context.store.unit_of_work() as uow:
        items = uow.session.scalars(select(IntelligenceItem)).all()
        by_source: dict[str, list[IntelligenceItem]] = {}
        for item in items:
            by_source.setdefault(item.source.value, []).append(item)
        assert {s: len(v) for s, v in by_source.items()} == {
            "nts": 3,  # RXX's three; R0A is not this panel member's provider
            "nets": 2,
            "cqc": 2,
            "concerns": 1,
            "outcomes": 1,
        }
        assert {i.provider_id for i in items} == {loaded.provider_id}
        handover = next(i for i in by_source["nts"] if i.indicator == "Handover")
        assert (handover.period, handover.n, handover.value, handover.benchmark) == (
            "2025",
            24,
            61.5,
            74.3,
        )
        assert handover.flag is not None and handover.flag.value == "red"
        assert handover.dimensions["programme"] == "Foundation"
        assert handover.dimensions["ci_lower"] == 55.2
        trainer = next(i for i in by_source["nts"] if i.dimensions["survey"] == "trainer")
        assert trainer.flag is not None and trainer.flag.value == "light_green"
        well_led = next(i for i in by_source["cqc"] if i.indicator == "Well-led")
        assert (well_led.text, well_led.value, well_led.period) == ("Inadequate", 1.0, "2024-06-12")
        (concern,) = by_source["concerns"]
        assert concern.dimensions == {"reference": "GSW-2025-014", "status": "open"}
        (outcome,) = by_source["outcomes"]
        assert outcome.dimensions["due_on"] == "2024-09-30"

    # A later file with a closed concern updates the row in place, and the laptop follows.
    closed = [line.replace(",open", ",closed") for line in SAMPLES["concerns"]]
    report = run(loaded, write_lines(tmp_path / "concerns-later.csv", closed), "concerns")
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)
    panel_sync.sync_once()
    with panel.context.store.unit_of_work() as uow:
        concerns = uow.session.scalars(
            select(IntelligenceItem).where(IntelligenceItem.source == "concerns")
        ).all()
        assert [c.dimensions["status"] for c in concerns] == ["closed"]


def test_the_same_file_twice_adds_nothing(loaded: Central, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "nts.csv", SAMPLES["nts"])
    first = run(loaded, path, "nts")
    assert (first.rows, first.added, first.updated, first.unchanged) == (6, 4, 0, 0)
    before = store_digest(loaded)
    second = run(loaded, path, "nts")
    assert (second.added, second.updated, second.unchanged) == (0, 0, 4)
    assert store_digest(loaded) == before


def test_unknown_providers_are_reported_with_their_first_line(
    loaded: Central, tmp_path: Path
) -> None:
    report = run(loaded, write_lines(tmp_path / "nts.csv", SAMPLES["nts"]), "nts")
    assert [(u.ods_code, u.rows, u.first_line) for u in report.unknown] == [("QQQ", 2, 6)]
    assert report.skipped == 2
    assert "unknown ODS code QQQ: 2 rows, first on line 6" in report.render()


def test_a_changed_figure_updates_only_that_row(loaded: Central, tmp_path: Path) -> None:
    run(loaded, write_lines(tmp_path / "nts.csv", SAMPLES["nts"]), "nts")
    revised = [line.replace("61.5", "63.0") for line in SAMPLES["nts"]]
    report = run(loaded, write_lines(tmp_path / "nts2.csv", revised), "nts")
    assert (report.added, report.updated, report.unchanged) == (0, 1, 3)


def test_columns_may_come_in_any_order(loaded: Central, tmp_path: Path) -> None:
    lines = ["rating,domain,rating_date,ods_code", "Good,Safe,2023-01-05,r0a"]
    report = run(loaded, write_lines(tmp_path / "cqc.csv", lines), "cqc")
    assert report.added == 1


def test_the_command_line_prints_the_report(
    loaded: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from eqvisit.cli import main

    path = write_lines(tmp_path / "cqc.csv", SAMPLES["cqc"])
    db = loaded.engine.url.render_as_string(hide_password=False)
    args = ["admin", "--profile", str(tmp_path / "p"), "--db", db, "import-intelligence"]
    assert main([*args, str(path), "--source", "cqc"]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: 2 cqc rows — 2 added, 0 updated")
