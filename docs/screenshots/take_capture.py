"""Render the capture-on-the-day screens of a demo profile to PNG files (offscreen).

A visit day on four profiles: the demo lead's, and a profile each for two panel members and the
lay representative, signed in to the demo's central store. They capture on their own laptops,
then sync; the screens are rendered from each person's profile: the session capture window,
lay mode, the check before sync, and the lead's red banner and coverage board.

QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take_capture.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication, QWidget

from eqvisit.app_services import Services, open_services
from eqvisit.domain.enums import Sentiment
from eqvisit.paths import resolve_profile
from eqvisit.resources import resource_path
from eqvisit.services.sync import LOCAL_SCHEME
from eqvisit.sync.server.demo import DEMO_PASSWORD
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.worker import Worker

OUT = Path(__file__).resolve().parent


def settle(worker: Worker) -> None:
    loop = QEventLoop()  # its processEvents, not the static one (see bench/bench_autosave.py)
    for _ in range(400):
        loop.processEvents()
        if worker.pending == 0:
            break
        time.sleep(0.01)
    for _ in range(5):
        loop.processEvents()


def save(widget: QWidget, name: str) -> None:
    widget.grab().save(str(OUT / f"{name}.png"))


def laptop(folder: Path, central: Path, username: str) -> Services:
    """Another person's profile, signed in to the demo's central store and synced."""
    services = open_services(resolve_profile(folder / username))
    services.sync.login(f"{LOCAL_SCHEME}{central}", username, DEMO_PASSWORD, f"{username} laptop")
    services.sync.sync_once()
    return services


def capture_offline(folder: Path, central: Path, visit_id: str, session_id: str) -> None:
    """Two panel members and the lay rep capture on their own laptops, then sync."""
    panel1 = laptop(folder, central, "panel1")
    capture = panel1.capture
    capture.save_response(session_id, "grades_present", value=["fy1", "fy2"])
    capture.save_response(session_id, "group_size", value=9)
    capture.save_response(
        session_id,
        "specialties",
        value="General medicine, surgery, emergency department",
        note="Nights on the surgical wards: F1s cover 3 wards with no registrar on site.",
        safety_flag=True,
    )
    capture.save_attendance(session_id, {"FY1": 6, "FY2": 3})
    panel2 = laptop(folder, central, "panel2")
    panel2.capture.save_response(session_id, "grades_present", value=["fy1", "fy2"])
    panel2.capture.save_response(session_id, "ltft_present", value="no")
    panel2.capture.save_response(
        session_id, "induction_organisation", value="most", note="Mid-rotation starters missed it"
    )
    lay = laptop(folder, central, "lay1")
    lay.capture.add_observation(
        visit_id,
        "The doctors' mess had no working kettle and the fridge was broken.",
        location="Doctors' mess",
        category="Environment and facilities",
        sentiment=Sentiment.CONCERN,
    )
    lay.capture.add_observation(
        visit_id,
        "Reception staff greeted the panel warmly and knew where the learners were.",
        location="Main reception",
        category="Welcome and first impressions",
        sentiment=Sentiment.POSITIVE,
    )
    for services in (panel1, panel2, lay):
        report = services.sync.sync_once()
        assert report.rejected == 0, report.rejections
        services.close()


def person_window(folder: Path, username: str) -> tuple[Services, Worker, MainWindow]:
    services = open_services(resolve_profile(folder / username))
    worker = Worker()
    window = MainWindow(services, resolve_profile(folder / username), worker)
    window.resize(1400, 860)
    window.show()
    settle(worker)
    window.navigation.setCurrentRow(1)
    settle(worker)
    return services, worker, window


def main() -> None:
    app = QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        paths = resolve_profile(folder / "lead")
        services = open_services(paths)
        central = folder / "central.sqlite3"
        summary = services.demo.build(resource_path("data", "ods", "etr.csv"), central)
        visit_id = summary.visit_id
        sessions = services.visits.get(visit_id).sessions
        learners = next(s for s in sessions if s.title.startswith("Foundation"))
        services.close()
        capture_offline(folder, central, visit_id, learners.id)

        lay, worker, window = person_window(folder, "lay1")
        window.visits_page.open_observations()
        settle(worker)
        launcher = window.visits_page.capture
        assert launcher.lay_window is not None
        launcher.lay_window.list.setCurrentRow(0)
        settle(worker)
        save(launcher.lay_window, "capture-lay")
        launcher.lay_window.close()
        window.close()
        worker.shutdown()
        lay.close()

        panel1, worker, window = person_window(folder, "panel1")
        launcher = window.visits_page.capture
        launcher.open_session(learners.id)
        settle(worker)
        assert launcher.session_window is not None
        launcher.session_window.go_to("specialties")
        settle(worker)
        save(launcher.session_window, "capture-session")
        launcher.session_window.close()
        settle(worker)
        panel1.capture.save_response(
            learners.id,
            "induction_department",
            value="some",
            note="Dr Patel's department induction skipped escalation; ask j.bloggs@nhs.net",
        )
        window.sync_page.request_sync()
        settle(worker)
        assert window.redaction_dialog is not None
        window.redaction_dialog.edit_current()
        settle(worker)
        save(window.redaction_dialog, "capture-redaction")
        window.redaction_dialog.reject()
        window.close()
        worker.shutdown()
        panel1.close()

        lead, worker, window = person_window(folder, "lead")
        window.sync_page.sync_now()
        settle(worker)
        window.visits_page.refresh()
        settle(worker)
        save(window, "capture-visit-banner")
        window.visits_page.open_coverage()
        settle(worker)
        launcher = window.visits_page.capture
        assert launcher.coverage is not None
        tree = launcher.coverage.tree
        tree.collapseItem(tree.topLevelItem(0))
        save(launcher.coverage, "capture-coverage")
        launcher.coverage.close()
        window.close()
        worker.shutdown()
        lead.close()
    app.quit()


if __name__ == "__main__":
    main()
