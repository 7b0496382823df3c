"""Visits: the list with filters; create and edit; panel and agenda; lifecycle; briefing pack.

Every service call runs on the worker. Dialogs are opened with ``open()`` (not ``exec()``) and
kept on the page (``visit_dialog``, ``panel_dialog``, ``session_dialog``, ``briefing``), so the
event loop keeps running and tests can drive them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from eqvisit.domain.enums import VisitStatus
from eqvisit.services.visits import VisitDraft
from eqvisit.ui.agenda_dialogs import PanelMemberDialog, SessionDialog
from eqvisit.ui.briefing_view import BriefingView
from eqvisit.ui.capture.coverage_view import FLAG_STYLE, safety_banner_html
from eqvisit.ui.capture.launcher import CaptureLauncher
from eqvisit.ui.messages import describe
from eqvisit.ui.table_models import (
    ROW_ROLE,
    SORT_ROLE,
    PanelTableModel,
    SessionTableModel,
    VisitTableModel,
)
from eqvisit.ui.text import label
from eqvisit.ui.visit_dialog import VisitDialog
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from eqvisit.services.briefing import BriefingService
    from eqvisit.services.capture import CaptureService
    from eqvisit.services.coverage import CoverageService, SafetyFlagRow
    from eqvisit.services.dto import ProviderRow, VisitDetail, VisitSummary
    from eqvisit.services.profile_dto import ProviderProfile
    from eqvisit.services.providers import ProviderService
    from eqvisit.services.sync import SyncService, VisitReceipt
    from eqvisit.services.templates import TemplateService
    from eqvisit.services.users import UserService
    from eqvisit.services.visits import VisitService


@dataclass(frozen=True)
class VisitServices:
    """What the visits page needs, passed in by the main window."""

    visits: VisitService
    providers: ProviderService
    users: UserService
    templates: TemplateService
    briefing: BriefingService
    capture: CaptureService
    coverage: CoverageService
    sync: SyncService | None = None  # for the visit's receipt line


class VisitFilterModel(QSortFilterProxyModel):
    """Filters visits by status and by words in the title, provider or ODS code."""

    def __init__(self) -> None:
        super().__init__()
        self.status: VisitStatus | None = None
        self.words: list[str] = []
        self.setSortRole(SORT_ROLE)

    def set_filter(self, status: VisitStatus | None, text: str) -> None:
        self.beginFilterChange()
        self.status = status
        self.words = text.lower().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        row: VisitSummary | None = (
            self.sourceModel().index(source_row, 0, source_parent).data(ROW_ROLE)
        )
        if row is None:
            return False
        if self.status is not None and row.status != self.status:
            return False
        haystack = f"{row.title} {row.provider_name} {row.provider_code}".lower()
        return all(word in haystack for word in self.words)


def _table(name: str, accessible: str, model: Any) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setModel(model)
    table.setTabKeyNavigation(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().hide()
    return table


def _button(text: str, name: str, accessible: str, slot: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    button.clicked.connect(slot)
    return button


class VisitsPage(QWidget):
    def __init__(self, services: VisitServices, worker: Worker) -> None:
        super().__init__()
        self._services = services
        self._visits = services.visits
        self._worker = worker
        self._current: VisitDetail | None = None
        self._names: dict[str, str] = {}
        self.visit_dialog: VisitDialog | None = None
        self.panel_dialog: PanelMemberDialog | None = None
        self.session_dialog: SessionDialog | None = None
        self.briefing: BriefingView | None = None
        self.capture = CaptureLauncher(services.capture, services.coverage, worker, self)

        self.filter_text = QLineEdit()
        self.filter_text.setObjectName("visitFilterText")
        self.filter_text.setAccessibleName("Filter visits by title or provider")
        self.filter_text.setPlaceholderText("Filter by title, provider or ODS code")
        self.filter_text.setClearButtonEnabled(True)
        self.filter_status = QComboBox()
        self.filter_status.setObjectName("visitFilterStatus")
        self.filter_status.setAccessibleName("Filter visits by status")
        self.filter_status.addItem("Any status", None)
        for status in VisitStatus:
            self.filter_status.addItem(label(status), status)
        self.new_button = _button("&New visit…", "newVisit", "Plan a new visit", self.new_visit)

        self.model = VisitTableModel()
        self.proxy = VisitFilterModel()
        self.proxy.setSourceModel(self.model)
        self.table = _table("visitTable", "Visits", self.proxy)
        self.table.setSortingEnabled(True)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.filter_text.textChanged.connect(lambda _t: self._apply_filter())
        self.filter_status.currentIndexChanged.connect(lambda _i: self._apply_filter())

        self.empty_label = QLabel()
        self.empty_label.setObjectName("visitsEmpty")
        self.empty_label.setWordWrap(True)
        self.detail = QTextBrowser()
        self.detail.setObjectName("visitDetail")
        self.detail.setAccessibleName("Visit details")
        self.detail.setHtml("<p>Choose a visit to see its details, panel and agenda.</p>")

        self.edit_button = _button("&Edit visit…", "editVisit", "Edit the visit", self.edit_visit)
        self.briefing_button = _button(
            "&Briefing pack", "openBriefing", "Open the briefing pack", self.open_briefing
        )
        self.panel_model = PanelTableModel()
        self.panel_table = _table("panelTable", "Panel", self.panel_model)
        self.add_member_button = _button(
            "&Add to panel…", "addPanelMember", "Add a person to the panel", self.add_member
        )
        self.remove_member_button = _button(
            "Remo&ve from panel",
            "removePanelMember",
            "Remove the chosen panel member",
            self.remove_member,
        )
        self.session_model = SessionTableModel()
        self.session_table = _table("agendaTable", "Agenda", self.session_model)
        self.add_session_button = _button(
            "Add se&ssion…", "addSession", "Add a session to the agenda", self.add_session
        )
        self.remove_session_button = _button(
            "Remove sess&ion", "removeSession", "Remove the chosen session", self.remove_session
        )
        self.capture_button = _button(
            "&Capture session", "captureSession", "Capture the chosen session", self.capture_session
        )
        self.session_table.doubleClicked.connect(lambda _i: self.capture_session())
        self.lay_button = _button(
            "My &observations", "layObservations", "Record observations", self.open_observations
        )
        self.coverage_button = _button(
            "Covera&ge board", "openCoverage", "Open the coverage board", self.open_coverage
        )
        self.safety_banner = QLabel()
        self.safety_banner.setObjectName("safetyBanner")
        self.safety_banner.setAccessibleName("Safety flags")
        self.safety_banner.setWordWrap(True)
        self.safety_banner.setStyleSheet(FLAG_STYLE)
        self.safety_banner.hide()

        self.status_combo = QComboBox()
        self.status_combo.setObjectName("visitStatusChoice")
        self.status_combo.setAccessibleName("Move the visit to status")
        for status in VisitStatus:
            self.status_combo.addItem(label(status), status)
        self.move_button = _button(
            "&Move visit", "moveVisit", "Move the visit to the chosen status", self._move
        )
        self.transition_message = QLabel()
        self.transition_message.setObjectName("transitionMessage")
        self.transition_message.setWordWrap(True)
        self._visit_buttons = (
            self.edit_button,
            self.briefing_button,
            self.add_member_button,
            self.remove_member_button,
            self.add_session_button,
            self.remove_session_button,
            self.move_button,
            self.capture_button,
            self.lay_button,
            self.coverage_button,
        )
        for button in self._visit_buttons:
            button.setEnabled(False)

        top = QHBoxLayout()
        filter_caption = QLabel("&Filter")
        filter_caption.setBuddy(self.filter_text)
        top.addWidget(filter_caption)
        top.addWidget(self.filter_text, 1)
        top.addWidget(self.filter_status)
        top.addWidget(self.new_button)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        actions = QHBoxLayout()
        actions.addWidget(self.edit_button)
        actions.addWidget(self.briefing_button)
        actions.addWidget(self.coverage_button)
        actions.addWidget(self.lay_button)
        actions.addStretch(1)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.safety_banner)
        right_layout.addWidget(self.detail, 2)
        self.receipt_label = QLabel()
        self.receipt_label.setObjectName("visitReceipt")
        self.receipt_label.setAccessibleName("Is this visit on the server")
        self.receipt_label.setWordWrap(True)
        right_layout.addWidget(self.receipt_label)
        for title, table, buttons, stretch in (
            ("Panel", self.panel_table, (self.add_member_button, self.remove_member_button), 1),
            (
                "Agenda",
                self.session_table,
                (self.capture_button, self.add_session_button, self.remove_session_button),
                2,
            ),
        ):
            right_layout.addWidget(QLabel(title))
            right_layout.addWidget(table, stretch)
            row = QHBoxLayout()
            for button in buttons:
                row.addWidget(button)
            row.addStretch(1)
            right_layout.addLayout(row)
        controls = QHBoxLayout()
        status_caption = QLabel("S&tatus:")
        status_caption.setBuddy(self.status_combo)
        controls.addWidget(status_caption)
        controls.addWidget(self.status_combo)
        controls.addWidget(self.move_button)
        controls.addStretch()
        right_layout.addLayout(controls)
        right_layout.addWidget(self.transition_message)

        self.splitter = QSplitter()
        self.splitter.setObjectName("visitsSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.splitter, 1)

    # -- list -------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._worker.submit(self._services.users.list_users, self._remember_names)
        self._worker.submit(self._visits.list_visits, self._show_list)

    def _remember_names(self, users: list[Any]) -> None:
        self._names = {u.id: u.display_name for u in users}
        self.session_model.names = self._names

    def _apply_filter(self) -> None:
        status = self.filter_status.currentData()
        self.proxy.set_filter(VisitStatus(status) if status else None, self.filter_text.text())

    def _show_list(self, rows: list[VisitSummary]) -> None:
        chosen = self._current.summary.id if self._current else None
        self.model.set_rows(rows)
        self.empty_label.setText(
            "No visits yet. Choose 'New visit…' to plan one, or find a provider on the "
            "Providers page and plan a visit there; visits planned by others arrive at sync."
        )
        self.empty_label.setVisible(not rows)
        self.select_visit(chosen) if chosen else self._select_first()

    def _select_first(self) -> None:
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def select_visit(self, visit_id: str) -> None:
        for row in range(self.proxy.rowCount()):
            summary = self.proxy.index(row, 0).data(ROW_ROLE)
            if summary is not None and summary.id == visit_id:
                self.table.selectRow(row)
                return

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row: VisitSummary | None = current.data(ROW_ROLE) if current.isValid() else None
        if row is not None and (self._current is None or self._current.summary.id != row.id):
            self._load(row.id)

    def _load(self, visit_id: str) -> None:
        self._worker.submit(lambda: self._visits.get(visit_id), self._show_detail, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.transition_message.setText(describe(error))

    def _show_detail(self, detail: VisitDetail) -> None:
        self._current = detail
        s = detail.summary
        dates = " to ".join(d.isoformat() for d in (s.starts_on, s.ends_on) if d) or "dates not set"
        sites = ", ".join(escape(site.name) for site in detail.sites) or "the whole provider"
        self.detail.setHtml(
            f"<h2>{escape(s.title)}</h2>"
            f"<p><b>{escape(s.provider_name)}</b> ({escape(s.provider_code)})"
            f" · {escape(label(s.visit_type))} · <b>{escape(label(s.status))}</b></p>"
            f"<p>{escape(dates)} · Sites: {sites}</p>"
            f"<p>{escape(detail.reason) or 'No reason recorded yet.'}</p>"
            f"<p>Triggered by {len(detail.trigger_ids)} intelligence items "
            "(open the briefing pack to read them).</p>"
        )
        self.show_receipt()
        self.panel_model.set_rows(detail.panel)
        self.session_model.names = self._names
        self.session_model.set_rows(detail.sessions)
        for button in self._visit_buttons:
            button.setEnabled(True)
        if detail.allowed_next:
            self.status_combo.setCurrentIndex(self.status_combo.findData(detail.allowed_next[0]))
        self.capture.load_flags(s.id, self._show_flags)

    def _show_flags(self, flags: list[SafetyFlagRow]) -> None:
        self.safety_banner.setText(safety_banner_html(flags))
        self.safety_banner.setVisible(bool(flags))

    def show_receipt(self) -> None:
        """Ask (on the worker) whether everything written on the shown visit is on the server."""
        sync = self._services.sync
        if sync is None or self._current is None:
            self.receipt_label.clear()
            return
        visit_id = self._current.summary.id
        self._worker.submit(lambda: sync.visit_receipt(visit_id), self._show_receipt, self._failed)

    def _show_receipt(self, receipt: VisitReceipt) -> None:
        if self._current is not None and receipt.visit_id == self._current.summary.id:
            self.receipt_label.setText(receipt.text)

    def _changed(self, detail: VisitDetail) -> None:
        self._show_detail(detail)
        self.refresh()

    # -- create and edit ----------------------------------------------------------------------

    def _search(self, query: str, on_rows: Callable[[list[ProviderRow]], None]) -> None:
        self._worker.submit(lambda: self._services.providers.search(query, limit=30), on_rows)

    def _load_profile(
        self, provider_id: str, on_profile: Callable[[ProviderProfile], None]
    ) -> None:
        self._worker.submit(lambda: self._services.providers.profile(provider_id), on_profile)

    def new_visit(self, provider_id: str | None = None) -> None:
        dialog = VisitDialog(
            self, self._search, self._load_profile, provider_id=provider_id or None
        )
        dialog.accepted.connect(lambda: self._create(dialog))
        self.visit_dialog = dialog
        dialog.open()

    def _create(self, dialog: VisitDialog) -> None:
        form = dialog.form()
        draft = VisitDraft(
            provider_id=form.provider_id,
            visit_type=form.visit_type,
            title=form.title,
            starts_on=form.starts_on,
            ends_on=form.ends_on,
            reason=form.reason,
            programme_group=form.programme_group,
            site_ids=form.site_ids,
            trigger_ids=form.trigger_ids,
        )
        self.transition_message.clear()
        self._worker.submit(lambda: self._visits.create(draft), self._created, self._failed)

    def _created(self, detail: VisitDetail) -> None:
        self._current = detail
        self.transition_message.setText(f"Planned '{detail.summary.title}'.")
        self._changed(detail)

    def edit_visit(self) -> None:
        if self._current is None:
            return
        dialog = VisitDialog(self, self._search, self._load_profile, existing=self._current)
        dialog.accepted.connect(lambda: self._save_edit(dialog))
        self.visit_dialog = dialog
        dialog.open()

    def _save_edit(self, dialog: VisitDialog) -> None:
        if self._current is None:
            return
        visit_id = self._current.summary.id
        form = dialog.form()
        changes = {
            "title": form.title,
            "visit_type": form.visit_type,
            "programme_group": form.programme_group,
            "starts_on": form.starts_on,
            "ends_on": form.ends_on,
            "reason": form.reason,
        }
        self._worker.submit(
            lambda: self._visits.update(
                visit_id, changes, site_ids=form.site_ids, trigger_ids=form.trigger_ids
            ),
            self._changed,
            self._failed,
        )

    # -- panel and agenda -------------------------------------------------------------------

    def add_member(self) -> None:
        self._worker.submit(self._services.users.list_users, self._open_member_dialog)

    def _open_member_dialog(self, users: list[Any]) -> None:
        if self._current is None:
            return
        visit_id = self._current.summary.id
        dialog = PanelMemberDialog(self, users)
        dialog.accepted.connect(lambda: self._add_member(visit_id, *dialog.choice()))
        self.panel_dialog = dialog
        dialog.open()

    def _add_member(self, visit_id: str, user_id: str, role: Any) -> None:
        self._worker.submit(
            lambda: self._visits.add_panel_member(visit_id, user_id, role),
            self._changed,
            self._failed,
        )

    def remove_member(self) -> None:
        index = self.panel_table.currentIndex()
        if self._current is None or not index.isValid():
            self.transition_message.setText("Choose a panel member in the panel table first.")
            return
        visit_id = self._current.summary.id
        user_id = self.panel_model.row_at(index.row()).user.id
        self._worker.submit(
            lambda: self._visits.remove_panel_member(visit_id, user_id),
            self._changed,
            self._failed,
        )

    def add_session(self) -> None:
        services = self._services
        self._worker.submit(
            lambda: (services.visits.learner_groups(), services.templates.list_templates()),
            lambda lists: self._open_session_dialog(*lists),
            self._failed,
        )

    def _open_session_dialog(self, groups: list[Any], templates: list[Any]) -> None:
        if self._current is None:
            return
        visit_id = self._current.summary.id
        dialog = SessionDialog(
            self,
            interviewers=[m.user for m in self._current.panel],
            learner_groups=groups,
            templates=templates,
            day=self._current.summary.starts_on,
        )
        dialog.accepted.connect(lambda: self._add_session(visit_id, dialog))
        self.session_dialog = dialog
        dialog.open()

    def _add_session(self, visit_id: str, dialog: SessionDialog) -> None:
        draft = dialog.draft()
        visits = self._visits
        self._worker.submit(
            lambda: (visits.add_session(visit_id, draft), visits.get(visit_id))[1],
            self._changed,
            self._failed,
        )

    def remove_session(self) -> None:
        index = self.session_table.currentIndex()
        if not index.isValid():
            self.transition_message.setText("Choose a session in the agenda first.")
            return
        session_id = self.session_model.row_at(index.row()).id
        self._worker.submit(
            lambda: self._visits.remove_session(session_id), self._changed, self._failed
        )

    # -- capture on the day -----------------------------------------------------------------

    def capture_session(self) -> None:
        index = self.session_table.currentIndex()
        if not index.isValid():
            self.transition_message.setText("Choose a session in the agenda first.")
            return
        self.capture.open_session(self.session_model.row_at(index.row()).id)

    def open_observations(self) -> None:
        if self._current is not None:
            self.capture.open_lay(self._current.summary.id, self._current.sessions)

    def open_coverage(self) -> None:
        if self._current is not None:
            self.capture.open_coverage(self._current.summary.id)

    # -- lifecycle and briefing ---------------------------------------------------------------

    def _move(self) -> None:
        if self._current is None:
            return
        visit_id = self._current.summary.id
        status = VisitStatus(self.status_combo.currentData())
        self.transition_message.clear()
        self._worker.submit(
            lambda: self._visits.transition(visit_id, status), self._on_moved, self._failed
        )

    def _on_moved(self, detail: VisitDetail) -> None:
        self.transition_message.setText(f"Moved to {label(detail.summary.status)}.")
        self._changed(detail)

    def open_briefing(self) -> None:
        if self._current is None:
            return
        visit_id = self._current.summary.id
        self._worker.submit(
            lambda: self._services.briefing.for_visit(visit_id), self._show_briefing, self._failed
        )

    def _show_briefing(self, pack: Any) -> None:
        if self.briefing is not None:
            self.briefing.close()
        self.briefing = BriefingView(self, pack)
        self.briefing.show()


__all__ = ["VisitServices", "VisitsPage"]
