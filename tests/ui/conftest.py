"""Qt tests run offscreen; the tests/ui folder is the only place qtbot appears."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from eqvisit.app_services import Services
from eqvisit.paths import ProfilePaths
from eqvisit.ui.gc_guard import keep_collection_on_ui_thread
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.theme import Appearance
from eqvisit.ui.worker import Worker


@pytest.fixture(autouse=True, scope="session")
def collector_on_ui_thread(qapp) -> None:  # type: ignore[no-untyped-def]
    """As the app does: cycles are collected on the UI thread only (eqvisit.ui.gc_guard)."""
    keep_collection_on_ui_thread()


@pytest.fixture
def window(qtbot, demo: Services, profile: ProfilePaths) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    worker = Worker()
    main_window = MainWindow(demo, profile, worker)
    qtbot.addWidget(main_window)
    main_window.show()
    yield main_window
    main_window.theme.apply(Appearance())  # the theme is application-wide: leave it as found
    main_window.close()
    worker.shutdown()
