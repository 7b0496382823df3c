"""Lay mode through its window, and the redaction review a manual sync opens first."""

from __future__ import annotations

from eqvisit.app_services import Services
from eqvisit.domain.enums import Sentiment
from eqvisit.ui.capture.lay_window import LayObservationWindow
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.worker import Worker
from tests.ui.test_main_window import wait_idle


def visit_and_sessions(demo: Services):  # type: ignore[no-untyped-def]
    (visit,) = demo.visits.list_visits()
    return visit.id, demo.visits.get(visit.id).sessions


def test_a_lay_rep_writes_and_edits_only_their_own_observations(qtbot, demo: Services) -> None:  # type: ignore[no-untyped-def]
    visit_id, sessions = visit_and_sessions(demo)
    demo.users.sign_in_locally("panel1")
    demo.capture.add_observation(visit_id, "A panel member's own observation")
    demo.users.sign_in_locally("lay1")
    worker = Worker()
    try:
        window = LayObservationWindow(
            demo.capture, worker, visit_id, sessions, demo.capture.my_observations(visit_id)
        )
        qtbot.addWidget(window)
        window.show()
        assert window.list.count() == 0, "someone else's observation is not listed"
        qtbot.keyClicks(window.where, "Ward 7")
        qtbot.keyClicks(window.what, "Noticeboard out of date")
        window.sentiment.button(2).click()  # a worry
        qtbot.waitUntil(lambda: window.list.count() == 1, timeout=5_000)
        qtbot.keyClicks(window.what, " by two years")
        qtbot.waitUntil(
            lambda: not window.autosave.busy and window.save_state.text().startswith("Saved"),
            timeout=5_000,
        )
        window.start_new()
        qtbot.keyClicks(window.what, "Friendly welcome at reception")
        window.sentiment.button(0).click()
        qtbot.waitUntil(lambda: window.list.count() == 2, timeout=5_000)
        qtbot.waitUntil(lambda: not window.autosave.busy, timeout=5_000)
        mine = {o.text: o for o in demo.capture.my_observations(visit_id)}
        assert set(mine) == {
            "Noticeboard out of date by two years",
            "Friendly welcome at reception",
        }
        edited = mine["Noticeboard out of date by two years"]
        assert (edited.location, edited.sentiment) == ("Ward 7", Sentiment.CONCERN)
        assert mine["Friendly welcome at reception"].sentiment is Sentiment.POSITIVE
        assert len(demo.capture.observations(visit_id)) == 3
        window.close()
    finally:
        worker.shutdown()


def test_a_manual_sync_first_lists_notes_that_name_someone_and_lets_the_author_edit(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, demo: Services
) -> None:
    wait_idle(qtbot, window)
    _, sessions = visit_and_sessions(demo)
    row = demo.capture.save_response(
        sessions[1].id, "specialties", value="Surgery", note="Ring Mr Okafor on 07700 900123"
    )
    window.sync_page.request_sync()
    qtbot.waitUntil(lambda: window.redaction_dialog is not None, timeout=5_000)
    dialog = window.redaction_dialog
    assert dialog is not None
    assert dialog.list.count() == 1
    assert "Mr Okafor" in dialog.list.item(0).text()
    assert "07700 900123" in dialog.list.item(0).text()
    dialog.edit_current()
    assert dialog.editor.textCursor().selectedText() == "Mr Okafor"
    dialog.editor.setPlainText("Ring the surgical school lead")
    dialog.save_current()
    qtbot.waitUntil(
        lambda: demo.capture.responses(sessions[1].id)[0].note == "Ring the surgical school lead",
        timeout=5_000,
    )
    (saved,) = demo.capture.responses(sessions[1].id)
    assert (saved.id, saved.value) == (row.id, "Surgery"), "only the note changed"
    dialog.reject()
    wait_idle(qtbot, window)
    assert demo.redaction.review() == []
