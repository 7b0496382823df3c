from __future__ import annotations

from PySide6.QtCore import Qt

from eqvisit.domain.enums import VisitStatus
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.table_models import (
    PanelTableModel,
    ProviderTableModel,
    SessionTableModel,
    VisitTableModel,
)


def wait_idle(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)


def test_window_opens_with_sections_and_a_status_bar(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    wait_idle(qtbot, window)
    assert [window.navigation.item(i).text() for i in range(window.navigation.count())] == [
        "Providers",
        "Visits",
        "Sync",
        "Reports",
        "Findings",
    ]
    qtbot.waitUntil(lambda: "changes waiting" in window.sync_label.text())
    assert "Dr Asha Patel" in window.user_label.text()


def test_typing_in_search_shows_matching_providers(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    wait_idle(qtbot, window)
    page = window.providers_page
    assert page.model.rowCount() == 200, "an empty search lists providers (first page)"
    qtbot.keyClicks(page.search_box, "sunderland")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5_000)
    assert page.model.row_at(0).ods_code == "R0B"
    assert "1 providers" in page.result_label.text()
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: "SOUTH TYNESIDE" in page.profile.toHtml(), timeout=5_000)
    assert "Survey flags" in page.profile.toHtml()


def test_no_match_says_what_to_try(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = window.providers_page
    qtbot.keyClicks(page.search_box, "qqqqqq")
    qtbot.waitUntil(lambda: "No provider matches" in page.result_label.text(), timeout=5_000)


def test_a_refused_transition_shows_its_message(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.navigation.setCurrentRow(1)
    page = window.visits_page
    qtbot.waitUntil(lambda: page.move_button.isEnabled(), timeout=5_000)
    page.status_combo.setCurrentIndex(page.status_combo.findData(VisitStatus.REPORT_FINAL))
    qtbot.mouseClick(page.move_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "cannot move to 'report_final'" in page.transition_message.text(), timeout=5_000
    )
    assert "Planned" in page.detail.toHtml()


def test_an_allowed_transition_moves_the_visit(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.navigation.setCurrentRow(1)
    page = window.visits_page
    qtbot.waitUntil(lambda: page.move_button.isEnabled(), timeout=5_000)
    page.status_combo.setCurrentIndex(page.status_combo.findData(VisitStatus.BRIEFING))
    qtbot.mouseClick(page.move_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Moved to Briefing" in page.transition_message.text(), timeout=5_000)


def test_item_models_pass_qtmodeltester(qtmodeltester, qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    wait_idle(qtbot, window)
    window.navigation.setCurrentRow(1)
    page = window.visits_page
    qtbot.waitUntil(lambda: page.session_model.rowCount() > 0, timeout=5_000)
    assert page.panel_model.rowCount() > 0 and window.providers_page.model.rowCount() > 0
    page.filter_text.setText("review")
    for model in (
        window.providers_page.model,
        window.providers_page.table.model(),
        page.model,
        page.proxy,
        page.panel_model,
        page.session_model,
    ):
        qtmodeltester.check(model, force_py=True)
    for empty in (ProviderTableModel(), VisitTableModel(), PanelTableModel(), SessionTableModel()):
        qtmodeltester.check(empty, force_py=True)


def test_keyboard_shortcuts_switch_sections(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is window.visits_page
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is window.sync_page
