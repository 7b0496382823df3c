"""Lay representative mode: plain-language observations, on walk-rounds and in sessions.

A lay representative sees and edits only their own observations (the list comes from
``CaptureService.my_observations``; the server's permission table enforces the same). The form
asks five plain questions — where, what did you see or hear, what is it about, was it good or a
worry, and (optionally) which standards — and saves itself like the session capture does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from eqvisit.domain.enums import Sentiment
from eqvisit.ui.capture.autosave import Autosaver

if TYPE_CHECKING:
    from eqvisit.services.capture import CaptureService
    from eqvisit.services.dto import ObservationRow, SessionRow
    from eqvisit.ui.worker import Worker

ID_ROLE = Qt.ItemDataRole.UserRole
CATEGORIES = (
    "Welcome and first impressions",
    "Environment and facilities",
    "Learners' wellbeing",
    "Supervision and support",
    "Patient safety and experience",
    "Equality and fairness",
    "Something else",
)
SENTIMENT_WORDS = {
    Sentiment.POSITIVE: "Something good",
    Sentiment.NEUTRAL: "Just noting it",
    Sentiment.CONCERN: "A worry or a challenge",
}


class LayObservationWindow(QWidget):
    """One visit's observations by the signed-in author; service calls run on the worker."""

    def __init__(
        self,
        capture: CaptureService,
        worker: Worker,
        visit_id: str,
        sessions: Sequence[SessionRow],
        observations: Sequence[ObservationRow],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._capture = capture
        self._worker = worker
        self.visit_id = visit_id
        self.current_id: str | None = None
        self._dirty = False
        self._creating = False
        self.setObjectName("layObservations")
        self.setWindowTitle("My observations")
        self.setAccessibleName("My observations")
        self.resize(900, 620)

        intro = QLabel(
            "Write down what you see and hear, in your own words. Only you can see and change "
            "your notes here; the panel lead reads them after the next sync. Please do not write "
            "anyone's name."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("observationList")
        self.list.setAccessibleName("My observations")
        self.new_button = QPushButton("&New observation")
        self.new_button.setObjectName("newObservation")
        self.new_button.clicked.connect(self.start_new)

        self.where = QLineEdit()
        self.where.setObjectName("observationWhere")
        self.where.setPlaceholderText("For example: Ward 7, the doctors' mess, the learner session")
        self.session_choice = QComboBox()
        self.session_choice.setObjectName("observationSession")
        self.session_choice.addItem("Walk-round or elsewhere (not a session)", None)
        for session in sessions:
            self.session_choice.addItem(session.title, session.id)
        self.what = QPlainTextEdit()
        self.what.setObjectName("observationText")
        self.what.setAccessibleName("What did you see or hear?")
        self.what.setTabChangesFocus(True)
        self.category = QComboBox()
        self.category.setObjectName("observationCategory")
        self.category.setEditable(True)
        self.category.addItems(list(CATEGORIES))
        self.standards = QLineEdit()
        self.standards.setObjectName("observationStandards")
        self.standards.setPlaceholderText("Optional, for example 1.1, 3.2")
        self.sentiment = QButtonGroup(self)
        sentiment_row = QHBoxLayout()
        for index, (value, words) in enumerate(SENTIMENT_WORDS.items()):
            button = QRadioButton(words)
            button.setObjectName(f"sentiment-{value}")
            button.setProperty("sentiment", value.value)
            self.sentiment.addButton(button, index)
            sentiment_row.addWidget(button)
        self.sentiment.button(1).setChecked(True)
        sentiment_row.addStretch(1)
        self.save_state = QLabel("")
        self.save_state.setObjectName("saveState")
        self.message = QLabel()
        self.message.setObjectName("layMessage")
        self.message.setWordWrap(True)

        form = QFormLayout()
        form.addRow("&Where were you?", self.where)
        form.addRow("In a &session?", self.session_choice)
        form.addRow("&What did you see or hear?", self.what)
        form.addRow("What is it &about?", self.category)
        form.addRow("Good or a worry?", sentiment_row)
        form.addRow("Standards (&optional)", self.standards)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(form)
        right_layout.addWidget(self.save_state)
        right_layout.addWidget(self.message)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.new_button)
        left_layout.addWidget(self.list, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)

        self._rows: dict[str, ObservationRow] = {}
        self.autosave = Autosaver(worker, self._collect, self)
        self.autosave.state_changed.connect(self.save_state.setText)
        self.autosave.saved.connect(self._saved)
        self.show_rows(observations)
        self.list.currentItemChanged.connect(self._chosen)
        for edit in (self.where, self.standards):
            edit.textEdited.connect(lambda _t: self._touch())
        self.what.textChanged.connect(self._touch)
        self.category.currentTextChanged.connect(lambda _t: self._touch())
        self.session_choice.currentIndexChanged.connect(lambda _i: self._touch())
        self.sentiment.idClicked.connect(lambda _i: self._touch())
        self.start_new()

    # -- list ---------------------------------------------------------------------------------

    def show_rows(self, rows: Sequence[ObservationRow]) -> None:
        blocked = self.list.blockSignals(True)
        self.list.clear()
        self._rows = {row.id: row for row in rows}
        for row in rows:
            mark = {"positive": "Good: ", "concern": "Worry: "}.get(row.sentiment.value, "")
            item = QListWidgetItem(f"{mark}{row.location or 'Somewhere'} — {row.text[:60]}")
            item.setData(ID_ROLE, row.id)
            self.list.addItem(item)
            if row.id == self.current_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(blocked)

    def _chosen(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is None:
            return
        self.autosave.save_now()
        row = self._rows.get(item.data(ID_ROLE))
        if row is not None:
            self._load(row)

    def _load(self, row: ObservationRow | None) -> None:
        self._loading = True
        self._form_token += 1
        try:
            self.current_id = row.id if row else None
            self.where.setText(row.location if row else "")
            self.what.setPlainText(row.text if row else "")
            self.category.setCurrentText(row.category if row else CATEGORIES[0])
            self.standards.setText(", ".join(row.standards) if row else "")
            sentiment = row.sentiment if row else Sentiment.NEUTRAL
            self.sentiment.button(list(SENTIMENT_WORDS).index(sentiment)).setChecked(True)
            index = self.session_choice.findData(row.session_id if row else None)
            self.session_choice.setCurrentIndex(max(index, 0))
        finally:
            self._loading = False
        self._dirty = False

    def start_new(self) -> None:
        self.autosave.save_now()
        self.list.clearSelection()
        self._load(None)
        self.where.setFocus()

    # -- autosave -----------------------------------------------------------------------------

    _loading = False
    _form_token = 0

    def _touch(self) -> None:
        if self._loading:
            return
        self._dirty = True
        self.autosave.touch()

    def fields(self) -> dict[str, object]:
        button = self.sentiment.checkedButton()
        assert button is not None  # the group is exclusive and starts with one checked
        return {
            "location": self.where.text().strip(),
            "text": self.what.toPlainText().strip(),
            "category": self.category.currentText().strip(),
            "sentiment": Sentiment(str(button.property("sentiment"))),
            "standards": [c.strip() for c in self.standards.text().split(",") if c.strip()],
        }

    def _collect(self) -> Callable[[], object] | None:
        if not self._dirty:
            return None
        fields = self.fields()
        if not fields["text"]:
            self.message.setText("Write what you saw or heard; it saves by itself.")
            return None
        self.message.clear()
        self._dirty = False
        capture, visit_id, current = self._capture, self.visit_id, self.current_id
        token = self._form_token
        session_id = self.session_choice.currentData()
        standards = [str(code) for code in fields["standards"]]  # type: ignore[attr-defined]

        def job() -> tuple[int, str, list[ObservationRow]]:
            if current is None:
                made = capture.add_observation(
                    visit_id,
                    str(fields["text"]),
                    location=str(fields["location"]),
                    category=str(fields["category"]),
                    sentiment=Sentiment(str(fields["sentiment"])),
                    standards=standards,
                    session_id=session_id,
                )
                return token, made.id, capture.my_observations(visit_id)
            capture.update_observation(current, fields)
            return token, current, capture.my_observations(visit_id)

        return job

    def _saved(self, result: object) -> None:
        """After a save (UI thread): a new observation now has an id; the list shows it."""
        if not isinstance(result, tuple):
            return
        token, record_id, rows = result
        if token == self._form_token and self.current_id is None:
            self.current_id = record_id
        self.show_rows(rows)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.autosave.save_now()
        super().closeEvent(event)
