"""The idle lock: after N minutes without keyboard, mouse or touch input the window hides its
content behind a lock screen; only the store's passphrase (or the OS keychain, read again) opens it.

:class:`IdleWatcher` is an application-wide event filter that restarts a single-shot timer on
every input event; :class:`LockScreen` is the page shown while locked. Checking the passphrase
runs Argon2id (about 140 ms), so it goes through the worker like every other service call.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from eqvisit.ui.worker import Worker

# The default of Settings.idle_lock_minutes.

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class IdleWatcher(QObject):
    """Emits ``idle`` once no input has reached the application for ``timeout_ms``.

    Install on the QApplication; ``pause()`` while locked (input on the lock screen must not count
    as activity that would lock it again), ``resume()`` after unlocking.
    """

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if timeout_ms <= 0:
            raise ValueError("the idle lock needs a positive timeout")
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(timeout_ms)
        self.timer.timeout.connect(self.idle.emit)
        self._paused = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._paused and event.type() in INPUT_EVENTS:
            self.timer.start()
        return False

    def start(self) -> None:
        self._paused = False
        self.timer.start()

    def pause(self) -> None:
        self._paused = True
        self.timer.stop()

    resume = start


class LockScreen(QWidget):
    """What a locked window shows: no data, a passphrase field and an Unlock button.

    ``check`` (run on the worker) answers whether the passphrase opens the store; for a profile
    whose key is in the OS keychain the field may stay empty and the keychain is read again.
    Emits ``unlocked`` when the answer is yes.
    """

    unlocked = Signal()

    def __init__(self, check: Callable[[str], bool], worker: Worker, hint: str) -> None:
        super().__init__()
        self.setObjectName("lockScreen")
        self._check = check
        self._worker = worker
        title = QLabel("eqvisit is locked")
        title.setObjectName("lockTitle")
        explanation = QLabel(hint)
        explanation.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("lockPassphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.returnPressed.connect(self.try_unlock)
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.clicked.connect(self.try_unlock)
        self.message = QLabel()
        self.message.setObjectName("lockMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (title, explanation, self.passphrase, self.unlock_button, self.message):
            layout.addWidget(widget)
        layout.addStretch(2)

    def try_unlock(self) -> None:
        if not self.unlock_button.isEnabled():
            return
        text = self.passphrase.text()
        self.passphrase.clear()
        self.unlock_button.setEnabled(False)
        self.message.setText("Checking…")
        self._worker.submit(lambda: self._check(text), self._answered, self._failed)

    def _answered(self, opens: bool) -> None:
        self.unlock_button.setEnabled(True)
        if opens:
            self.message.clear()
            self.unlocked.emit()
        else:
            self.message.setText("That passphrase does not unlock this profile. Try again.")
            self.passphrase.setFocus()

    def _failed(self, error: BaseException) -> None:
        self.unlock_button.setEnabled(True)
        self.message.setText(str(error))
