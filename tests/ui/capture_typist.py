"""Child process for the capture kill test: the real capture window, typing into a note.

Types words into the note of one question with short pauses (so autosave fires), and prints
``saved <text>`` each time an autosave has committed, with the text that save wrote. The parent
SIGKILLs it at a random moment while it types.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from eqvisit.app_services import open_services
from eqvisit.paths import resolve_profile
from eqvisit.ui.capture.session_window import SessionCaptureWindow
from eqvisit.ui.worker import Worker

QUESTION = "specialties"
WORD_PAUSE_MS = 650  # longer than the autosave debounce, as when someone stops to listen


def main(profile_dir: str, session_id: str) -> None:
    app = QApplication(sys.argv)
    services = open_services(resolve_profile(Path(profile_dir)))
    worker = Worker()
    window = SessionCaptureWindow(
        services.capture, worker, services.capture.session_form(session_id)
    )
    window.show()
    window.go_to(QUESTION)
    page = window.page_of[QUESTION]
    collect = window.autosave._collect

    def collect_and_report():  # type: ignore[no-untyped-def]
        job = collect()
        if job is None:
            return None
        text = page.note.toPlainText()

        def run() -> str:
            job()
            return text

        return run

    window.autosave._collect = collect_and_report
    window.autosave.saved.connect(lambda text: print(f"saved {text!r}", flush=True))
    counter = iter(range(10_000))

    def type_word() -> None:
        QTest.keyClicks(page.note, f"word{next(counter)} ")
        QTimer.singleShot(WORD_PAUSE_MS, type_word)

    print("ready", flush=True)
    QTimer.singleShot(0, type_word)
    app.exec()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
