"""The Findings section driven through its widgets: propose, edit (autosaved), rate with the
band shown, link evidence side by side, issue a reference, the roll-up, rights, the action plan."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from eqvisit.app_services import Services
from eqvisit.domain.enums import ActionStatus, FindingKind, FindingStatus, Sentiment
from eqvisit.ui.findings.dialogs import ActionUpdateDialog
from eqvisit.ui.findings.models import (
    OVERDUE_BACKGROUND,
    ActionPlanTableModel,
    FindingTableModel,
    RollupTableModel,
)
from eqvisit.ui.main_window import SECTIONS, MainWindow
from tests.ui.test_ergonomics import unnamed_controls

FINDINGS = SECTIONS.index("Findings")


def _ok(dialog) -> None:  # type: ignore[no-untyped-def]
    box = dialog.findChild(QDialogButtonBox)
    box.button(QDialogButtonBox.StandardButton.Ok).click()


def _open_findings(qtbot, window: MainWindow):  # type: ignore[no-untyped-def]
    window.navigation.setCurrentRow(FINDINGS)
    page = window.findings_page
    qtbot.waitUntil(lambda: page.visit.count() == 1 and page._board is not None, timeout=10_000)
    return page


def test_a_finding_is_proposed_edited_rated_linked_and_numbered(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, demo: Services
) -> None:
    (visit,) = demo.visits.list_visits()
    demo.capture.add_observation(
        visit.id, "Handover happens in a corridor", location="AMU", sentiment=Sentiment.CONCERN
    )
    page = _open_findings(qtbot, window)
    assert page.new_button.isEnabled()

    page.new_button.click()
    qtbot.waitUntil(lambda: page.new_dialog is not None, timeout=5_000)
    dialog = page.new_dialog
    _ok(dialog)
    assert "Write what the finding is" in dialog.message.text(), "an empty finding is refused"
    dialog.text.setPlainText("Handover is not safe")
    _ok(dialog)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5_000)
    qtbot.waitUntil(lambda: page.editor.shown is not None, timeout=5_000)

    editor = page.editor
    editor.text.setPlainText("Handover is not safe: no protected time or place")
    editor.likelihood.setValue(4)
    editor.consequence.setValue(4)
    assert "16 · EXTREME" in editor.band.text()
    editor.domain.setCurrentIndex(editor.domain.findData(1))
    editor.status.setCurrentIndex(editor.status.findData(FindingStatus.AGREED))
    editor.standards.item(0).setCheckState(Qt.CheckState.Checked)
    # Saved by itself, debounced: no Save button.
    qtbot.waitUntil(lambda: demo.findings.for_visit(visit.id)[0].risk_score == 16, timeout=5_000)
    (saved,) = demo.findings.for_visit(visit.id)
    assert saved.text == "Handover is not safe: no protected time or place"
    assert (saved.domain_number, saved.risk_band) == (1, "extreme")
    assert saved.status is FindingStatus.AGREED
    assert saved.standards and saved.standards[0].startswith("1.")

    page.link_button.click()
    qtbot.waitUntil(lambda: page.evidence_dialog is not None, timeout=5_000)
    picker = page.evidence_dialog
    picker.filter.setText("corridor")
    items = [picker.list.item(i) for i in range(picker.list.count())]
    visible = [item for item in items if not item.isHidden()]
    assert len(visible) == 1
    visible[0].setCheckState(Qt.CheckState.Checked)
    _ok(picker)
    qtbot.waitUntil(lambda: page.editor.evidence.count() == 1, timeout=5_000)
    assert "Handover happens in a corridor" in page.editor.evidence.item(0).text()

    assert page.issue_button.isEnabled()
    page.issue_button.click()
    qtbot.waitUntil(lambda: page.model.row_at(0).finding.reference == "MR1", timeout=5_000)
    assert not page.issue_button.isEnabled(), "a number is issued once"
    assert not page.editor.kind.isEnabled(), "an issued finding keeps its kind"

    rollup = page.rollup_model
    assert rollup.rowCount() == 1
    assert rollup.row_at(0).domain_number == 1
    assert rollup.row_at(0).highest_band == "extreme"

    page.tabs.setCurrentIndex(0)
    page.editor.evidence.setCurrentRow(0)
    assert page.editor.unlink_button.isEnabled()
    page.editor.unlink_button.click()
    qtbot.waitUntil(lambda: page.editor.evidence.count() == 0, timeout=5_000)
    assert len(demo.capture.observations(visit.id)) == 1, "the evidence itself is kept"


def test_a_panel_member_is_offered_only_what_the_server_allows(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, demo: Services
) -> None:
    (visit,) = demo.visits.list_visits()
    leads = demo.findings.propose(visit.id, FindingKind.RECOMMENDATION, "Lead's own finding")
    demo.users.sign_in_locally("panel1")
    page = _open_findings(qtbot, window)
    qtbot.waitUntil(lambda: page.editor.shown is not None, timeout=5_000)
    assert page.editor.shown.finding.id == leads.id
    assert page.new_button.isEnabled(), "a panel member proposes"
    assert not page.issue_button.isEnabled(), "only the lead issues numbers"
    assert page.editor.text.isReadOnly(), "someone else's finding is read-only"
    assert not page.editor.likelihood.isEnabled()
    assert "propose findings" in page.rights_label.text()
    assert not page.action_plan.add_button.isEnabled()


def test_a_panel_members_agreed_proposal_keeps_its_status_when_edited(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, demo: Services
) -> None:
    (visit,) = demo.visits.list_visits()
    demo.users.sign_in_locally("panel1")
    mine = demo.findings.propose(visit.id, FindingKind.RECOMMENDATION, "Panel's proposal")
    demo.users.sign_in_locally("lead")
    demo.findings.update(mine.id, {"status": FindingStatus.AGREED})
    demo.users.sign_in_locally("panel1")
    page = _open_findings(qtbot, window)
    qtbot.waitUntil(lambda: page.editor.shown is not None, timeout=5_000)
    editor = page.editor
    assert editor.status.currentData() == FindingStatus.AGREED, "shown as it is"
    statuses = {editor.status.itemData(i) for i in range(editor.status.count())}
    assert statuses == {FindingStatus.PROPOSED, FindingStatus.AGREED, FindingStatus.WITHDRAWN}
    editor.text.setPlainText("Panel's proposal, reworded")
    assert editor.changes() == {"text": "Panel's proposal, reworded"}
    page.save_now()
    qtbot.waitUntil(
        lambda: demo.findings.for_visit(visit.id)[0].text.endswith("reworded"), timeout=5_000
    )
    assert demo.findings.for_visit(visit.id)[0].status is FindingStatus.AGREED


def test_overdue_actions_stand_out_and_closing_needs_evidence(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, demo: Services
) -> None:
    (visit,) = demo.visits.list_visits()
    mr = demo.findings.issue_reference(
        demo.findings.propose(visit.id, FindingKind.MANDATORY_REQUIREMENT, "Rota gaps").id
    )
    demo.action_plan.add_action(mr.id, "Fill gaps", due_on=date.today() - timedelta(days=3))
    demo.action_plan.add_action(mr.id, "Audit", due_on=date.today() + timedelta(days=30))
    page = _open_findings(qtbot, window)
    page.tabs.setCurrentIndex(2)
    view = page.action_plan
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=5_000)
    model = view.model
    overdue_row = next(i for i in range(2) if model.row_at(i).overdue)
    status_column = 4
    index = model.index(overdue_row, status_column)
    assert model.data(index).startswith("OVERDUE"), "overdue in words, not only in colour"
    assert model.data(index, Qt.ItemDataRole.BackgroundRole).color() == OVERDUE_BACKGROUND
    other = model.index(1 - overdue_row, status_column)
    assert model.data(other) == "Not started"
    assert model.data(other, Qt.ItemDataRole.BackgroundRole) is None
    assert "1 overdue" in view.summary.text()

    view.table.selectRow(overdue_row)
    view.close_button.click()
    qtbot.waitUntil(lambda: view.update_dialog is not None, timeout=5_000)
    dialog = view.update_dialog
    assert dialog.mode == ActionUpdateDialog.CLOSE
    _ok(dialog)
    assert "evidence" in dialog.message.text()
    dialog.note.setPlainText("New rota from August, signed off by the DME")
    _ok(dialog)
    qtbot.waitUntil(
        lambda: any(r.status is ActionStatus.CLOSED for r in demo.action_plan.plan(visit.id)),
        timeout=5_000,
    )
    qtbot.waitUntil(lambda: "0 overdue" in view.summary.text(), timeout=5_000)
    qtbot.waitUntil(lambda: "Closed with" in view.history.toHtml(), timeout=5_000)


def test_ctrl_5_opens_findings_and_its_models_pass_qtmodeltester(  # type: ignore[no-untyped-def]
    qtmodeltester, qtbot, window: MainWindow, demo: Services
) -> None:
    (visit,) = demo.visits.list_visits()
    mr = demo.findings.propose(
        visit.id, FindingKind.MANDATORY_REQUIREMENT, "Rota gaps", domain_number=2
    )
    demo.findings.rate_risk(mr.id, 2, 3)
    demo.action_plan.add_action(mr.id, "Fill gaps", due_on=date.today() - timedelta(days=1))
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is window.findings_page
    page = window.findings_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: page.action_plan.model.rowCount() == 1, timeout=5_000)
    for model in (page.model, page.rollup_model, page.action_plan.model):
        qtmodeltester.check(model, force_py=True)
    for empty in (FindingTableModel(), RollupTableModel(), ActionPlanTableModel()):
        qtmodeltester.check(empty, force_py=True)


def test_every_control_of_the_findings_section_has_an_accessible_name(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, demo: Services
) -> None:
    (visit,) = demo.visits.list_visits()
    mr = demo.findings.issue_reference(
        demo.findings.propose(visit.id, FindingKind.MANDATORY_REQUIREMENT, "Rota gaps").id
    )
    demo.action_plan.add_action(mr.id, "Fill gaps")
    page = _open_findings(qtbot, window)
    qtbot.waitUntil(lambda: page.editor.shown is not None, timeout=5_000)
    page.new_finding()
    page.link_evidence()
    page.action_plan.add_action()
    qtbot.waitUntil(lambda: page.action_plan.model.rowCount() == 1, timeout=5_000)
    page.action_plan.table.selectRow(0)
    page.action_plan.status_button.click()
    window.sync_page.open_review()
    qtbot.waitUntil(
        lambda: page.evidence_dialog is not None and page.action_plan.add_dialog is not None,
        timeout=5_000,
    )
    dialogs = [
        page.new_dialog,
        page.evidence_dialog,
        page.action_plan.add_dialog,
        page.action_plan.update_dialog,
        window.sync_page.review_dialog,
    ]
    assert unnamed_controls(page) == [], unnamed_controls(page)
    for dialog in dialogs:
        assert dialog is not None
        assert unnamed_controls(dialog) == [], dialog.objectName()
        dialog.close()
