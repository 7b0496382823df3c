"""The Reports page: generate, preview, sign off, save and export, all through the worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from eqvisit.app_services import Services
from eqvisit.ui.main_window import MainWindow
from tests.reports.conftest import fill_visit, pdf_text, to_findings


def test_generate_preview_sign_off_save_and_export(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, demo: Services, tmp_path: Path
) -> None:
    filled = fill_visit(demo, findings=12)
    to_findings(demo, filled.visit_id)
    saved: list[str] = []
    page = window.report_page
    page._ask_path = lambda _parent, _title, suggested, _filters: str(  # the save dialog
        tmp_path / (saved.append(suggested) or suggested)
    )
    window.navigation.setCurrentRow(3)
    qtbot.waitUntil(lambda: page.visit_id == filled.visit_id, timeout=10_000)
    qtbot.waitUntil(lambda: page.generate_button.isEnabled(), timeout=10_000)
    assert not page.save_button.isEnabled(), "nothing to save before a version exists"

    qtbot.mouseClick(page.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Draft version 1 issued" in page.message.text(), timeout=20_000)
    qtbot.waitUntil(lambda: len(page.page_images) == 4, timeout=20_000)
    first = page.page_images[0].pixmap()
    assert first.width() > 500 and first.height() > first.width(), "an A4 page, portrait"
    assert page.versions.count() == 1 and "draft" in page.versions.item(0).text()
    qtbot.mouseClick(page.more_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(page.page_images) > 4, timeout=20_000)
    total = len(page.page_images)
    assert f"{total} of {total} shown" in page.more_button.text() or page.more_button.isEnabled()

    qtbot.mouseClick(page.sign_off_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Final version 2 issued" in page.message.text(), timeout=20_000)
    qtbot.waitUntil(lambda: page.versions.count() == 2, timeout=10_000)
    assert page.version is not None and page.version.final
    assert page.versions.item(1).text().startswith("v1 · draft"), "the draft is kept"

    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved version 2" in page.message.text(), timeout=10_000)
    assert saved == ["report-v2-final.pdf"]
    text = pdf_text((tmp_path / "report-v2-final.pdf").read_bytes())
    assert "Signed off by Dr Asha Patel" in text and "DRAFT" not in text

    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Exported 9 action plan rows" in page.message.text(), timeout=10_000)
    assert (tmp_path / "action-plan.xlsx").read_bytes().startswith(b"PK")


def test_a_refusal_is_shown_in_words(qtbot, window: MainWindow, demo: Services) -> None:  # type: ignore[no-untyped-def]
    demo.users.sign_in_locally("panel1")
    page = window.report_page
    window.navigation.setCurrentRow(3)
    qtbot.waitUntil(lambda: page.sign_off_button.isEnabled(), timeout=10_000)
    qtbot.mouseClick(page.sign_off_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Only the visit's lead" in page.message.text(), timeout=10_000)
    assert page.generate_button.isEnabled()
