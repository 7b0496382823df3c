"""The briefing pack PDF, read back: the visit's facts, panel, triggers, flags and trends."""

from __future__ import annotations

from pathlib import Path

import pytest

from eqvisit.app_services import Services
from eqvisit.cli import main
from eqvisit.errors import InvalidValue
from eqvisit.paths import ProfilePaths
from eqvisit.services.briefing_report import BriefingReportService
from tests.reports.conftest import WELSH, pdf_text
from tests.reports.test_visit_report import squeezed


def test_the_briefing_pack_pdf_shows_the_pack(demo: Services) -> None:
    (visit,) = demo.visits.list_visits()
    demo.visits.update(visit.id, {"reason": f"Concerns about handover at {WELSH} 😀"})
    pack = demo.briefing.for_visit(visit.id)
    text = pdf_text(demo.briefing_report.pdf(visit.id))
    for heading in (
        "Briefing pack",
        "Why we are visiting",
        "National Training Survey flags",
        "Panel",
        "Agenda",
        "Intelligence that triggered the visit",
        "Red and pink NTS results this year",
        "Trends by indicator",
        "Requirements from earlier visits",
    ):
        assert heading in text, heading
    assert squeezed(f"Concerns about handover at {WELSH} 😀") in squeezed(text)
    for member in pack.visit.panel:
        assert member.user.display_name in text
    for session in pack.visit.sessions:
        assert squeezed(session.title) in squeezed(text)
    for trigger in pack.triggers:
        assert trigger.indicator in text
    assert pack.provider.name in text
    assert "Page 1 of" in text and "DRAFT" not in text


def test_invariant_briefing_is_byte_stable(demo: Services) -> None:
    (visit,) = demo.visits.list_visits()
    stable = BriefingReportService(demo.briefing, invariant=True)
    assert stable.pdf(visit.id) == stable.pdf(visit.id)


def test_briefing_command(demo: Services, profile: ProfilePaths, tmp_path: Path) -> None:
    (visit,) = demo.visits.list_visits()
    target = tmp_path / "briefing.pdf"
    assert (
        main(
            ["briefing", visit.id, "--out", str(target), "--profile", str(profile.data_dir.parent)]
        )
        == 0
    )
    assert "Briefing pack" in pdf_text(target.read_bytes())
    with pytest.raises(InvalidValue, match=r"must end in \.pdf"):
        demo.briefing_report.save(visit.id, tmp_path / "briefing.txt")
