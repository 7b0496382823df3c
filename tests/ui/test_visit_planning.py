"""Planning a visit through the real dialogs: create, panel, agenda, edit, restart, briefing."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt

from eqvisit.app_services import Services, open_services
from eqvisit.paths import ProfilePaths
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.visit_dialog import ID_ROLE
from tests.ui.test_main_window import wait_idle


def _visit_count(window: MainWindow) -> int:
    return window.visits_page.model.rowCount()


def test_a_visit_planned_with_panel_and_agenda_is_there_after_a_restart(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, profile: ProfilePaths, demo: Services
) -> None:
    # This laptop holds intelligence for the providers of its visits: plan a second visit there.
    code = demo.visits.list_visits()[0].provider_code
    wait_idle(qtbot, window)
    page = window.visits_page
    before = _visit_count(window)

    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = page.visit_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.provider_search, code)
    qtbot.waitUntil(lambda: dialog.provider_choice.count() == 1, timeout=5_000)
    qtbot.waitUntil(lambda: dialog.triggers_list.count() > 0, timeout=5_000)
    qtbot.keyClicks(dialog.title_edit, "Learner and educator review")
    dialog.starts_set.setChecked(True)
    dialog.starts_on.setDate(QDate(2027, 3, 9))
    dialog.reason_edit.setPlainText("Red flags for workload in the latest survey")
    first_trigger = dialog.triggers_list.item(0)
    assert first_trigger.data(ID_ROLE), "the provider's red flags are offered as triggers"
    first_trigger.setCheckState(Qt.CheckState.Checked)
    trigger_id = first_trigger.data(ID_ROLE)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: _visit_count(window) == before + 1, timeout=5_000)
    qtbot.waitUntil(lambda: "Learner and educator review" in page.detail.toHtml(), timeout=5_000)

    page.add_member()
    qtbot.waitUntil(lambda: page.panel_dialog is not None, timeout=5_000)
    panel = page.panel_dialog
    assert panel is not None
    panel.user_combo.setCurrentIndex(
        panel.user_combo.findText("Dr Asha Patel", Qt.MatchFlag.MatchStartsWith)
    )
    panel.role_combo.setCurrentIndex(0)
    panel.accept()
    qtbot.waitUntil(lambda: page.panel_model.rowCount() == 1, timeout=5_000)

    page.add_session()
    qtbot.waitUntil(lambda: page.session_dialog is not None, timeout=5_000)
    session = page.session_dialog
    assert session is not None
    qtbot.keyClicks(session.title_edit, "Foundation doctors")
    qtbot.keyClicks(session.room_edit, "Education centre, room 2")
    session.interviewers.item(0).setCheckState(Qt.CheckState.Checked)
    session.template_combo.setCurrentIndex(1)
    session._try_accept()
    qtbot.waitUntil(lambda: page.session_model.rowCount() == 1, timeout=5_000)
    assert "Dr Asha Patel" in page.session_model.index(0, 4).data()

    visit_id = page._current.summary.id if page._current else ""
    window.close()
    wait_idle(qtbot, window)

    reopened = open_services(profile)
    try:
        detail = reopened.visits.get(visit_id)
        assert detail.summary.title == "Learner and educator review"
        assert detail.summary.provider_code == code
        assert detail.summary.starts_on == date(2027, 3, 9)
        assert detail.trigger_ids == (trigger_id,)
        assert [m.user.display_name for m in detail.panel] == ["Dr Asha Patel"]
        (agenda_item,) = detail.sessions
        assert agenda_item.title == "Foundation doctors"
        assert agenda_item.room == "Education centre, room 2"
        assert agenda_item.template_id is not None and agenda_item.template_version is not None
        assert len(agenda_item.interviewer_ids) == 1
    finally:
        reopened.close()


def test_the_dialog_says_what_is_missing_and_saves_nothing(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    wait_idle(qtbot, window)
    page = window.visits_page
    before = _visit_count(window)
    page.new_visit()
    dialog = page.visit_dialog
    assert dialog is not None
    dialog.buttons.accepted.emit()
    assert "Choose the provider" in dialog.message.text()
    assert dialog.isVisible()
    wait_idle(qtbot, window)
    assert _visit_count(window) == before


def test_editing_a_visit_changes_its_title_and_triggers(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.navigation.setCurrentRow(1)
    page = window.visits_page
    qtbot.waitUntil(lambda: page.edit_button.isEnabled(), timeout=5_000)
    triggers_before = len(page._current.trigger_ids) if page._current else 0
    assert triggers_before > 1
    page.edit_visit()
    dialog = page.visit_dialog
    assert dialog is not None
    qtbot.waitUntil(
        lambda: len(dialog.checked(dialog.triggers_list)) == triggers_before, timeout=5_000
    )
    dialog.title_edit.setText("Risk-based review (revised)")
    keep = dialog.checked(dialog.triggers_list)[0]
    dialog.set_checked(dialog.triggers_list, {keep})
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "(revised)" in page.detail.toHtml(), timeout=5_000)
    assert page._current is not None and page._current.trigger_ids == (keep,)
    qtbot.waitUntil(lambda: page.model.row_at(0).title.endswith("(revised)"), timeout=5_000)


def test_removing_a_panel_member_and_a_session(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.navigation.setCurrentRow(1)
    page = window.visits_page
    qtbot.waitUntil(lambda: page.panel_model.rowCount() == 4, timeout=5_000)
    sessions = page.session_model.rowCount()
    page.panel_table.selectRow(0)
    page.remove_member()
    qtbot.waitUntil(lambda: page.panel_model.rowCount() == 3, timeout=5_000)
    page.session_table.selectRow(0)
    page.remove_session()
    qtbot.waitUntil(lambda: page.session_model.rowCount() == sessions - 1, timeout=5_000)


def test_the_briefing_pack_shows_triggers_flags_and_trends(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.navigation.setCurrentRow(1)
    page = window.visits_page
    qtbot.waitUntil(lambda: page.briefing_button.isEnabled(), timeout=5_000)
    qtbot.mouseClick(page.briefing_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.briefing is not None and page.briefing.isVisible(), timeout=5_000)
    briefing = page.briefing
    assert briefing is not None
    html = briefing.text.toHtml()
    for heading in ("Why we are visiting", "flags", "Earlier requirements", "Panel", "Agenda"):
        assert heading in html
    assert "Red" in html and "#d5281b" in html, "red flags are shown in red, and in words"
    assert briefing.trends.picker.count() > 0
    assert briefing.trends.plot.series is not None
    assert "by year" in briefing.trends.plot.accessibleDescription()


def test_plan_a_visit_from_a_provider_profile(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    wait_idle(qtbot, window)
    providers = window.providers_page
    qtbot.keyClicks(providers.search_box, "R0B")
    qtbot.waitUntil(lambda: providers.model.rowCount() == 1, timeout=5_000)
    providers.table.selectRow(0)
    qtbot.waitUntil(lambda: providers.plan_button.isEnabled(), timeout=5_000)
    qtbot.mouseClick(providers.plan_button, Qt.MouseButton.LeftButton)
    assert window.pages.currentWidget() is window.visits_page
    dialog = window.visits_page.visit_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.provider_choice.count() == 1, timeout=5_000)
    assert "R0B" in dialog.provider_choice.currentText()
    dialog.reject()


def test_the_visit_list_filters_by_words_and_status(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    wait_idle(qtbot, window)
    page = window.visits_page
    assert page.proxy.rowCount() == 1
    page.filter_text.setText("zzzz")
    assert page.proxy.rowCount() == 0
    page.filter_text.setText("risk-based")
    assert page.proxy.rowCount() == 1
    page.filter_status.setCurrentIndex(page.filter_status.findText("Closed"))
    assert page.proxy.rowCount() == 0
    page.filter_status.setCurrentIndex(page.filter_status.findText("Planned"))
    assert page.proxy.rowCount() == 1
