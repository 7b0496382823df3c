"""The review dialog against a real conflict (two laptops, the central store in-process):
both sides shown with author and time, merged through the editor, synced and converged;
refused changes copied and discarded only after a confirmation; the visit's receipt line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from eqvisit.app_services import Services, open_services
from eqvisit.domain.enums import FindingKind, FindingStatus
from eqvisit.paths import ProfilePaths, resolve_profile
from eqvisit.ui.findings.review import ReviewDialog
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.worker import Worker
from tests.conftest import ETR_FILE
from tests.sync import conftest as sync_fixtures
from tests.sync.conftest import Central, Laptop

# The real central store and laptops of the sync tests (tests/sync/conftest.py).
central_url = sync_fixtures.central_url
central = sync_fixtures.central
laptop = sync_fixtures.laptop


@pytest.fixture
def worker() -> Iterator[Worker]:
    running = Worker()
    yield running
    running.shutdown()


def _ok(dialog) -> None:  # type: ignore[no-untyped-def]
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def test_a_real_conflict_is_merged_in_the_dialog_and_both_laptops_converge(  # type: ignore[no-untyped-def]
    qtbot, central: Central, laptop: Laptop, worker: Worker
) -> None:
    lead, lead_sync = laptop("lead")
    panel, panel_sync = laptop("panel1")
    lead_sync.sync_once()
    panel_sync.sync_once()
    finding = panel.findings.propose(
        central.visit_id, FindingKind.MANDATORY_REQUIREMENT, "Supervision gaps"
    )
    panel_sync.sync_once()
    lead_sync.sync_once()
    lead.findings.update(finding.id, {"text": "Supervision gaps at night"})
    panel.findings.update(finding.id, {"text": "Supervision gaps for F1s"})
    lead_sync.sync_once()
    panel_sync.sync_once()
    lead_sync.sync_once()

    dialog = ReviewDialog(None, lead.conflicts, worker)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.conflict_list.count() == 1, timeout=5_000)
    sides = {dialog.winning_value.toPlainText(), dialog.losing_value.toPlainText()}
    assert sides == {"Supervision gaps at night", "Supervision gaps for F1s"}
    titles = dialog.winning_box.title() + dialog.losing_box.title()
    assert "you" in titles and "Panel1" in titles, "who wrote each side"
    assert "Conflicts (1)" in dialog.tabs.tabText(0)

    dialog.merge_button.click()
    qtbot.waitUntil(lambda: dialog.merge_dialog is not None, timeout=5_000)
    merge = dialog.merge_dialog
    assert "at night" in merge.editor.toPlainText() and "F1s" in merge.editor.toPlainText()
    merge.editor.setPlainText("")
    _ok(merge)
    assert "empty" in merge.message.text()
    merge.editor.setPlainText("Supervision gaps for F1s at night")
    _ok(merge)
    qtbot.waitUntil(lambda: dialog.conflict_list.count() == 0, timeout=5_000)
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=5_000)

    assert lead_sync.sync_once().rejected == 0
    panel_sync.sync_once()
    for services in (lead, panel):
        (row,) = services.findings.for_visit(central.visit_id)
        assert row.text == "Supervision gaps for F1s at night"
        assert services.sync_status.status().open_conflicts == 0
    assert all(r.matches for r in lead_sync.sync_once().receipts)
    assert all(r.matches for r in panel_sync.sync_once().receipts)
    dialog.close()


def test_a_refused_change_is_copied_and_discarded_only_when_confirmed(  # type: ignore[no-untyped-def]
    qtbot, central: Central, laptop: Laptop, worker: Worker
) -> None:
    panel, panel_sync = laptop("panel1")
    panel_sync.sync_once()
    finding = panel.findings.propose(central.visit_id, FindingKind.RECOMMENDATION, "Study leave")
    panel.findings.update(finding.id, {"status": FindingStatus.AGREED})
    assert panel_sync.sync_once().rejected == 1

    dialog = ReviewDialog(None, panel.conflicts, worker)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.refused_list.count() == 1, timeout=5_000)
    assert dialog.tabs.currentIndex() == 1, "opens on what needs attention"
    assert "may not set status" in dialog.refused_detail.toPlainText()
    dialog.copy_button.click()
    assert "may not set status" in QApplication.clipboard().text()

    dialog.discard_button.click()
    box = dialog.confirm_box
    assert box is not None and box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=5_000)
    assert len(panel.conflicts.rejected_changes()) == 1, "cancel keeps it"

    dialog.discard_button.click()
    dialog.confirm_box.button(QMessageBox.StandardButton.Discard).click()
    qtbot.waitUntil(lambda: dialog.refused_list.count() == 0, timeout=5_000)
    assert panel.conflicts.rejected_changes() == []
    dialog.close()


@pytest.fixture
def connected(tmp_path: Path) -> Iterator[tuple[Services, ProfilePaths]]:
    paths = resolve_profile(tmp_path / "demo").ensure()
    services = open_services(paths)
    services.demo.build(ETR_FILE, paths.data_dir / "central.sqlite3")
    yield services, paths
    services.close()


def test_the_visit_view_says_whether_everything_is_on_the_server(qtbot, connected) -> None:  # type: ignore[no-untyped-def]
    services, paths = connected
    worker = Worker()
    window = MainWindow(services, paths, worker)
    qtbot.addWidget(window)
    window.show()
    window.navigation.setCurrentRow(1)
    page = window.visits_page
    qtbot.waitUntil(lambda: "Online" in window.sync_label.text(), timeout=20_000)
    qtbot.waitUntil(
        lambda: "Everything you wrote on this visit is on the server" in page.receipt_label.text(),
        timeout=10_000,
    )
    (visit,) = services.visits.list_visits()
    worker.submit(lambda: services.visits.update(visit.id, {"reason": "Changed offline"}))
    window.refresh_status()
    qtbot.waitUntil(lambda: "1 change(s) on this visit are waiting" in page.receipt_label.text())
    window.sync_page.sync_now()
    qtbot.waitUntil(
        lambda: "Everything you wrote on this visit is on the server" in page.receipt_label.text(),
        timeout=20_000,
    )
    window.close()
    worker.shutdown()
