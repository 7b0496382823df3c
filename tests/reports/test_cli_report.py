"""``eqvisit report`` and ``eqvisit export-actions`` on a demo profile."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from eqvisit.app_services import Services
from eqvisit.cli import main
from eqvisit.paths import ProfilePaths
from tests.reports.conftest import fill_visit, pdf_text, to_findings


def run(profile: ProfilePaths, *args: str) -> int:
    return main([*args, "--profile", str(profile.data_dir.parent)])


def test_report_writes_a_draft_then_the_final_as_issued(
    demo: Services, profile: ProfilePaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    filled = fill_visit(demo, findings=3)
    draft = tmp_path / "draft.pdf"
    assert run(profile, "report", filled.visit_id, "--out", str(draft)) == 0
    assert "draft version 1 (the report is not signed off yet)" in capsys.readouterr().out
    assert "DRAFT" in pdf_text(draft.read_bytes())
    to_findings(demo, filled.visit_id)
    final = tmp_path / "final.pdf"
    assert run(profile, "report", filled.visit_id, "--out", str(final), "--sign-off") == 0
    assert "signed off: final version 2" in capsys.readouterr().out
    again = tmp_path / "again.pdf"
    assert run(profile, "report", filled.visit_id, "--out", str(again)) == 0
    assert "final version 2, as issued" in capsys.readouterr().out
    assert again.read_bytes() == final.read_bytes()
    (version,) = [v for v in demo.reports.versions(filled.visit_id) if v.number == 2]
    assert hashlib.sha256(final.read_bytes()).hexdigest() == version.sha256
    assert run(profile, "report", filled.visit_id, "--out", str(again), "--draft") == 0
    assert "DRAFT" in pdf_text(again.read_bytes())
    assert [v.number for v in demo.reports.versions(filled.visit_id)] == [3, 2, 1]


def test_export_actions_and_clear_errors(
    demo: Services, profile: ProfilePaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    filled = fill_visit(demo, findings=4)
    target = tmp_path / "plan.xlsx"
    assert run(profile, "export-actions", filled.visit_id, "--out", str(target)) == 0
    assert "3 action plan rows" in capsys.readouterr().out
    assert target.read_bytes().startswith(b"PK")
    assert run(profile, "report", filled.visit_id, "--out", str(tmp_path / "r.txt")) != 0
    assert "r.txt must end in .pdf" in capsys.readouterr().err
    assert run(profile, "report", "no-such-visit", "--out", str(tmp_path / "r.pdf")) != 0
    assert "no-such-visit" in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()
