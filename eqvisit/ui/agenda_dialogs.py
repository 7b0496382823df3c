"""Small dialogs of visit planning: add a panel member, add a session to the agenda.

Each collects plain values and is accepted only when they are complete; the caller sends them to
the service on the worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from eqvisit.domain.enums import Audience, PanelRole
from eqvisit.services.visits import SessionDraft
from eqvisit.ui.text import label

if TYPE_CHECKING:
    from datetime import date

    from eqvisit.services.dto import LearnerGroupRow, UserRow
    from eqvisit.services.templates import TemplateSummary

ID_ROLE = Qt.ItemDataRole.UserRole + 10


def _buttons(dialog: QDialog, save_name: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName(save_name)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
    buttons.rejected.connect(dialog.reject)
    return buttons


def _lay_out(
    dialog: QDialog,
    form: QFormLayout,
    buttons: QDialogButtonBox,
    on_ok: Callable[[], None],
    message: QLabel | None = None,
) -> None:
    """The form, an optional message line, then the buttons; OK calls ``on_ok``."""
    name_fields(form)
    buttons.accepted.connect(on_ok)
    layout = QVBoxLayout(dialog)
    layout.addLayout(form)
    if message is not None:
        layout.addWidget(message)
    layout.addWidget(buttons)


def name_fields(form: QFormLayout) -> None:
    """Each label's mnemonic moves focus to its field; the field takes the label as its name."""
    for row in range(form.rowCount()):
        caption = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if caption is None or field is None:
            continue
        text, widget = caption.widget(), field.widget()
        if isinstance(text, QLabel) and widget is not None:
            text.setBuddy(widget)
            if not widget.accessibleName():
                widget.setAccessibleName(text.text().replace("&", ""))


class PanelMemberDialog(QDialog):
    def __init__(self, parent: QWidget | None, users: Sequence[UserRow]) -> None:
        super().__init__(parent)
        self.setObjectName("panelMemberDialog")
        self.setWindowTitle("Add to the panel")
        self.user_combo = QComboBox()
        self.user_combo.setObjectName("panelUser")
        for user in users:
            org = f" — {user.organisation}" if user.organisation else ""
            self.user_combo.addItem(f"{user.display_name}{org}", user.id)
        self.role_combo = QComboBox()
        self.role_combo.setObjectName("panelRole")
        for role in PanelRole:
            self.role_combo.addItem(label(role), role)
        form = QFormLayout()
        form.addRow("&Person", self.user_combo)
        form.addRow("Panel &role", self.role_combo)
        _lay_out(self, form, _buttons(self, "Add to the panel"), self.accept)

    def choice(self) -> tuple[str, PanelRole]:
        return self.user_combo.currentData(), PanelRole(self.role_combo.currentData())


class SessionDialog(QDialog):
    """Collects a :class:`SessionDraft`; times are entered in local time and stored in UTC."""

    def __init__(
        self,
        parent: QWidget | None,
        *,
        interviewers: Sequence[UserRow],
        learner_groups: Sequence[LearnerGroupRow],
        templates: Sequence[TemplateSummary],
        day: date | None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sessionDialog")
        self.setWindowTitle("Add a session to the agenda")
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("sessionTitle")
        self.audience_combo = QComboBox()
        self.audience_combo.setObjectName("sessionAudience")
        for audience in Audience:
            self.audience_combo.addItem(label(audience), audience)
        self.group_combo = QComboBox()
        self.group_combo.setObjectName("sessionLearnerGroup")
        self.group_combo.addItem("No particular group", None)
        for group in learner_groups:
            self.group_combo.addItem(group.label, group.id)
        start = QDateTime.currentDateTime()
        if day is not None:
            start = QDateTime(QDate(day.year, day.month, day.day), QTime(9, 0))
        self.starts_at = QDateTimeEdit(start)
        self.starts_at.setObjectName("sessionStarts")
        self.ends_at = QDateTimeEdit(start.addSecs(3600))
        self.ends_at.setObjectName("sessionEnds")
        for edit in (self.starts_at, self.ends_at):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
        self.room_edit = QLineEdit()
        self.room_edit.setObjectName("sessionRoom")
        self.interviewers = QListWidget()
        self.interviewers.setObjectName("sessionInterviewers")
        for user in interviewers:
            item = QListWidgetItem(user.display_name)
            item.setData(ID_ROLE, user.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.interviewers.addItem(item)
        self.template_combo = QComboBox()
        self.template_combo.setObjectName("sessionTemplate")
        self.template_combo.addItem("No template", None)
        for template in templates:
            self.template_combo.addItem(
                f"{template.title} (v{template.version})", (template.template_id, template.version)
            )
        self.message = QLabel()
        self.message.setObjectName("sessionMessage")
        self.message.setWordWrap(True)

        form = QFormLayout()
        form.addRow("&Title", self.title_edit)
        form.addRow("&Audience", self.audience_combo)
        form.addRow("&Learner group", self.group_combo)
        form.addRow("&Starts", self.starts_at)
        form.addRow("&Ends", self.ends_at)
        form.addRow("&Room", self.room_edit)
        form.addRow("&Interviewers", self.interviewers)
        form.addRow("Tem&plate", self.template_combo)
        _lay_out(self, form, _buttons(self, "Add the session"), self._try_accept, self.message)

    def draft(self) -> SessionDraft:
        template = self.template_combo.currentData()
        return SessionDraft(
            title=self.title_edit.text().strip(),
            audience=Audience(self.audience_combo.currentData()),
            starts_at=_utc(self.starts_at.dateTime()),
            ends_at=_utc(self.ends_at.dateTime()),
            room=self.room_edit.text().strip(),
            learner_group_id=self.group_combo.currentData(),
            template_id=template[0] if template else None,
            template_version=template[1] if template else None,
            interviewer_ids=tuple(
                self.interviewers.item(i).data(ID_ROLE)
                for i in range(self.interviewers.count())
                if self.interviewers.item(i).checkState() == Qt.CheckState.Checked
            ),
        )

    def _try_accept(self) -> None:
        draft = self.draft()
        if not draft.title:
            self.message.setText("Give the session a title, e.g. 'Foundation doctors'.")
            self.title_edit.setFocus()
        elif draft.starts_at and draft.ends_at and draft.ends_at <= draft.starts_at:
            self.message.setText("The session must end after it starts.")
            self.ends_at.setFocus()
        else:
            self.accept()


def _utc(value: QDateTime) -> datetime:
    local = value.toPython()
    assert isinstance(local, datetime)
    return local.astimezone(UTC) if local.tzinfo else local.astimezone().astimezone(UTC)


__all__ = ["PanelMemberDialog", "SessionDialog", "name_fields"]
