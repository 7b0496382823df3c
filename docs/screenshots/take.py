"""Render the main window of a demo profile to PNG files (offscreen) for the README.

QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from eqvisit.app_services import open_services
from eqvisit.paths import resolve_profile
from eqvisit.resources import resource_path
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.worker import Worker

OUT = Path(__file__).resolve().parent


def settle(app: QApplication, worker: Worker) -> None:
    for _ in range(200):
        app.processEvents()
        if worker.pending == 0:
            break
        time.sleep(0.01)
    app.processEvents()


def main() -> None:
    app = QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as folder:
        paths = resolve_profile(folder)
        services = open_services(paths)
        services.demo.build(
            resource_path("data", "ods", "etr.csv"), Path(folder) / "central.sqlite3"
        )
        worker = Worker()
        window = MainWindow(services, paths, worker)
        window.resize(1280, 760)
        window.show()
        settle(app, worker)
        window.providers_page.search_box.setText("manchester")
        window.providers_page.run_search()
        settle(app, worker)
        window.providers_page.table.selectRow(0)
        settle(app, worker)
        window.grab().save(str(OUT / "providers.png"))
        window.navigation.setCurrentRow(1)
        settle(app, worker)
        window.grab().save(str(OUT / "visits.png"))
        window.navigation.setCurrentRow(2)
        window.sync_page.sync_now()
        settle(app, worker)
        window.grab().save(str(OUT / "sync.png"))
        window.close()
        worker.shutdown()
        services.close()


if __name__ == "__main__":
    main()
