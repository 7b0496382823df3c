"""One answer widget per question type, all with the same small interface.

``value()`` gives the answer as it is stored (``None`` when unanswered), ``set_value`` shows a
stored answer without emitting ``changed``, and ``choose(n)`` picks the n-th option (1-based) for
the quick-rating keys; types without options ignore it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QDoubleSpinBox,
    QHBoxLayout,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from eqvisit.templates.schema import Question, QuestionType

NO_ANSWER = -1


class AnswerWidget(QWidget):
    """Base: subclasses build their controls and call ``_emit`` when the person changes them."""

    changed = Signal()

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question
        self._quiet = False
        self.setAccessibleName(f"Answer: {question.prompt}")

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        self._quiet = True
        try:
            self._show(value)
        finally:
            self._quiet = False

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def choose(self, number: int) -> bool:
        """Pick option ``number`` (1-based); whether the widget had such an option."""
        return False

    def _emit(self) -> None:
        if not self._quiet:
            self.changed.emit()


class ChoiceAnswer(AnswerWidget):
    """Radio buttons for one answer (yes/no/unsure, RAG, scale, single choice).

    Clicking the chosen option again leaves it chosen; "Clear" is the quick key 0.
    """

    def __init__(self, question: Question) -> None:
        super().__init__(question)
        self.group = QButtonGroup(self)
        layout = QHBoxLayout(self) if len(question.choices) <= 5 else QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._values = [option.value for option in question.choices]
        for number, option in enumerate(question.choices, start=1):
            button = QRadioButton(f"{number}. {option.label}" if number < 10 else option.label)
            button.setAccessibleName(option.label)
            self.group.addButton(button, number - 1)
            layout.addWidget(button)
        if isinstance(layout, QHBoxLayout):
            layout.addStretch(1)
        if self.group.buttons():
            self.setFocusProxy(self.group.buttons()[0])
        self.group.idClicked.connect(lambda _id: self._emit())

    def value(self) -> Any:
        chosen = self.group.checkedId()
        return None if chosen == NO_ANSWER else self._values[chosen]

    def _show(self, value: Any) -> None:
        self.group.setExclusive(False)
        for button in self.group.buttons():
            button.setChecked(False)
        self.group.setExclusive(True)
        if value in self._values:
            button = self.group.button(self._values.index(value))
            button.setChecked(True)

    def choose(self, number: int) -> bool:
        if number == 0:
            self._show(None)
            self._emit()
            return True
        if 1 <= number <= len(self._values):
            self.group.button(number - 1).setChecked(True)
            self._emit()
            return True
        return False


class MultipleChoiceAnswer(AnswerWidget):
    """Check boxes; the answer is the list of ticked values in option order."""

    def __init__(self, question: Question) -> None:
        super().__init__(question)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: list[tuple[Any, QCheckBox]] = []
        for number, option in enumerate(question.choices, start=1):
            box = QCheckBox(f"{number}. {option.label}" if number < 10 else option.label)
            box.setAccessibleName(option.label)
            box.toggled.connect(lambda _on: self._emit())
            layout.addWidget(box)
            self.boxes.append((option.value, box))
        if self.boxes:
            self.setFocusProxy(self.boxes[0][1])

    def value(self) -> Any:
        ticked = [value for value, box in self.boxes if box.isChecked()]
        return ticked or None

    def _show(self, value: Any) -> None:
        chosen = set(value) if isinstance(value, list) else set()
        for option_value, box in self.boxes:
            box.setChecked(option_value in chosen)

    def choose(self, number: int) -> bool:
        if 1 <= number <= len(self.boxes):
            box = self.boxes[number - 1][1]
            box.setChecked(not box.isChecked())
            return True
        return False


class NumberAnswer(AnswerWidget):
    """A number within the question's bounds; blank (the minimum shown as "—") is unanswered."""

    def __init__(self, question: Question) -> None:
        super().__init__(question)
        self.spin = QDoubleSpinBox()
        self.spin.setAccessibleName(f"Number: {question.prompt}")
        low = float(question.min) if question.min is not None else 0.0
        self.spin.setRange(low - 1, float(question.max) if question.max is not None else 1e9)
        self.spin.setSpecialValueText("—")
        self.spin.setDecimals(0 if _whole(question) else 2)
        self.spin.setValue(self.spin.minimum())
        self.spin.valueChanged.connect(lambda _v: self._emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.spin)
        layout.addStretch(1)
        self.setFocusProxy(self.spin)

    def value(self) -> Any:
        if self.spin.value() == self.spin.minimum():
            return None
        number = self.spin.value()
        return int(number) if self.spin.decimals() == 0 else number

    def _show(self, value: Any) -> None:
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        self.spin.setValue(float(value) if is_number else self.spin.minimum())


def _whole(question: Question) -> bool:
    return all(bound is None or float(bound).is_integer() for bound in (question.min, question.max))


class DateAnswer(AnswerWidget):
    """A date, stored as ``YYYY-MM-DD``; unticked means unanswered."""

    def __init__(self, question: Question) -> None:
        super().__init__(question)
        self.known = QCheckBox("Date known")
        self.edit = QDateEdit(QDate.currentDate())
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("d MMM yyyy")
        self.edit.setEnabled(False)
        self.known.toggled.connect(self.edit.setEnabled)
        self.known.toggled.connect(lambda _on: self._emit())
        self.edit.dateChanged.connect(lambda _d: self._emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.known)
        layout.addWidget(self.edit)
        layout.addStretch(1)

    def value(self) -> Any:
        return self.edit.date().toString("yyyy-MM-dd") if self.known.isChecked() else None

    def _show(self, value: Any) -> None:
        parsed = QDate.fromString(value, "yyyy-MM-dd") if isinstance(value, str) else QDate()
        self.known.setChecked(parsed.isValid())
        if parsed.isValid():
            self.edit.setDate(parsed)


class TextAnswer(AnswerWidget):
    """Free text: one line for short answers is too little on a visit, so a small text box."""

    def __init__(self, question: Question) -> None:
        super().__init__(question)
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName(f"Answer text: {question.prompt}")
        self.edit.setTabChangesFocus(True)
        self.edit.setMaximumHeight(110)
        self.edit.textChanged.connect(self._emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        self.setFocusProxy(self.edit)

    def value(self) -> Any:
        text = self.edit.toPlainText()
        return text if text.strip() else None

    def _show(self, value: Any) -> None:
        self.edit.setPlainText(value if isinstance(value, str) else "")


def answer_widget(question: Question) -> AnswerWidget:
    """The widget for ``question``'s type."""
    if question.type is QuestionType.MULTIPLE_CHOICE:
        return MultipleChoiceAnswer(question)
    if question.type is QuestionType.NUMBER:
        return NumberAnswer(question)
    if question.type is QuestionType.DATE:
        return DateAnswer(question)
    if question.type is QuestionType.TEXT:
        return TextAnswer(question)
    return ChoiceAnswer(question)


__all__ = ["AnswerWidget", "answer_widget"]
