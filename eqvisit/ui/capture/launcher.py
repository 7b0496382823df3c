"""Opens the capture windows from the Visits page, loading what each needs on the worker.

Keeps the windows it opened (``session_window``, ``lay_window``, ``coverage``) so tests can
drive them and so a second "Capture session" on the same session brings the open one forward.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from eqvisit.ui.capture.coverage_view import CoverageView
from eqvisit.ui.capture.lay_window import LayObservationWindow
from eqvisit.ui.capture.session_window import SessionCaptureWindow
from eqvisit.ui.messages import show_error

if TYPE_CHECKING:
    from eqvisit.services.capture import CaptureService
    from eqvisit.services.coverage import CoverageBoard, CoverageService, SafetyFlagRow
    from eqvisit.services.dto import ObservationRow, SessionRow
    from eqvisit.services.session_form import SessionForm
    from eqvisit.ui.worker import Worker


class CaptureLauncher(QObject):
    """Owner of the capture windows of one main window. ``changed`` fires after a window saves."""

    changed = Signal()

    def __init__(
        self,
        capture: CaptureService,
        coverage: CoverageService,
        worker: Worker,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._capture = capture
        self._coverage = coverage
        self._worker = worker
        self._parent = parent
        self.session_window: SessionCaptureWindow | None = None
        self.lay_window: LayObservationWindow | None = None
        self.coverage: CoverageView | None = None

    def _failed(self, error: BaseException) -> None:
        show_error(self._parent, "Could not open", error)

    def open_session(self, session_id: str) -> None:
        window = self.session_window
        if window is not None and window.session_id == session_id and window.isVisible():
            window.raise_()
            window.activateWindow()
            return
        self._worker.submit(
            lambda: self._capture.session_form(session_id), self._show_session, self._failed
        )

    def _show_session(self, form: SessionForm) -> None:
        if self.session_window is not None:
            self.session_window.close()
        self.session_window = SessionCaptureWindow(self._capture, self._worker, form)
        self.session_window.completed.connect(self.changed)
        self.session_window.show()

    def open_lay(self, visit_id: str, sessions: Sequence[SessionRow]) -> None:
        chosen = tuple(sessions)
        self._worker.submit(
            lambda: self._capture.my_observations(visit_id),
            lambda rows: self._show_lay(visit_id, chosen, rows),
            self._failed,
        )

    def _show_lay(
        self, visit_id: str, sessions: Sequence[SessionRow], rows: list[ObservationRow]
    ) -> None:
        if self.lay_window is not None:
            self.lay_window.close()
        self.lay_window = LayObservationWindow(
            self._capture, self._worker, visit_id, sessions, rows
        )
        self.lay_window.show()

    def open_coverage(self, visit_id: str) -> None:
        self._worker.submit(
            lambda: self._coverage.board(visit_id),
            lambda board: self._show_coverage(visit_id, board),
            self._failed,
        )

    def _show_coverage(self, visit_id: str, board: CoverageBoard) -> None:
        if self.coverage is not None and self.coverage.board.visit_id == visit_id:
            self.coverage.show_board(board)
        else:
            if self.coverage is not None:
                self.coverage.close()
            self.coverage = CoverageView(board, lambda: self.open_coverage(visit_id))
        self.coverage.show()

    def load_flags(self, visit_id: str, on_flags: Callable[[list[SafetyFlagRow]], None]) -> None:
        """The visit's safety flags, for the banner on the Visits page."""
        self._worker.submit(lambda: self._coverage.safety_flags(visit_id), on_flags)
