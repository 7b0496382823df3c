"""Accessibility and ergonomics: names, keyboard, theme, text size, layout, empty states."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from eqvisit.app_services import Services
from eqvisit.paths import ProfilePaths
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.theme import Appearance
from eqvisit.ui.worker import Worker
from tests.ui.test_main_window import wait_idle

CONTROLS = (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QDateTimeEdit,
)


def unnamed_controls(root: QWidget) -> list[str]:
    """Interactive widgets a screen reader would announce without a name."""
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if _inside_compound(widget):
            continue  # parts of a compound widget (combo popup, calendar) that carries the name
        name = widget.accessibleName() or (
            widget.text() if isinstance(widget, QAbstractButton) else ""
        )
        if not name.strip():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def _inside_compound(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QDateTimeEdit | QCalendarWidget):
            return True
        parent = parent.parentWidget()
    return False


def dialogs_of(window: MainWindow) -> Iterable[QWidget]:
    page = window.visits_page
    return [d for d in (page.visit_dialog, page.panel_dialog, page.session_dialog) if d]


def test_every_control_has_an_accessible_name(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    wait_idle(qtbot, window)
    page = window.visits_page
    window.navigation.setCurrentRow(1)
    qtbot.waitUntil(lambda: page.add_session_button.isEnabled(), timeout=5_000)
    page.new_visit()
    page.add_member()
    page.add_session()
    qtbot.waitUntil(lambda: page.session_dialog is not None and page.panel_dialog is not None)
    page.open_briefing()
    qtbot.waitUntil(lambda: page.briefing is not None, timeout=5_000)
    assert unnamed_controls(window) == [], unnamed_controls(window)
    for dialog in [*dialogs_of(window), page.briefing]:
        assert dialog is not None
        assert unnamed_controls(dialog) == [], dialog.objectName()
        dialog.close()


def test_tab_reaches_search_filters_and_results_and_enter_moves_to_the_table(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow
) -> None:
    wait_idle(qtbot, window)
    page = window.providers_page
    window.navigation.setCurrentRow(0)
    page.search_box.setFocus()
    seen = set()
    for _ in range(20):
        widget = QApplication.focusWidget()
        if widget is not None:
            seen.add(widget.objectName())
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Tab)
    assert {"providerSearch", "kindFilter", "regionFilter", "redFlagsOnly", "providerTable"} <= seen
    page.search_box.setFocus()
    qtbot.keyClicks(page.search_box, "manchester")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=5_000)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is page.table
    qtbot.waitUntil(lambda: page.plan_button.isEnabled(), timeout=5_000)


def test_red_flag_filter_and_profile_colours(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    wait_idle(qtbot, window)
    page = window.providers_page
    page.red_flags_only.setChecked(True)
    qtbot.waitUntil(lambda: page.model.rowCount() >= 1, timeout=5_000)
    wait_idle(qtbot, window)
    rows = [page.model.row_at(i) for i in range(page.model.rowCount())]
    assert rows and all(r.red_flags > 0 for r in rows)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.current_profile is not None, timeout=5_000)
    html = page.profile.toHtml()
    assert "#d5281b" in html and "Red" in html
    assert "CQC ratings" in html and "Visits" in html
    assert page.trends.picker.count() == len(page.current_profile.trends)  # type: ignore[union-attr]


def test_high_contrast_and_text_size_apply_and_are_remembered(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, demo: Services, profile: ProfilePaths
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    base = app.font().pointSizeF()
    qtbot.keyClick(
        window,
        Qt.Key.Key_H,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.theme.current.high_contrast
    assert app.palette().window().color().name() == "#000000"
    window.scale_text(0.2)
    assert app.font().pointSizeF() > base
    window.navigation.setCurrentRow(2)
    window.close()

    worker = Worker()
    again = MainWindow(demo, profile, worker)
    qtbot.addWidget(again)
    try:
        assert again.theme.current == Appearance(True, 1.2)
        assert again.contrast_action.isChecked()
        assert again.pages.currentWidget() is again.sync_page, "the last section is reopened"
    finally:
        again.theme.apply(Appearance())
        again.close()
        worker.shutdown()
    assert app.font().pointSizeF() == base


def test_a_fresh_profile_says_what_to_do_next(
    qtbot, services: Services, profile: ProfilePaths
) -> None:  # type: ignore[no-untyped-def]
    worker = Worker()
    window = MainWindow(services, profile, worker)
    qtbot.addWidget(window)
    window.show()
    try:
        wait_idle(qtbot, window)
        assert "No providers yet" in window.providers_page.result_label.text()
        assert "eqvisit demo" in window.providers_page.result_label.text()
        window.navigation.setCurrentRow(1)
        assert window.visits_page.empty_label.isVisible()
        assert "New visit" in window.visits_page.empty_label.text()
        assert "not signed in" in window.sync_page.connection_label.text()
    finally:
        window.close()
        worker.shutdown()


def test_kind_and_status_filters_narrow_the_list(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    wait_idle(qtbot, window)
    page = window.providers_page
    page.kind_filter.setCurrentIndex(page.kind_filter.findText("Gp practice"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=5_000)
    assert "clear the filters" in page.result_label.text()
    page.kind_filter.setCurrentIndex(page.kind_filter.findText("Trust"))
    page.status_filter.setCurrentIndex(page.status_filter.findText("Active"))
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=5_000)
    wait_idle(qtbot, window)
    rows = [page.model.row_at(i) for i in range(page.model.rowCount())]
    assert {(r.kind.value, r.status.value) for r in rows} == {("trust", "active")}
