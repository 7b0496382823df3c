"""First run: an empty profile gets to a working main window with the demo, or by signing in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from eqvisit.app_services import Services
from eqvisit.paths import ProfilePaths
from eqvisit.ui.first_run import FirstRunDialog, FirstRunServices
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.worker import Worker
from tests.servers import eqvisit, running_server

PASSWORD = "a long enough password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A real ``eqvisit server`` on 127.0.0.1 with one quality lead, ``asha``."""
    db = str(tmp_path / "central.sqlite3")
    created = eqvisit(
        "admin", "--db", db, "create-user", "asha", "--role", "quality_lead", stdin=PASSWORD + "\n"
    )
    assert created.returncode == 0, created.stderr
    with running_server(db, tmp_path / "srv") as url:
        yield url


@pytest.fixture
def worker() -> Iterator[Worker]:
    running = Worker()
    yield running
    running.shutdown()


def first_run(qtbot, services: Services, profile: ProfilePaths, worker: Worker) -> FirstRunDialog:  # type: ignore[no-untyped-def]
    dialog = FirstRunDialog(
        FirstRunServices(services.demo, services.sync, profile.central_file), worker
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_demo_choice_builds_the_demo_on_the_worker(  # type: ignore[no-untyped-def]
    qtbot, services: Services, profile: ProfilePaths, worker: Worker
) -> None:
    dialog = first_run(qtbot, services, profile, worker)
    said: list[str] = []
    dialog.progress.connect(said.append)
    assert dialog.demo_choice.isChecked()
    assert not dialog.connect_form.isEnabled()

    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert not dialog.start_button.isEnabled()  # running in the background, not on this thread
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=120_000)

    assert "signing in as the demo lead" in said
    assert dialog.server_url is None
    assert profile.central_file.is_file()
    window = MainWindow(services, profile, worker)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.providers_page.model.rowCount() > 0, timeout=30_000)
    window.close()


def test_connecting_signs_in_to_a_real_server_and_the_first_sync_runs(  # type: ignore[no-untyped-def]
    qtbot, services: Services, profile: ProfilePaths, worker: Worker, server: str
) -> None:
    dialog = first_run(qtbot, services, profile, worker)
    dialog.connect_choice.setChecked(True)
    assert dialog.connect_form.isEnabled()
    qtbot.keyClicks(dialog.server, server)
    qtbot.keyClicks(dialog.username, "asha")
    qtbot.keyClicks(dialog.password, "wrong password")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=30_000)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.status.text() and "Working" not in dialog.status.text()

    dialog.password.clear()
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=30_000)

    assert dialog.server_url == server
    assert dialog.password.text() == ""
    connection = services.sync.connection()
    assert connection is not None
    assert (connection.server_url, connection.username) == (server, "asha")
    window = MainWindow(services, profile, worker)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(
        lambda: window.sync_page.result_label.text().startswith("Last sync"), timeout=30_000
    )
    window.close()


def test_missing_fields_are_named_before_anything_is_sent(  # type: ignore[no-untyped-def]
    qtbot, services: Services, profile: ProfilePaths, worker: Worker
) -> None:
    dialog = first_run(qtbot, services, profile, worker)
    dialog.connect_choice.setChecked(True)
    qtbot.keyClicks(dialog.server, "https://central.example")

    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)

    assert dialog.status.text() == "Please fill in: user name, password."
    assert worker.pending == 0
    assert services.sync.connection() is None
