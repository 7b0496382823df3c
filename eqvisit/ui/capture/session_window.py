"""Guided capture of one interview session: the pinned template leads, question by question.

Keyboard first (shortcuts listed in ``SHORTCUTS`` and in docs/capture.md): next / previous
question, quick ratings with Alt+digit, jump to a section, the safety flag, the note. Every edit
is autosaved about half a second after typing stops (``Autosaver``); the header shows
"Saving…" / "Saved hh:mm:ss". ``show_if`` conditions are re-evaluated on every answer change, so
follow-up questions appear and disappear as the group answers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from eqvisit.services.redaction import find_personal_data
from eqvisit.services.session_form import missing_required
from eqvisit.templates.conditions import is_answered, visible_question_ids
from eqvisit.ui.capture.answer_widgets import AnswerWidget, answer_widget
from eqvisit.ui.capture.autosave import Autosaver, SaveState
from eqvisit.ui.messages import describe

if TYPE_CHECKING:
    from eqvisit.services.capture import CaptureService
    from eqvisit.services.session_form import SessionForm
    from eqvisit.templates.schema import Question
    from eqvisit.ui.worker import Worker

QUESTION_ROLE = Qt.ItemDataRole.UserRole
FLAG_TEXT = "Possible immediate mandatory requirement / patient safety"
SHORTCUTS = (
    ("Alt+Right", "next question"),
    ("Ctrl+PgDown", "next question"),
    ("Alt+Left", "previous question"),
    ("Ctrl+PgUp", "previous question"),
    ("Alt+1 … Alt+9", "choose answer 1–9 (Alt+0 clears)"),
    ("Ctrl+J", "jump to a section"),
    ("Alt+N", "go to the note"),
    ("Ctrl+Shift+F", "safety flag on / off"),
    ("Ctrl+S", "save now (autosave does it anyway)"),
)


class QuestionPage(QWidget):
    """One question: prompt, guidance, standards, the answer widget, a note and the safety flag."""

    edited = Signal(str, bool)  # question id, whether the answer (not only the note) changed

    def __init__(self, section_title: str, question: Question) -> None:
        super().__init__()
        self.question = question
        self.setObjectName(f"question-{question.id}")
        section = QLabel(escape(section_title))
        section.setObjectName("sectionTitle")
        required = " <span style='color:#b00020'>(required)</span>" if question.required else ""
        self.prompt = QLabel(f"<h2>{escape(question.prompt)}{required}</h2>")
        self.prompt.setWordWrap(True)
        self.prompt.setTextFormat(Qt.TextFormat.RichText)
        self.guidance = QLabel(escape(question.guidance))
        self.guidance.setObjectName("guidance")
        self.guidance.setWordWrap(True)
        self.guidance.setStyleSheet("font-style: italic")
        self.guidance.setVisible(bool(question.guidance))
        standards = ", ".join(question.standards)
        self.standards = QLabel(f"Standards: {standards}" if standards else "")
        self.answer: AnswerWidget = answer_widget(question)
        self.note = QPlainTextEdit()
        self.note.setObjectName("note")
        self.note.setAccessibleName(f"Note on: {question.prompt}")
        self.note.setPlaceholderText("Note: what the group said (themes, never names)")
        self.note.setTabChangesFocus(True)
        self.flag = QCheckBox(FLAG_TEXT)
        self.flag.setObjectName("safetyFlag")
        self.flag.setAccessibleName(FLAG_TEXT)
        self.flag.setStyleSheet("QCheckBox:checked { color: #b00020; font-weight: bold }")
        self.redaction_hint = QLabel()
        self.redaction_hint.setObjectName("redactionHint")
        self.redaction_hint.setWordWrap(True)
        self.redaction_hint.hide()
        note_caption = QLabel("&Note")
        note_caption.setBuddy(self.note)
        layout = QVBoxLayout(self)
        for widget in (section, self.prompt, self.guidance, self.standards, self.answer):
            layout.addWidget(widget)
        layout.addWidget(note_caption)
        layout.addWidget(self.note, 1)
        layout.addWidget(self.redaction_hint)
        layout.addWidget(self.flag)
        self.answer.changed.connect(lambda: self.edited.emit(question.id, True))
        self.note.textChanged.connect(lambda: self.edited.emit(question.id, False))
        self.flag.toggled.connect(lambda _on: self.edited.emit(question.id, False))

    def snapshot(self) -> tuple[Any, str, bool]:
        return self.answer.value(), self.note.toPlainText(), self.flag.isChecked()

    def has_content(self) -> bool:
        value, note, flagged = self.snapshot()
        return is_answered(value) or bool(note.strip()) or flagged


class AttendanceEditor(QWidget):
    """Head counts by learner group: a group label and a number per row, never a name."""

    edited = Signal()

    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__()
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("attendanceTable")
        self.table.setAccessibleName("Attendance by group")
        self.table.setHorizontalHeaderLabels(["Group (e.g. FY1)", "Number"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setMaximumHeight(96)
        self.add_button = QPushButton("Add &group")
        self.add_button.setObjectName("addAttendanceGroup")
        self.add_button.clicked.connect(lambda: self.add_row("", 0))
        self.message = QLabel()
        self.message.setObjectName("attendanceMessage")
        for group, count in counts.items():
            self.add_row(group, count)
        self.table.itemChanged.connect(lambda _item: self.edited.emit())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Attendance (numbers only):"))
        row.addStretch(1)
        row.addWidget(self.add_button)
        layout.addLayout(row)
        layout.addWidget(self.table)
        layout.addWidget(self.message)

    def add_row(self, group: str, count: int) -> None:
        blocked = self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(group))
        self.table.setItem(row, 1, QTableWidgetItem(str(count)))
        self.table.blockSignals(blocked)

    def counts(self) -> dict[str, int] | None:
        """The counts, or ``None`` (with a message) while a row is not a label and a number."""
        counts: dict[str, int] = {}
        for row in range(self.table.rowCount()):
            group_item, count_item = self.table.item(row, 0), self.table.item(row, 1)
            group = group_item.text().strip() if group_item else ""
            count_text = count_item.text().strip() if count_item else ""
            if not group and count_text in ("", "0"):
                continue
            if not group or not count_text.isdigit():
                self.message.setText(
                    f"Row {row + 1}: give a group label and a whole number (no names)."
                )
                return None
            counts[group] = counts.get(group, 0) + int(count_text)
        self.message.clear()
        return counts


class SessionCaptureWindow(QWidget):
    """Controller for capturing one session; all service calls go through the worker."""

    completed = Signal()

    def __init__(
        self,
        capture: CaptureService,
        worker: Worker,
        form: SessionForm,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._capture = capture
        self._worker = worker
        self.form = form
        self.session_id = form.session.id
        self._dirty: set[str] = set()
        self._attendance_dirty = False
        self._saving: tuple[set[str], bool] = (set(), False)
        self._complete_requested = False
        self.setObjectName("sessionCapture")
        template = form.template
        title = form.session.title
        self.setWindowTitle(f"Capture — {title}")
        self.setAccessibleName(f"Capture session {title}")
        self.resize(1100, 760)

        self.header = QLabel(
            f"<b>{escape(title)}</b>"
            + (f" · {escape(template.title)} (version {template.version})" if template else "")
        )
        self.save_state = QLabel("Saved")
        self.save_state.setObjectName("saveState")
        self.save_state.setAccessibleName("Save state")
        self.autosave = Autosaver(worker, self._collect, self)
        self.autosave.state_changed.connect(self._show_save_state)

        self.attendance = AttendanceEditor(dict(form.attendance))
        self.attendance.edited.connect(self._attendance_edited)

        self.tree = QTreeWidget()
        self.tree.setObjectName("questionTree")
        self.tree.setAccessibleName("Sections and questions")
        self.tree.setHeaderHidden(True)
        self.section_jump = QComboBox()
        self.section_jump.setObjectName("sectionJump")
        self.section_jump.setAccessibleName("Jump to section")
        self.pages = QStackedWidget()
        self.page_of: dict[str, QuestionPage] = {}
        self.item_of: dict[str, QTreeWidgetItem] = {}
        self.order: list[str] = []
        self._first_of_section: list[str] = []
        if template is not None:
            for section in template.sections:
                section_item = QTreeWidgetItem([section.title])
                section_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(section_item)
                self.section_jump.addItem(section.title)
                self._first_of_section.append(section.questions[0].id)
                for question in section.questions:
                    page = QuestionPage(section.title, question)
                    answer = form.answers.get(question.id)
                    if answer is not None:
                        page.answer.set_value(answer.value)
                        page.note.setPlainText(answer.note)
                        page.flag.setChecked(answer.safety_flag)
                    page.edited.connect(self._edited)
                    self.pages.addWidget(page)
                    item = QTreeWidgetItem([question.prompt])
                    item.setData(0, QUESTION_ROLE, question.id)
                    section_item.addChild(item)
                    self.page_of[question.id] = page
                    self.item_of[question.id] = item
                    self.order.append(question.id)
            self.tree.expandAll()
        else:
            self.pages.addWidget(
                QLabel("This session has no interview template: record observations instead.")
            )
        self.tree.currentItemChanged.connect(self._tree_moved)
        self.section_jump.activated.connect(self.jump_to_section)

        self.previous_button = QPushButton("◀ &Previous")
        self.previous_button.setObjectName("previousQuestion")
        self.previous_button.clicked.connect(self.previous_question)
        self.next_button = QPushButton("&Next ▶")
        self.next_button.setObjectName("nextQuestion")
        self.next_button.clicked.connect(self.next_question)
        self.complete_button = QPushButton("Mark session &complete")
        self.complete_button.setObjectName("markComplete")
        self.complete_button.clicked.connect(self.mark_complete)
        self.completion = QLabel("Completed by you." if form.completed else "")
        self.completion.setObjectName("completionMessage")
        self.completion.setWordWrap(True)
        self.progress = QLabel()
        self.progress.setObjectName("captureProgress")
        self.keys_hint = QLabel(
            "Keys: Alt+→ / Alt+← next / previous · Alt+1…9 choose an answer · Ctrl+J section · "
            "Alt+N note · Ctrl+Shift+F safety flag. Everything saves by itself."
        )
        self.keys_hint.setObjectName("keysHint")
        self.keys_hint.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.save_state)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        jump_caption = QLabel("Jump to section (Ctrl+J)")
        jump_caption.setBuddy(self.section_jump)
        left_layout.addWidget(jump_caption)
        left_layout.addWidget(self.section_jump)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(self.progress)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.previous_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.complete_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.attendance)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.completion)
        layout.addWidget(self.keys_hint)
        self._shortcuts()
        self._refresh_visibility()
        if self.order:
            self.go_to(self.visible()[0])

    # -- keyboard -----------------------------------------------------------------------------

    def _shortcut(self, keys: str, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.activated.connect(slot)

    def _shortcuts(self) -> None:
        for keys in ("Alt+Right", "Ctrl+PgDown"):
            self._shortcut(keys, self.next_question)
        for keys in ("Alt+Left", "Ctrl+PgUp"):
            self._shortcut(keys, self.previous_question)
        for number in range(10):
            self._shortcut(f"Alt+{number}", functools.partial(self.quick_answer, number))
        self._shortcut("Ctrl+J", self._open_section_jump)
        self._shortcut("Alt+N", self.focus_note)
        self._shortcut("Ctrl+Shift+F", self.toggle_flag)
        self._shortcut("Ctrl+S", self.autosave.save_now)

    def focus_note(self) -> None:
        page = self.current_page()
        if page is not None:
            page.note.setFocus()

    def _open_section_jump(self) -> None:
        self.section_jump.setFocus()
        self.section_jump.showPopup()

    # -- navigation ---------------------------------------------------------------------------

    def current_page(self) -> QuestionPage | None:
        page = self.pages.currentWidget()
        return page if isinstance(page, QuestionPage) else None

    @property
    def current_id(self) -> str | None:
        page = self.current_page()
        return page.question.id if page else None

    def values(self) -> dict[str, Any]:
        return {qid: page.answer.value() for qid, page in self.page_of.items()}

    def visible(self) -> list[str]:
        if self.form.template is None:
            return []
        return visible_question_ids(self.form.template, self.values())

    def go_to(self, question_id: str) -> None:
        page = self.page_of[question_id]
        if self.pages.currentWidget() is not page:
            self.autosave.save_now()  # leaving a question writes it at once
        self.pages.setCurrentWidget(page)
        item = self.item_of[question_id]
        if self.tree.currentItem() is not item:
            self.tree.setCurrentItem(item)
        page.answer.setFocus()

    def _step(self, delta: int) -> None:
        shown = self.visible()
        current = self.current_id
        if not shown or current is None:
            return
        if current in shown:
            index = shown.index(current) + delta
        else:  # the current question was just hidden: continue from its place in the template
            position = self.order.index(current)
            later = [q for q in shown if self.order.index(q) > position]
            earlier = [q for q in shown if self.order.index(q) < position]
            target = later[0] if delta > 0 and later else (earlier[-1] if earlier else shown[0])
            self.go_to(target)
            return
        self.go_to(shown[max(0, min(index, len(shown) - 1))])

    def next_question(self) -> None:
        self._step(1)

    def previous_question(self) -> None:
        self._step(-1)

    def jump_to_section(self, index: int) -> None:
        if not 0 <= index < len(self._first_of_section):
            return
        shown = self.visible()
        first = self._first_of_section[index]
        position = self.order.index(first)
        candidates = [q for q in shown if self.order.index(q) >= position]
        if candidates:
            self.go_to(candidates[0])

    def _tree_moved(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        question_id = current.data(0, QUESTION_ROLE) if current is not None else None
        if question_id and question_id in self.page_of:
            self.go_to(question_id)

    def quick_answer(self, number: int) -> None:
        page = self.current_page()
        if page is not None:
            page.answer.choose(number)

    def toggle_flag(self) -> None:
        page = self.current_page()
        if page is not None:
            page.flag.setChecked(not page.flag.isChecked())

    # -- edits and autosave -------------------------------------------------------------------

    def _edited(self, question_id: str, answer_changed: bool) -> None:
        self._dirty.add(question_id)
        if answer_changed:
            self._refresh_visibility()
        self._mark_item(question_id)
        page = self.page_of[question_id]
        hits = find_personal_data(page.note.toPlainText(), self.form.roster)
        page.redaction_hint.setVisible(bool(hits))
        if hits:
            page.redaction_hint.setText(
                "This note may hold "
                + "; ".join(hit.description for hit in hits[:3])
                + ". Notes are read by the whole panel: please remove it."
            )
        self.autosave.touch()

    def _attendance_edited(self) -> None:
        self._attendance_dirty = True
        self.autosave.touch()

    def _collect(self) -> Callable[[], object] | None:
        """Snapshot what is dirty (UI thread); the returned job writes it on the worker."""
        counts = self.attendance.counts() if self._attendance_dirty else None
        writes = {qid: self.page_of[qid].snapshot() for qid in sorted(self._dirty)}
        attendance_dirty = self._attendance_dirty and counts is not None
        if not writes and not attendance_dirty:
            return None
        self._saving = (set(writes), attendance_dirty)
        self._dirty.clear()
        if attendance_dirty:
            self._attendance_dirty = False
        capture, session_id = self._capture, self.session_id

        def job() -> None:
            for question_id, (value, note, flagged) in writes.items():
                capture.save_response(
                    session_id, question_id, value=value, note=note, safety_flag=flagged
                )
            if counts is not None:
                capture.save_attendance(session_id, counts)

        return job

    def _show_save_state(self, text: str) -> None:
        if self.autosave.state is SaveState.FAILED:  # keep the edits dirty so the next save retries
            questions, attendance = self._saving
            self._dirty |= questions
            self._attendance_dirty = self._attendance_dirty or attendance
        self.save_state.setText(text)
        self._complete_when_saved()

    # -- visibility, progress, completion -----------------------------------------------------

    def _refresh_visibility(self) -> None:
        shown = set(self.visible())
        for question_id, item in self.item_of.items():
            item.setHidden(question_id not in shown)
            self._mark_item(question_id)
        answered = sum(1 for q in shown if self.page_of[q].has_content())
        self.progress.setText(f"{answered} of {len(shown)} questions shown have an answer")

    def _mark_item(self, question_id: str) -> None:
        page = self.page_of[question_id]
        mark = "✓ " if page.has_content() else ("* " if page.question.required else "")
        flag = "⚠ " if page.flag.isChecked() else ""
        self.item_of[question_id].setText(0, f"{flag}{mark}{page.question.prompt}")

    def missing(self) -> list[Question]:
        if self.form.template is None:
            return []
        return missing_required(self.form.template, self.values())

    def mark_complete(self) -> None:
        missing = self.missing()
        if missing:
            self.completion.setText(
                "Before the session is complete, answer: "
                + "; ".join(escape(q.prompt) for q in missing)
            )
            self.go_to(missing[0].id)
            return
        self._complete_requested = True
        self.autosave.save_now()
        self._complete_when_saved()

    def _complete_when_saved(self) -> None:
        """Mark complete only once every edit is written, so the check sees the last answers."""
        if not self._complete_requested or self.autosave.busy:
            return
        if self.autosave.state is SaveState.FAILED:
            self._complete_requested = False
            return
        self._complete_requested = False
        session_id = self.session_id
        self._worker.submit(
            lambda: self._capture.mark_complete(session_id), self._marked, self._not_marked
        )

    def _marked(self, _row: object) -> None:
        self.completion.setText("Completed by you. Thank you — it syncs with your answers.")
        self.completed.emit()

    def _not_marked(self, error: BaseException) -> None:
        self.completion.setText(describe(error))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.autosave.save_now()
        super().closeEvent(event)
