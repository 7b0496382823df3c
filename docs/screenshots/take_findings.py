"""Render the Findings section and the conflict review of a demo profile to PNG (offscreen).

QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take_findings.py

A second profile signs in to the demo's central store as the panel member, so the conflict on
the review screen is a real one: both laptops rewrote the same finding offline.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication

from eqvisit.app_services import open_services
from eqvisit.domain.enums import ActionStatus, FindingKind, Sentiment
from eqvisit.paths import resolve_profile
from eqvisit.resources import resource_path
from eqvisit.services.sync import LOCAL_SCHEME
from eqvisit.sync.server.demo import DEMO_PASSWORD
from eqvisit.ui.main_window import SECTIONS, MainWindow
from eqvisit.ui.worker import Worker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from take import save, settle


def main() -> None:
    app = QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as folder:
        central_file = Path(folder) / "central.sqlite3"
        paths = resolve_profile(Path(folder) / "lead")
        services = open_services(paths)
        summary = services.demo.build(resource_path("data", "ods", "etr.csv"), central_file)
        visit_id = summary.visit_id
        panel_paths = resolve_profile(Path(folder) / "panel").ensure()
        panel = open_services(panel_paths)
        panel.sync.login(f"{LOCAL_SCHEME}{central_file}", "panel1", DEMO_PASSWORD, "panel laptop")
        panel.sync.sync_once()

        session_id = services.visits.get(visit_id).sessions[0].id
        services.capture.save_response(
            session_id, "induction", value="no", note="Half the F1s had no induction on nights"
        )
        observation = services.capture.add_observation(
            visit_id,
            "Handover happens standing in the corridor outside the ward",
            location="Acute medical unit",
            sentiment=Sentiment.CONCERN,
        )
        evidence = services.findings_board.evidence_choices(visit_id)
        flagged = next(e for e in evidence if e.kind.value == "intelligence")
        response = next(e for e in evidence if e.kind.value == "response")
        imr = services.findings.propose(
            visit_id,
            FindingKind.IMMEDIATE_MANDATORY_REQUIREMENT,
            "Foundation doctors start night shifts without induction or a named supervisor.",
            domain_number=1,
            standards=["1.1"],
            required_actions="Induction for every doctor before a first night shift; a named "
            "supervisor on each rota.",
            owner="Director of Medical Education",
            due_on=date.today() + timedelta(days=7),
        )
        services.findings.rate_risk(imr.id, 4, 5)
        services.findings.issue_reference(imr.id)
        services.findings.link_all(
            imr.id,
            [("response", response.target_id), ("intelligence", flagged.target_id)],
        )
        # The panel member proposes this one, so both of them may edit it.
        mr = panel.findings.propose(
            visit_id,
            FindingKind.MANDATORY_REQUIREMENT,
            "Handover has no protected time or place.",
            domain_number=1,
        )
        panel.sync.sync_once()
        services.sync.sync_once()
        services.findings.rate_risk(mr.id, 3, 4)
        services.findings.issue_reference(mr.id)
        services.findings.link_all(mr.id, [("observation", observation.id)])
        good = services.findings.propose(
            visit_id, FindingKind.GOOD_PRACTICE, "Simulation teaching is valued.", domain_number=5
        )
        services.findings.issue_reference(good.id)
        late = services.action_plan.add_action(
            imr.id, "Induction before first nights", owner="DME", due_on=date.today() - timedelta(3)
        )
        services.action_plan.set_status(
            late.id, ActionStatus.IN_PROGRESS, "Started for August rotation"
        )
        services.action_plan.add_action(
            mr.id,
            "Handover room booked daily",
            owner="AMU matron",
            due_on=date.today() + timedelta(40),
        )

        # A real conflict: both laptops rewrite the same finding offline.
        services.sync.sync_once()
        panel.sync.sync_once()
        panel.findings.update(mr.id, {"text": "Handover on AMU happens in the corridor."})
        services.findings.update(mr.id, {"text": "Handover has no protected time or room."})
        panel.sync.sync_once()
        services.sync.sync_once()

        worker = Worker()
        window = MainWindow(services, paths, worker)
        window.resize(1400, 860)
        window.show()
        settle(app, worker)
        window.navigation.setCurrentRow(SECTIONS.index("Findings"))
        page = window.findings_page
        settle(app, worker)
        page.table.selectRow(0)
        settle(app, worker)
        save(window, "findings")
        page.tabs.setCurrentIndex(1)
        settle(app, worker)
        save(window, "findings-by-domain")
        page.tabs.setCurrentIndex(2)
        settle(app, worker)
        page.action_plan.table.selectRow(0)
        settle(app, worker)
        save(window, "action-plan")

        window.navigation.setCurrentRow(SECTIONS.index("Sync"))
        settle(app, worker)
        window.sync_page.open_review()
        settle(app, worker)
        dialog = window.sync_page.review_dialog
        assert dialog is not None
        settle(app, worker)
        save(dialog, "conflict-review")
        dialog.close()

        window.close()
        worker.shutdown()
        panel.close()
        services.close()


if __name__ == "__main__":
    main()
