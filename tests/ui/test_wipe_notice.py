"""A revoked device: the window says what will be erased, then closes (the wipe follows)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from eqvisit.errors import WipeRequired
from eqvisit.ui.main_window import MainWindow


def test_a_revoked_device_is_told_before_the_window_closes(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.sync_page.timer.start()
    window.sync_page._on_failed(WipeRequired(2))  # what the worker delivers after a sync
    notice = window.wipe_notice
    assert notice.isVisible() and window.isVisible(), "nothing closes before the user has read it"
    assert "including 2 changes never sent" in notice.text()
    assert not window.sync_page.timer.isActive() and not window.sync_page.sync_button.isEnabled()
    notice.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
