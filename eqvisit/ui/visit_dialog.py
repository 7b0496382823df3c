"""Create or edit a visit: type, provider and sites, dates, reason, and the triggering intelligence.

The dialog never touches a service itself: the provider search and the provider's profile come
through the worker via the callables it is given, and the caller turns :meth:`VisitDialog.form`
into a service call once the dialog is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from eqvisit.domain.enums import NtsFlag, VisitType
from eqvisit.ui.agenda_dialogs import name_fields
from eqvisit.ui.intelligence_html import describe_item
from eqvisit.ui.text import label

if TYPE_CHECKING:
    from eqvisit.services.dto import ProviderRow, VisitDetail
    from eqvisit.services.profile_dto import ProviderProfile

ID_ROLE = Qt.ItemDataRole.UserRole + 10
TRIGGER_FLAGS = (NtsFlag.RED, NtsFlag.PINK)


@dataclass(frozen=True)
class VisitForm:
    """What the dialog collected."""

    provider_id: str
    visit_type: VisitType
    title: str
    programme_group: str | None
    starts_on: date | None
    ends_on: date | None
    reason: str
    site_ids: tuple[str, ...]
    trigger_ids: tuple[str, ...]


def _to_date(widget: QDateEdit, enabled: QCheckBox) -> date | None:
    if not enabled.isChecked():
        return None
    value = widget.date()
    return date(value.year(), value.month(), value.day())


class VisitDialog(QDialog):
    """``search(query, on_rows)`` and ``load_profile(id, on_profile)`` run on the worker."""

    def __init__(
        self,
        parent: QWidget | None,
        search: Callable[[str, Callable[[list[ProviderRow]], None]], None],
        load_profile: Callable[[str, Callable[[ProviderProfile], None]], None],
        *,
        existing: VisitDetail | None = None,
        provider_id: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("visitDialog")
        self.setWindowTitle("Edit visit" if existing else "Plan a visit")
        self.setAccessibleName(self.windowTitle())
        self._search = search
        self._load_profile = load_profile
        self._existing = existing
        self.provider_id: str | None = existing.summary.provider_id if existing else provider_id
        self._wanted_sites = {s.id for s in existing.sites} if existing else set()
        self._wanted_triggers = set(existing.trigger_ids) if existing else set()

        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("visitTitle")
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("visitType")
        for visit_type in VisitType:
            self.type_combo.addItem(label(visit_type), visit_type)
        self.provider_search = QLineEdit()
        self.provider_search.setObjectName("visitProviderSearch")
        self.provider_search.setPlaceholderText("Type a provider's name or ODS code")
        self.provider_choice = QComboBox()
        self.provider_choice.setObjectName("visitProvider")
        self.programme_edit = QLineEdit()
        self.programme_edit.setObjectName("visitProgramme")
        self.starts_set = QCheckBox("Start date set")
        self.starts_on = QDateEdit(QDate.currentDate().addDays(28))
        self.ends_set = QCheckBox("End date set")
        self.ends_on = QDateEdit(QDate.currentDate().addDays(28))
        for box, edit, name in (
            (self.starts_set, self.starts_on, "visitStarts"),
            (self.ends_set, self.ends_on, "visitEnds"),
        ):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            box.toggled.connect(edit.setEnabled)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("visitReason")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setMaximumHeight(80)
        self.sites_list = QListWidget()
        self.sites_list.setObjectName("visitSites")
        self.triggers_list = QListWidget()
        self.triggers_list.setObjectName("visitTriggers")
        self.message = QLabel()
        self.message.setObjectName("visitDialogMessage")
        self.message.setWordWrap(True)

        names = {
            self.title_edit: "Visit title",
            self.type_combo: "Visit type",
            self.provider_search: "Search for the provider to visit",
            self.provider_choice: "Provider to visit",
            self.programme_edit: "Programme group",
            self.starts_set: "The visit has a start date",
            self.starts_on: "Start date",
            self.ends_set: "The visit has an end date",
            self.ends_on: "End date",
            self.reason_edit: "Reason for the visit",
            self.sites_list: "Sites the visit covers",
            self.triggers_list: "Intelligence that triggered the visit",
        }
        for widget, name in names.items():
            widget.setAccessibleName(name)

        form = QFormLayout()
        form.addRow("&Title", self.title_edit)
        form.addRow("T&ype", self.type_combo)
        if existing is None:
            form.addRow("&Find provider", self.provider_search)
            form.addRow("&Provider", self.provider_choice)
        else:
            form.addRow(
                "Provider",
                QLabel(f"{existing.summary.provider_name} ({existing.summary.provider_code})"),
            )
        form.addRow("Pro&gramme group", self.programme_edit)
        for box, edit in ((self.starts_set, self.starts_on), (self.ends_set, self.ends_on)):
            row = QHBoxLayout()
            row.addWidget(box)
            row.addWidget(edit)
            row.addStretch(1)
            form.addRow(row)
        form.addRow("&Reason", self.reason_edit)
        form.addRow("&Sites", self.sites_list)
        form.addRow("Tri&ggered by", self.triggers_list)
        name_fields(form)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setAccessibleName("Save visit")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(640, 680)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self._run_search)
        self.provider_search.textChanged.connect(lambda _t: self._debounce.start())
        self.provider_choice.currentIndexChanged.connect(self._provider_chosen)
        self._fill(existing)
        if self.provider_id is not None:
            self._load_profile(self.provider_id, self.show_profile)

    def _fill(self, existing: VisitDetail | None) -> None:
        if existing is None:
            return
        s = existing.summary
        self.title_edit.setText(s.title)
        self.type_combo.setCurrentIndex(self.type_combo.findData(s.visit_type))
        self.programme_edit.setText(existing.programme_group or "")
        self.reason_edit.setPlainText(existing.reason)
        for day, box, edit in (
            (s.starts_on, self.starts_set, self.starts_on),
            (s.ends_on, self.ends_set, self.ends_on),
        ):
            if day is not None:
                box.setChecked(True)
                edit.setDate(QDate(day.year, day.month, day.day))

    def _run_search(self) -> None:
        text = self.provider_search.text()
        if text.strip():
            self._search(text, self._show_matches)

    def _show_matches(self, rows: list[ProviderRow]) -> None:
        self.provider_choice.blockSignals(True)
        self.provider_choice.clear()
        for row in rows:
            self.provider_choice.addItem(f"{row.name} ({row.ods_code})", row.id)
        self.provider_choice.blockSignals(False)
        if rows:
            self.provider_choice.setCurrentIndex(0)
            self._provider_chosen(0)

    def _provider_chosen(self, index: int) -> None:
        provider_id = self.provider_choice.itemData(index)
        if provider_id and provider_id != self.provider_id:
            self.provider_id = provider_id
            self._load_profile(provider_id, self.show_profile)

    def show_profile(self, profile: ProviderProfile) -> None:
        """Offer the provider's sites and its flagged intelligence as choices."""
        if profile.detail.provider.id != self.provider_id:
            return
        if self._existing is None and self.provider_choice.findData(self.provider_id) < 0:
            p = profile.detail.provider
            self.provider_choice.blockSignals(True)
            self.provider_choice.addItem(f"{p.name} ({p.ods_code})", p.id)
            self.provider_choice.setCurrentIndex(self.provider_choice.count() - 1)
            self.provider_choice.blockSignals(False)
        self.sites_list.clear()
        for site in profile.detail.sites:
            self._add_choice(
                self.sites_list, f"{site.name} ({site.ods_code})", site.id, self._wanted_sites
            )
        if not profile.detail.sites:
            self.sites_list.addItem("This provider has no separate sites.")
        self.triggers_list.clear()
        flagged = [
            i
            for i in profile.detail.intelligence
            if i.id in self._wanted_triggers
            or (i.period == profile.latest_nts_period and i.flag in TRIGGER_FLAGS)
            or i.source.value in ("concerns", "cqc")
        ]
        for item in flagged:
            flag = f"[{label(item.flag)}] " if item.flag else ""
            text = f"{item.period} {flag}{describe_item(item)}"
            self._add_choice(self.triggers_list, text, item.id, self._wanted_triggers)
        if not flagged:
            self.triggers_list.addItem("No flagged intelligence for this provider.")

    @staticmethod
    def _add_choice(target: QListWidget, text: str, value: str, wanted: set[str]) -> None:
        item = QListWidgetItem(text)
        item.setData(ID_ROLE, value)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if value in wanted else Qt.CheckState.Unchecked)
        target.addItem(item)

    @staticmethod
    def checked(target: QListWidget) -> tuple[str, ...]:
        return tuple(
            target.item(i).data(ID_ROLE)
            for i in range(target.count())
            if target.item(i).data(ID_ROLE) and target.item(i).checkState() == Qt.CheckState.Checked
        )

    def set_checked(self, target: QListWidget, values: set[str]) -> None:
        for i in range(target.count()):
            item = target.item(i)
            if item.data(ID_ROLE):
                checked = item.data(ID_ROLE) in values
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def form(self) -> VisitForm:
        programme = self.programme_edit.text().strip()
        return VisitForm(
            provider_id=self.provider_id or "",
            visit_type=VisitType(self.type_combo.currentData()),
            title=self.title_edit.text().strip(),
            programme_group=programme or None,
            starts_on=_to_date(self.starts_on, self.starts_set),
            ends_on=_to_date(self.ends_on, self.ends_set),
            reason=self.reason_edit.toPlainText().strip(),
            site_ids=self.checked(self.sites_list),
            trigger_ids=self.checked(self.triggers_list),
        )

    def _try_accept(self) -> None:
        """Say what is missing here, before anything is sent to be saved."""
        form = self.form()
        if not form.provider_id:
            self.message.setText("Choose the provider to visit: type its name under Find provider.")
            self.provider_search.setFocus()
        elif not form.title:
            self.message.setText("Give the visit a title.")
            self.title_edit.setFocus()
        elif form.starts_on and form.ends_on and form.ends_on < form.starts_on:
            self.message.setText("The end date is before the start date.")
            self.ends_on.setFocus()
        else:
            self.accept()
