from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from eqvisit.app_services import Services, open_services
from eqvisit.paths import ProfilePaths, resolve_profile
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.worker import Worker
from tests.conftest import ETR_FILE, TEST_UNLOCK


@pytest.fixture
def connected(tmp_path: Path) -> Iterator[tuple[Services, ProfilePaths]]:
    paths = resolve_profile(tmp_path / "demo").ensure()
    services = open_services(paths, TEST_UNLOCK)
    services.demo.build(ETR_FILE, paths.data_dir / "central.sqlite3")
    yield services, paths
    services.close()


def test_sync_now_reports_and_the_status_bar_says_online(qtbot, connected) -> None:  # type: ignore[no-untyped-def]
    services, paths = connected
    worker = Worker()
    window = MainWindow(services, paths, worker)
    qtbot.addWidget(window)
    window.show()
    page = window.sync_page
    assert "local demo central store" in page.connection_label.text()
    qtbot.waitUntil(lambda: "Online" in window.sync_label.text(), timeout=20_000)
    (visit,) = services.visits.list_visits()
    services.visits.update(visit.id, {"reason": "Edited while the app is open"})
    window.navigation.setCurrentRow(2)
    qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "sent 1 (0 refused)" in page.result_label.text(), timeout=20_000)
    assert "Everything you wrote on your visits is on the server" in page.result_label.text()
    window.close()
    worker.shutdown()


def test_a_profile_that_is_not_signed_in_says_how_to_connect(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert "not signed in" in window.sync_page.connection_label.text()
    assert not window.sync_page.sync_button.isEnabled()
