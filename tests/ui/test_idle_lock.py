"""The idle lock hides everything after a time without input; only the passphrase opens it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit

from eqvisit.app_services import Services
from eqvisit.paths import ProfilePaths
from eqvisit.ui.idle_lock import IdleWatcher
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.passphrase_dialog import PassphraseDialog
from eqvisit.ui.worker import Worker
from tests.conftest import TEST_PASSPHRASE


@pytest.fixture
def quick_lock(qtbot, demo: Services, profile: ProfilePaths) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    worker = Worker()
    window = MainWindow(demo, profile, worker, idle_lock_ms=150)
    qtbot.addWidget(window)
    window.idle_watcher.pause()  # each test arms the lock when its scene is set
    window.show()
    yield window
    window.close()
    worker.shutdown()


def type_passphrase(qtbot, window: MainWindow, text: str) -> None:  # type: ignore[no-untyped-def]
    field = window.lock_screen.passphrase
    field.setText(text)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.lock_screen.unlock_button.isEnabled(), timeout=10_000)


def test_the_window_locks_when_idle_and_opens_only_with_the_passphrase(
    qtbot,  # type: ignore[no-untyped-def]
    quick_lock: MainWindow,
) -> None:
    window = quick_lock
    extra = QDialog(window)  # an open dialog would show data too
    extra.show()
    window.idle_watcher.start()
    qtbot.waitUntil(window.is_locked, timeout=10_000)
    assert not window.splitter.isVisible() and window.lock_screen.isVisible()
    assert not extra.isVisible(), "open dialogs are hidden while locked"
    assert not window.menuBar().isEnabled()

    type_passphrase(qtbot, window, "not the passphrase")
    assert window.is_locked()
    assert "does not unlock" in window.lock_screen.message.text()
    assert window.lock_screen.passphrase.text() == "", "a typed passphrase is not left in the field"

    type_passphrase(qtbot, window, TEST_PASSPHRASE)
    assert not window.is_locked()
    assert window.splitter.isVisible() and extra.isVisible() and window.menuBar().isEnabled()


def test_input_restarts_the_idle_timer_and_not_while_locked(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    watcher = IdleWatcher(600_000)
    field.installEventFilter(watcher)
    watcher.timer.stop()
    qtbot.keyClick(field, "a")
    assert watcher.timer.isActive(), "a key press counts as activity"
    watcher.pause()
    qtbot.keyClick(field, "b")
    assert not watcher.timer.isActive(), "typing on the lock screen does not re-arm the lock"
    watcher.resume()
    assert watcher.timer.isActive()
    with pytest.raises(ValueError, match="positive timeout"):
        IdleWatcher(0)


def test_choosing_a_passphrase_checks_length_and_repetition(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = PassphraseDialog(choose=True)
    qtbot.addWidget(dialog)
    dialog.passphrase.setText("short")
    assert "at least" in dialog.problem()
    dialog.passphrase.setText("long enough passphrase")
    dialog.again.setText("long enough passphrasE")
    assert dialog.problem() == "The two passphrases differ."
    dialog.accept()
    assert dialog.message.text() == "The two passphrases differ." and dialog.result() == 0
    dialog.again.setText("long enough passphrase")
    assert dialog.problem() == ""
    unlocking = PassphraseDialog(choose=False)
    qtbot.addWidget(unlocking)
    assert not unlocking.again.isVisibleTo(unlocking)
    unlocking.passphrase.setText("x")
    assert unlocking.problem() == "", "an existing passphrase is checked by the store, not here"
