"""ODS extracts into the central store: the real etr.csv, a changed copy, sites and practices."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from eqvisit.domain.enums import ProviderKind
from eqvisit.errors import ImportFileError
from eqvisit.sync.server.importing.ods import OdsImportReport, import_ods
from eqvisit.sync.server.models import ServerRecord
from tests.imports.conftest import ETR, ods_row, store_digest, write_lines
from tests.sync.conftest import Central


def run(central: Central, path: Path, **kwargs: Any) -> OdsImportReport:
    with central.session() as session, session.begin():
        return import_ods(session, central.clock, path, **kwargs)


def providers(central: Central) -> dict[str, dict[str, Any]]:
    with Session(central.engine) as session:
        states = session.scalars(
            select(ServerRecord.state).where(ServerRecord.record_type == "providers")
        )
        found = [{k: v["value"] for k, v in state.items()} for state in states]
    return {p["ods_code"]: p for p in found}


def test_the_real_etr_loads_every_trust_and_a_second_import_changes_nothing(
    central: Central,
) -> None:
    report = run(central, ETR)
    assert (report.kind, report.rows, report.added, report.updated, report.rejected) == (
        ProviderKind.TRUST,
        218,
        217,
        1,
        (),
    )
    assert report.missing == ()
    loaded = providers(central)
    seeded = loaded["RXX"]  # created by hand as "St Elsewhere" before the extract was loaded
    assert seeded["name"] == "SURREY AND BORDERS PARTNERSHIP NHS FOUNDATION TRUST"
    assert seeded["postcode"] == "KT22 7AD"
    manchester = loaded["R0A"]
    assert manchester["name"] == "MANCHESTER UNIVERSITY NHS FOUNDATION TRUST"
    assert manchester["region_code"] == "Y62"
    assert manchester["postcode"] == "M13 9WL"
    assert manchester["opened_on"] == "2017-10-01"
    assert manchester["status"] == "active"

    before = store_digest(central)
    again = run(central, ETR)
    assert (again.added, again.updated, again.closed, again.unchanged) == (0, 0, 0, 218)
    assert store_digest(central) == before


def test_a_changed_copy_renames_closes_and_adds(central: Central, tmp_path: Path) -> None:
    run(central, ETR)
    lines = ETR.read_text(encoding="utf-8").splitlines()
    dorset = next(i for i, line in enumerate(lines) if line.startswith('"R0D"'))
    lines[dorset] = lines[dorset].replace(
        "UNIVERSITY HOSPITALS DORSET NHS FOUNDATION TRUST",
        "UNIVERSITY HOSPITALS DORSET (RENAMED) NHS FT",
    )
    closing = lines[10].split(",")
    closing[11] = '"20260331"'
    lines[10] = ",".join(closing)
    lines.append(ods_row("RZZ", "NEW TOWN NHS TRUST"))
    changed = write_lines(tmp_path / "etr.csv", lines, newline="\r\n")
    closed_code = closing[0].strip('"')

    report = run(central, changed)
    assert (report.rows, report.added, report.updated, report.closed, report.unchanged) == (
        219,
        1,
        1,
        1,
        216,
    )
    text = report.render()
    assert "1 added, 1 updated, 1 closed, 216 unchanged, 0 rejected" in text
    loaded = providers(central)
    assert loaded["R0D"]["name"] == "UNIVERSITY HOSPITALS DORSET (RENAMED) NHS FT"
    assert loaded[closed_code]["status"] == "closed"
    assert loaded[closed_code]["closed_on"] == "2026-03-31"
    assert loaded["RZZ"]["name"] == "NEW TOWN NHS TRUST"
    assert len(loaded) == 219


def test_sites_link_to_their_trust_and_an_unknown_parent_is_reported(
    central: Central, tmp_path: Path
) -> None:
    run(central, ETR)
    ets = write_lines(
        tmp_path / "ets.csv",
        [
            ods_row("R0A02", "MANCHESTER ROYAL INFIRMARY", parent="R0A"),
            ods_row("R0A07", "WYTHENSHAWE HOSPITAL", parent="R0A", quoted=False),
            ods_row("R0B01", "SUNDERLAND ROYAL HOSPITAL", parent="R0B", fields=24),
            ods_row("RQQ01", "ORPHAN SITE", parent="RQQ"),
        ],
    )
    report = run(central, ets)
    assert (report.kind, report.added) == (ProviderKind.TRUST_SITE, 4)
    assert report.unlinked == ("RQQ",)
    assert "parent codes name no known organisation" in report.render()
    loaded = providers(central)
    assert loaded["R0A07"]["parent_code"] == "R0A"
    assert loaded["R0B01"]["parent_code"] == "R0B"
    assert loaded["R0A02"]["kind"] == "trust_site"


def test_gp_practices_in_both_layouts_with_status_codes_or_words(
    central: Central, tmp_path: Path
) -> None:
    current = write_lines(
        tmp_path / "practices-2026.csv",
        [
            ods_row("A81001", "THE DENSHAM SURGERY", status="A", parent="16C", setting="4"),
            ods_row("A81002", "QUEENS PARK MEDICAL CENTRE", status="ACTIVE", setting="4"),
            ods_row(
                "A81003", "VICTORIA MEDICAL PRACTICE", status="C", closed="20240131", setting="4"
            ),
            ods_row("A81004", "ACKLAM MEDICAL CENTRE", status="DORMANT", setting="4"),
        ],
    )
    report = run(central, current)
    assert (report.kind, report.added) == (ProviderKind.GP_PRACTICE, 4)
    loaded = providers(central)
    assert [loaded[c]["status"] for c in ("A81001", "A81002", "A81003", "A81004")] == [
        "active",
        "active",
        "closed",
        "dormant",
    ]
    assert loaded["A81001"]["parent_code"] is None, "a commissioner is not a parent provider"

    older = write_lines(
        tmp_path / "epraccur.csv",
        [ods_row("A81005", "RIVERSIDE SURGERY", status="P", fields=24, quoted=False)],
    )
    report = run(central, older)
    assert (report.kind, report.added) == (ProviderKind.GP_PRACTICE, 1), "kind from the file name"
    assert providers(central)["A81005"]["status"] == "proposed"


def test_dental_practices_are_detected_by_their_codes(central: Central, tmp_path: Path) -> None:
    dental = write_lines(tmp_path / "extract.csv", [ods_row("V00001", "SMILE DENTAL CARE")])
    assert run(central, dental).kind is ProviderKind.DENTAL_PRACTICE


def test_rows_that_do_not_fit_are_rejected_with_their_line(
    central: Central, tmp_path: Path
) -> None:
    lines = [
        ods_row("RAA", "FIRST NHS TRUST"),
        ods_row("RAAB", "FOUR CHARACTER CODE"),
        ods_row("RAC", ""),
        ods_row("RAA", "FIRST NHS TRUST AGAIN"),
        ods_row("RAD", "FOURTH NHS TRUST"),
    ]
    report = run(central, write_lines(tmp_path / "mixed.csv", lines), kind=ProviderKind.TRUST)
    assert report.added == 2
    assert [(r.line, r.code) for r in report.rejected] == [(2, "RAAB"), (3, "RAC"), (4, "RAA")]
    text = report.render()
    assert "rejected line 2 (RAAB): a trust code has 3 characters, not 4" in text
    assert "rejected line 3 (RAC): no name" in text
    assert "rejected line 4 (RAA): repeats the code of line 1" in text
    assert providers(central)["RAA"]["name"] == "FIRST NHS TRUST"


def test_a_code_held_by_another_kind_is_rejected(central: Central, tmp_path: Path) -> None:
    practice = ods_row("A81001", "THE DENSHAM SURGERY", setting="4")
    run(central, write_lines(tmp_path / "epraccur.csv", [practice]))
    dental = write_lines(tmp_path / "egdpprac.csv", [practice])
    report = run(central, dental, kind=ProviderKind.DENTAL_PRACTICE)
    assert report.added == 0
    assert report.rejected[0].reason == "this code is already recorded as a gp_practice"
    wrong_length = run(central, dental, kind=ProviderKind.TRUST_SITE)
    assert wrong_length.rejected[0].reason == "a trust_site code has 5 characters, not 6"


def test_close_missing_marks_absent_organisations_closed(central: Central, tmp_path: Path) -> None:
    run(central, ETR)
    lines = ETR.read_text(encoding="utf-8").splitlines()
    still_open = sorted(f[0] for f in csv.reader(lines[200:]) if not f[11])
    few = write_lines(tmp_path / "etr.csv", lines[:200])
    kept = run(central, few)
    assert (kept.closed, kept.missing, kept.missing_closed) == (0, tuple(still_open), False)
    assert "left as they are (--close-missing marks them closed)" in kept.render()
    report = run(central, few, close_missing=True)
    assert report.closed == len(still_open) > 10
    loaded = providers(central)
    assert {loaded[code]["status"] for code in still_open} == {"closed"}
    assert loaded["R0A"]["status"] == "active"


def test_a_file_whose_kind_cannot_be_told_needs_kind(central: Central, tmp_path: Path) -> None:
    mixed = write_lines(tmp_path / "orgs.csv", [ods_row("RAA", "A"), ods_row("RAA01", "B")])
    with pytest.raises(ImportFileError, match="give --kind"):
        run(central, mixed)
