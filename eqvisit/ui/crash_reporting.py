"""The UI's part of crash handling: tell the user where a report is, and log Qt's own messages.

Python exceptions are caught by :mod:`eqvisit.crash`; this module adds a notifier that shows the
report's path in a dialog (from any thread: the path travels to the UI thread by a queued
signal), and a Qt message handler that sends Qt's warnings to the log and writes a report before
Qt aborts on a fatal error.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import (
    QMessageLogContext,
    QObject,
    Qt,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QMessageBox

from eqvisit.crash import CrashHandler

log = logging.getLogger("eqvisit.qt")

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


class QtFatalError(RuntimeError):
    """Stands for a fatal Qt message in a crash report (Qt aborts right after it)."""


class CrashNotifier(QObject):
    """Shows "eqvisit hit an unexpected error; the report is at …" on the UI thread."""

    reported = Signal(str)

    def __init__(self, handler: CrashHandler) -> None:
        super().__init__()
        self._handler = handler
        self.last_box: QMessageBox | None = None
        self.reported.connect(self._show)
        handler.notify = self._notify
        self._previous = qInstallMessageHandler(self._qt_message)

    def _notify(self, path: Path) -> None:
        self.reported.emit(str(path))

    def _show(self, path: str) -> None:
        if QApplication.instance() is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "eqvisit hit an unexpected error",
            "Something went wrong inside eqvisit. Everything you saved is safe in the local "
            "store; if the app misbehaves now, close and reopen it.\n\n"
            f"A report for the support team (no personal data) is at:\n{path}",
            QMessageBox.StandardButton.Ok,
        )
        box.setObjectName("crashReport")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.last_box = box
        box.open()

    def _qt_message(self, mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        log.log(_LEVELS.get(mode, logging.WARNING), "%s", message)
        if mode == QtMsgType.QtFatalMsg:
            self._handler.report(QtFatalError("fatal Qt error"), where="Qt")

    def uninstall(self) -> None:
        qInstallMessageHandler(self._previous)
        self._handler.notify = None
