"""Guided capture through the real window: show_if, quick keys, autosave, required questions."""

from __future__ import annotations

from PySide6.QtCore import Qt

from eqvisit.app_services import Services
from eqvisit.ui.capture.session_window import SessionCaptureWindow
from eqvisit.ui.worker import Worker

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def learners_session(demo: Services) -> str:
    (visit,) = demo.visits.list_visits()
    (session,) = [s for s in demo.visits.get(visit.id).sessions if s.title.startswith("Foundation")]
    return session.id


def open_window(qtbot, demo: Services, worker: Worker) -> SessionCaptureWindow:  # type: ignore[no-untyped-def]
    window = SessionCaptureWindow(
        demo.capture, worker, demo.capture.session_form(learners_session(demo))
    )
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def saved(window: SessionCaptureWindow) -> bool:
    return window.save_state.text().startswith("Saved") and not window.autosave.busy


def test_follow_up_questions_show_and_hide_as_answers_change(qtbot, demo: Services) -> None:  # type: ignore[no-untyped-def]
    worker = Worker()
    try:
        window = open_window(qtbot, demo, worker)
        follow_up = window.item_of["ltft_experience"]
        assert follow_up.isHidden()
        window.go_to("ltft_present")
        qtbot.keyClick(window.current_page(), Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
        assert window.page_of["ltft_present"].answer.value() == "yes"
        assert not follow_up.isHidden()
        window.next_question()
        assert window.current_id == "ltft_experience"
        window.previous_question()
        qtbot.keyClick(window.current_page(), Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
        assert window.page_of["ltft_present"].answer.value() == "no"
        assert follow_up.isHidden()
        window.next_question()
        assert window.current_id != "ltft_experience", "a hidden question is skipped"
        qtbot.waitUntil(lambda: saved(window), timeout=5_000)
        (answer,) = demo.capture.responses(window.session_id)
        assert (answer.question_id, answer.value) == ("ltft_present", "no")
        window.close()
    finally:
        worker.shutdown()


def test_typing_a_note_is_autosaved_without_a_save_button(qtbot, demo: Services) -> None:  # type: ignore[no-untyped-def]
    worker = Worker()
    try:
        window = open_window(qtbot, demo, worker)
        window.go_to("specialties")
        page = window.current_page()
        assert page is not None
        qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
        qtbot.keyClicks(page.note, "Nights on ward 4 feel unsafe")
        assert window.save_state.text() == "Unsaved changes…"
        qtbot.keyClick(
            window,
            Qt.Key.Key_F,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        assert page.flag.isChecked()
        qtbot.waitUntil(lambda: saved(window), timeout=5_000)
        (answer,) = demo.capture.responses(window.session_id)
        assert (answer.note, answer.safety_flag) == ("Nights on ward 4 feel unsafe", True)
        window.close()
    finally:
        worker.shutdown()


def test_required_questions_are_listed_before_the_session_is_complete(
    qtbot, demo: Services
) -> None:  # type: ignore[no-untyped-def]
    worker = Worker()
    try:
        window = open_window(qtbot, demo, worker)
        window.mark_complete()
        assert "Which grades are in this group?" in window.completion.text()
        assert window.current_id == "grades_present"
        for question in window.missing():
            window.go_to(question.id)
            page = window.current_page()
            assert page is not None
            if question.type == "number":
                page.answer.set_value(6)
                page.answer.changed.emit()
            else:
                page.answer.choose(1)
        assert window.missing() == []
        window.attendance.add_row("FY1", 0)
        window.attendance.table.item(0, 1).setText("6")
        window.mark_complete()
        qtbot.waitUntil(lambda: "Completed" in window.completion.text(), timeout=5_000)
        form = demo.capture.session_form(window.session_id)
        assert form.completed
        assert form.attendance == {"FY1": 6}
        window.close()
    finally:
        worker.shutdown()


def test_the_redaction_hint_appears_while_typing_a_name(qtbot, demo: Services) -> None:  # type: ignore[no-untyped-def]
    worker = Worker()
    try:
        window = open_window(qtbot, demo, worker)
        page = window.current_page()
        assert page is not None
        qtbot.keyClicks(page.note, "Mr Okafor disagreed")
        assert page.redaction_hint.isVisibleTo(window)
        assert "Mr Okafor" in page.redaction_hint.text()
        page.note.setPlainText("One trainee disagreed")
        assert not page.redaction_hint.isVisibleTo(window)
        qtbot.waitUntil(lambda: saved(window), timeout=5_000)
        window.close()
    finally:
        worker.shutdown()
