"""Debounced autosave: edits are written about half a second after typing stops, on the worker.

The UI thread only restarts a timer per keystroke; the write itself runs on the worker. One save
is in flight at a time: edits made while it runs are saved right after it, so the last edit is
never lost and saves never pile up. There is no "Save" button to forget.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from PySide6.QtCore import QObject, QTimer, Signal

from eqvisit.ui.messages import describe
from eqvisit.ui.worker import Worker

DEBOUNCE_MS = 500


class SaveState(StrEnum):
    SAVED = "saved"
    PENDING = "pending"
    SAVING = "saving"
    FAILED = "failed"


class Autosaver(QObject):
    """Calls ``collect()`` on the UI thread for a save job, then runs that job on the worker.

    ``collect`` returns a callable (the snapshot of what to write) or ``None`` if nothing is
    dirty. ``state_changed`` carries the text to show ("Saving…", "Saved 10:42:07", …).
    """

    state_changed = Signal(str)
    saved = Signal(object)  # a save job's result (if any), before a follow-up save is collected

    def __init__(
        self,
        worker: Worker,
        collect: Callable[[], Callable[[], object] | None],
        parent: QObject | None = None,
        *,
        delay_ms: int = DEBOUNCE_MS,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._collect = collect
        self._in_flight = False
        self._again = False
        self.state = SaveState.SAVED
        self.last_error: BaseException | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.save_now)

    def touch(self) -> None:
        """An edit happened: (re)start the debounce timer."""
        if self.state is not SaveState.SAVING:
            self._set(SaveState.PENDING, "Unsaved changes…")
        self.timer.start()

    def save_now(self) -> None:
        """Write what is dirty now (also used when leaving a question or closing)."""
        self.timer.stop()
        if self._in_flight:
            self._again = True
            return
        job = self._collect()
        if job is None:
            if self.state is SaveState.PENDING:
                self._set(SaveState.SAVED, self._saved_text())
            return
        self._in_flight = True
        self._set(SaveState.SAVING, "Saving…")
        self._worker.submit(job, self._done, self._failed)

    @property
    def busy(self) -> bool:
        return self._in_flight or self._again or self.timer.isActive()

    def _done(self, result: object) -> None:
        self._in_flight = False
        self.last_error = None
        if result is not None:  # PySide6 6.12 mis-counts None sent through Signal(object)
            self.saved.emit(result)
        if self._again:  # edits arrived while this save ran: write them before saying "Saved"
            self._again = False
            self.save_now()
            if self._in_flight:
                return
        self._set(SaveState.SAVED, self._saved_text())

    def _failed(self, error: BaseException) -> None:
        self._in_flight = False
        self.last_error = error
        self._set(SaveState.FAILED, f"Not saved — {describe(error)}")
        self._maybe_again()

    def _maybe_again(self) -> None:
        if self._again:
            self._again = False
            self.save_now()

    def _saved_text(self) -> str:
        return f"Saved {datetime.now().strftime('%H:%M:%S')}"

    def _set(self, state: SaveState, text: str) -> None:
        self.state = state
        self.state_changed.emit(text)
