"""The Qt binding in use keeps Python's reference counts: a long session must not crash.

PySide6 6.12.0 took one reference off ``None`` on each call of a static function returning
nothing (``QApplication.processEvents``, ``QApplication.activeWindow`` with no active window).
On Python 3.11, where ``None`` is an ordinary counted object, a few thousand such calls — an
afternoon of the app — end in "Fatal Python error: none_dealloc". pyproject.toml excludes it;
this test fails on any binding that has the bug.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

CALLS = 2_000


def test_static_calls_keep_the_reference_count_of_none(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        QApplication.processEvents()
        QApplication.activeWindow()
    # Other objects come and go meanwhile; a leak of one per call would be thousands.
    assert abs(sys.getrefcount(None) - before) < CALLS // 10
