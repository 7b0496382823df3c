"""Start-up: the window shell paints and takes input before the store is open; the profile opens
on its own thread and is attached, or the window asks for what it needs (a passphrase) or says
why it cannot go on."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from eqvisit.app_services import Services
from eqvisit.opening import ProfileOpening
from eqvisit.paths import ProfilePaths, resolve_profile
from eqvisit.services.store_keys import PASSPHRASE_VARIABLE
from eqvisit.ui.main_window import OPENING_TEXT, SECTIONS, MainWindow
from eqvisit.ui.passphrase_dialog import PassphraseDialog
from eqvisit.ui.startup import REFUSED, StartupChoices, StartupFlow
from eqvisit.ui.worker import Worker
from tests.conftest import TEST_PASSPHRASE


@pytest.fixture
def worker() -> Iterator[Worker]:
    running = Worker()
    yield running
    running.shutdown()


def shell(qtbot, profile: ProfilePaths, worker: Worker) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(None, profile, worker)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def start(
    window: MainWindow, opening: ProfileOpening, worker: Worker
) -> tuple[StartupFlow, list[str]]:
    said: list[str] = []
    flow = StartupFlow(
        window, opening, worker, StartupChoices(opening.paths, [], trace=said.append)
    )
    return flow, said


def run_until_it_ends(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, opening: ProfileOpening, worker: Worker
) -> tuple[StartupFlow, list[str]]:
    """Run the start-up until it ends the app (its exit code set); the milestones it passed."""
    try:
        flow, said = start(window, opening, worker)
        qtbot.waitUntil(lambda: flow.exit_code is not None, timeout=30_000)
    finally:
        window.close()
        opening.close()
    return flow, said


def when_modal(kind: type[QWidget], act: Callable[[QWidget], None]) -> QTimer:
    """Act on the next modal dialog of ``kind`` once it is up (the flow runs it with exec()).

    Keep the returned timer referenced until then.
    """
    timer = QTimer()
    timer.setInterval(20)

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind):
            timer.stop()
            act(widget)

    timer.timeout.connect(poll)
    timer.start()
    return timer


def answer_passphrases(typed: list[str], seen_errors: list[str]) -> QTimer:
    """Answer each passphrase dialog as it comes up with the next of ``typed``, noting the error
    it showed. One timer for all: the next dialog can come up before a test line runs again."""
    answered: list[PassphraseDialog] = []
    timer = QTimer()
    timer.setInterval(20)

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if not isinstance(widget, PassphraseDialog) or any(w is widget for w in answered):
            return
        answered.append(widget)
        seen_errors.append(widget.message.text())
        widget.passphrase.setText(typed[len(answered) - 1])
        if len(answered) == len(typed):
            timer.stop()
        widget.accept()

    timer.timeout.connect(poll)
    timer.start()
    return timer


def test_the_shell_takes_a_search_before_the_store_is_open_and_runs_it_after(  # type: ignore[no-untyped-def]
    qtbot, demo: Services, profile: ProfilePaths, worker: Worker
) -> None:
    window = shell(qtbot, profile, worker)

    assert not window.attached
    assert window.pages.currentWidget() is window.providers_page
    assert window.sync_label.text() == OPENING_TEXT
    new_visit = next(a for a in window.actions() if a.text() == "&New visit…")
    assert not new_visit.isEnabled()
    window.navigation.setCurrentRow(SECTIONS.index("Visits"))
    assert window.pages.currentWidget() is window.opening_page
    window.navigation.setCurrentRow(0)
    qtbot.keyClicks(window.providers_page.search_box, "leeds")
    qtbot.waitUntil(lambda: "Opening the local store" in window.providers_page.result_label.text())
    assert window.providers_page.model.rowCount() == 0

    with qtbot.waitSignal(window.ready, timeout=20_000):
        window.attach(demo)

    assert new_visit.isEnabled()
    model = window.providers_page.model
    rows = [model.row_at(i) for i in range(model.rowCount())]
    assert rows, "the search typed before the store opened ran once it was open"
    assert all("leeds" in row.name.lower() for row in rows)
    window.navigation.setCurrentRow(SECTIONS.index("Visits"))
    assert window.pages.currentWidget() is window.visits_page
    assert window.visits_page.model.rowCount() >= 1


def test_the_opening_thread_opens_the_profile_and_the_window_attaches_it(  # type: ignore[no-untyped-def]
    qtbot, demo_profile: ProfilePaths, worker: Worker
) -> None:
    window = shell(qtbot, demo_profile, worker)
    opening = ProfileOpening(demo_profile, warm_modules=("eqvisit.ui.pages",))
    opening.start()
    try:
        flow, said = start(window, opening, worker)
        with qtbot.waitSignal(window.ready, timeout=30_000):
            pass
        assert window.attached
        assert said == ["opened", "ready"]
        assert flow.exit_code is None
        assert "eqvisit.ui.pages" in sys.modules
    finally:
        window.close()
        worker.shutdown()
        opening.close()
    assert opening.opened is not None
    assert not opening.opened.first_run


def test_a_passphrase_profile_asks_again_after_a_wrong_one_then_opens(  # type: ignore[no-untyped-def]
    qtbot, demo_profile: ProfilePaths, worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSPHRASE_VARIABLE)
    window = shell(qtbot, demo_profile, worker)
    opening = ProfileOpening(demo_profile)
    opening.start()
    errors: list[str] = []
    answering = answer_passphrases(["not the passphrase", TEST_PASSPHRASE], errors)
    try:
        flow, _said = start(window, opening, worker)
        with qtbot.waitSignal(window.ready, timeout=30_000):
            pass
    finally:
        window.close()
        worker.shutdown()
        opening.close()
    assert not answering.isActive()
    assert len(errors) == 2
    assert errors[0] == "", "the first ask has no error"
    assert "passphrase" in errors[1].lower(), errors[1]
    assert window.attached
    assert flow.exit_code is None


def test_a_profile_in_a_cloud_folder_is_refused_and_the_app_quits_3(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, worker: Worker
) -> None:
    paths = resolve_profile(tmp_path / "OneDrive - NHS" / "eqvisit")
    window = shell(qtbot, paths, worker)
    opening = ProfileOpening(paths)
    opening.start()
    said: list[str] = []

    def close(widget: QWidget) -> None:
        assert isinstance(widget, QMessageBox)
        said.append(widget.text())
        widget.done(0)

    refusal = when_modal(QMessageBox, close)
    flow, _ = run_until_it_ends(qtbot, window, opening, worker)
    assert not refusal.isActive()
    assert flow.exit_code == REFUSED
    assert "OneDrive - NHS" in said[0]
    assert not window.attached
    assert not paths.store_file.exists()


def test_gui_prints_its_milestones_in_order(demo_profile: ProfilePaths) -> None:
    started = subprocess.run(
        [
            sys.executable,
            "-m",
            "eqvisit",
            "gui",
            "--smoke-test",
            "--trace-startup",
            "--profile",
            str(demo_profile.data_dir.parent),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )

    assert started.returncode == 0, started.stderr
    milestones = [
        line.split() for line in started.stdout.splitlines() if line.startswith("startup")
    ]
    assert [m[1] for m in milestones] == ["window", "opened", "ready"]
    times = [float(m[2]) for m in milestones]
    assert times == sorted(times)


def test_the_window_shell_imports_no_sqlalchemy_and_no_services() -> None:
    """What runs before the window paints must not pay for the database layer."""
    probe = (
        "import sys; import eqvisit.cli, eqvisit.__main__, eqvisit.ui.app;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'httpx')"
        " or m.startswith(('eqvisit.storage', 'eqvisit.sync', 'eqvisit.app_services'))))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )

    assert found.stdout.strip() == "[]", found.stdout


def test_an_empty_profile_offers_the_first_run_and_closing_it_quits(  # type: ignore[no-untyped-def]
    qtbot, profile: ProfilePaths, worker: Worker
) -> None:
    from eqvisit.ui.first_run import FirstRunDialog

    window = shell(qtbot, profile, worker)
    opening = ProfileOpening(profile)
    opening.start()
    offered: list[QWidget] = []

    def close(widget: QWidget) -> None:
        offered.append(widget)
        assert isinstance(widget, FirstRunDialog)
        widget.reject()

    first_run = when_modal(FirstRunDialog, close)
    flow, said = run_until_it_ends(qtbot, window, opening, worker)
    assert not first_run.isActive()
    assert offered, "the first-run choice was offered over the window"
    assert flow.exit_code == 0
    assert said == ["opened"]
    assert not window.attached


def test_a_smoke_test_that_cannot_open_says_why_on_stderr_and_exits_3(tmp_path: Path) -> None:
    folder = tmp_path / "OneDrive - NHS" / "eqvisit"
    started = subprocess.run(
        [sys.executable, "-m", "eqvisit", "gui", "--smoke-test", "--profile", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )

    assert started.returncode == REFUSED
    assert "cloud-synced folder 'OneDrive - NHS'" in started.stderr
    assert not (folder / "data" / "eqvisit.sqlite3").exists()
