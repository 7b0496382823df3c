"""The settings dialog edits every setting; the main window applies them and saves the JSON."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from eqvisit.paths import ProfilePaths
from eqvisit.settings import Settings, load_settings
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.settings_dialog import SettingsDialog


def test_saving_the_dialog_applies_and_stores_the_settings(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, profile: ProfilePaths
) -> None:
    window.edit_settings()
    dialog = window.settings_dialog
    assert dialog is not None
    assert dialog.sync_interval.value() == 5
    assert dialog.idle_lock.value() == 15
    assert dialog.purge_after.value() == 30

    dialog.server_url.setText("https://central.example.nhs.uk")
    dialog.sync_interval.setValue(20)
    dialog.theme.setCurrentIndex(dialog.theme.findData("high_contrast"))
    dialog.text_scale.setValue(1.3)
    dialog.idle_lock.setValue(7)
    dialog.purge_after.setValue(60)
    dialog.accept()

    expected = Settings(
        server_url="https://central.example.nhs.uk",
        sync_interval_minutes=20,
        theme="high_contrast",
        text_scale=1.3,
        idle_lock_minutes=7,
        purge_closed_visits_after_days=60,
    )
    assert load_settings(profile.settings_file).settings == expected
    assert window.settings == expected
    assert window.theme.current.high_contrast
    assert window.contrast_action.isChecked()
    assert window.sync_page.timer.interval() == 20 * 60_000
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert app.palette().window().color().name() == "#000000"


def test_a_bad_address_is_named_and_the_dialog_stays_open(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(Settings(), tmp_path / "settings.json")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.server_url.setText("central.example")

    dialog.accept()

    assert dialog.isVisible()
    assert dialog.error_label.text().startswith("Central store address:")
    assert dialog.chosen() == Settings()


def test_the_view_menu_saves_the_theme_in_the_settings_file(  # type: ignore[no-untyped-def]
    window: MainWindow, profile: ProfilePaths
) -> None:
    window.scale_text(0.2)

    assert load_settings(profile.settings_file).settings.text_scale == 1.2
