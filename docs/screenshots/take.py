"""Render each screen of a demo profile to PNG files (offscreen) for the README.

QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from eqvisit.app_services import open_services
from eqvisit.paths import resolve_profile
from eqvisit.resources import resource_path
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.theme import Appearance
from eqvisit.ui.worker import Worker

OUT = Path(__file__).resolve().parent


def settle(app: QApplication, worker: Worker) -> None:
    for _ in range(400):
        app.processEvents()
        if worker.pending == 0:
            break
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()


def save(widget: QWidget, name: str) -> None:
    widget.grab().save(str(OUT / f"{name}.png"))


def main() -> None:
    app = QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as folder:
        paths = resolve_profile(folder)
        services = open_services(paths)
        summary = services.demo.build(
            resource_path("data", "ods", "etr.csv"), Path(folder) / "central.sqlite3"
        )
        worker = Worker()
        window = MainWindow(services, paths, worker)
        window.resize(1400, 860)
        window.show()
        settle(app, worker)
        code = services.visits.get(summary.visit_id).summary.provider_code
        providers = window.providers_page
        providers.search_box.setText(code)
        providers.run_search()
        settle(app, worker)
        providers.table.selectRow(0)
        settle(app, worker)
        save(window, "providers")

        window.navigation.setCurrentRow(1)
        settle(app, worker)
        save(window, "visits")
        visits = window.visits_page
        visits.edit_visit()
        settle(app, worker)
        assert visits.visit_dialog is not None
        save(visits.visit_dialog, "visit-edit")
        visits.visit_dialog.reject()
        visits.add_session()
        settle(app, worker)
        assert visits.session_dialog is not None
        save(visits.session_dialog, "session-add")
        visits.session_dialog.reject()
        visits.open_briefing()
        settle(app, worker)
        assert visits.briefing is not None
        visits.briefing.resize(1000, 900)
        settle(app, worker)
        save(visits.briefing, "briefing")
        visits.briefing.close()

        window.navigation.setCurrentRow(2)
        window.sync_page.sync_now()
        settle(app, worker)
        save(window, "sync")

        window.navigation.setCurrentRow(0)
        window.apply_appearance(Appearance(high_contrast=True, font_scale=1.2))
        settle(app, worker)
        save(window, "high-contrast")
        window.apply_appearance(Appearance())
        window.close()
        worker.shutdown()
        services.close()


if __name__ == "__main__":
    main()
