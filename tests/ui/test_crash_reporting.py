"""A crash on any thread writes a report and shows its path in a dialog on the UI thread."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from eqvisit.crash import CrashHandler
from eqvisit.ui.crash_reporting import CrashNotifier


def test_a_report_from_a_worker_thread_is_shown_with_its_path(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    handler = CrashHandler(tmp_path / "crashes")
    notifier = CrashNotifier(handler)
    try:

        def fail() -> None:
            try:
                raise RuntimeError("patient Jane Doe")
            except RuntimeError as error:
                handler.report(error, where="thread test")

        thread = threading.Thread(target=fail)
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: notifier.last_box is not None, timeout=5_000)

        box = notifier.last_box
        assert isinstance(box, QMessageBox)
        assert len(handler.reports) == 1
        assert str(handler.reports[0]) in box.text()
        assert "Jane Doe" not in handler.reports[0].read_text(encoding="utf-8")
        box.close()
    finally:
        notifier.uninstall()
    assert handler.notify is None
