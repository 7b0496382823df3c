"""Providers: instant search by name, ODS code, postcode or region, filters, and the profile."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
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

from eqvisit.domain.enums import OrgStatus, ProviderKind
from eqvisit.domain.provider_filter import ProviderFilter
from eqvisit.ui.intelligence_html import (
    cqc_section,
    flags_section,
    groups_section,
    requirements_section,
    visits_section,
)
from eqvisit.ui.messages import describe
from eqvisit.ui.table_models import ROW_ROLE, SORT_ROLE, ProviderTableModel
from eqvisit.ui.text import label
from eqvisit.ui.trend_chart import TrendChart
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from eqvisit.services.dto import ProviderRow
    from eqvisit.services.profile_dto import ProviderFilterChoices, ProviderProfile
    from eqvisit.services.providers import ProviderService

SEARCH_DELAY_MS = 120


def labelled(text: str, widget: QWidget, name: str) -> QLabel:
    """A label whose mnemonic moves focus to ``widget``, which takes ``name`` as its own."""
    caption = QLabel(text)
    caption.setBuddy(widget)
    widget.setAccessibleName(name)
    return caption


class ProvidersPage(QWidget):
    """Emits ``plan_visit(provider_id)`` when the user asks to plan a visit to the provider.

    Built with ``providers=None`` it is part of the window shell at start-up: the search box takes
    typing at once, and the search runs when :meth:`attach` brings the opened service.
    """

    plan_visit = Signal(str)

    def __init__(self, providers: ProviderService | None, worker: Worker) -> None:
        super().__init__()
        self._providers = providers
        self._worker = worker
        self._generation = 0
        self.current_profile: ProviderProfile | None = None

        self.search_box = QLineEdit()
        self.search_box.setObjectName("providerSearch")
        self.search_box.setPlaceholderText("Search providers by name, ODS code, postcode or region")
        self.search_box.setAccessibleName("Search providers")
        self.search_box.setClearButtonEnabled(True)

        self.kind_filter = QComboBox()
        self.kind_filter.setObjectName("kindFilter")
        self.kind_filter.addItem("Any kind", None)
        for kind in ProviderKind:
            self.kind_filter.addItem(label(kind), kind)
        self.region_filter = QComboBox()
        self.region_filter.setObjectName("regionFilter")
        self.region_filter.addItem("Any region", None)
        self.icb_filter = QComboBox()
        self.icb_filter.setObjectName("icbFilter")
        self.icb_filter.addItem("Any ICB", None)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.addItem("Any status", None)
        for status in OrgStatus:
            self.status_filter.addItem(label(status), status)
        self.red_flags_only = QCheckBox("Has &red flags")
        self.red_flags_only.setObjectName("redFlagsOnly")
        self.red_flags_only.setAccessibleName("Only providers with red survey flags")

        filters = QHBoxLayout()
        for caption, widget, name in (
            ("&Kind", self.kind_filter, "Filter by kind"),
            ("Re&gion", self.region_filter, "Filter by region"),
            ("&ICB", self.icb_filter, "Filter by integrated care board"),
            ("S&tatus", self.status_filter, "Filter by status"),
        ):
            filters.addWidget(labelled(caption, widget, name))
            filters.addWidget(widget)
            widget.currentIndexChanged.connect(lambda _i: self.run_search())
        filters.addWidget(self.red_flags_only)
        filters.addStretch(1)
        self.red_flags_only.toggled.connect(lambda _on: self.run_search())

        self.model = ProviderTableModel()
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.model)
        proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("providerTable")
        self.table.setAccessibleName("Providers")
        self.table.setModel(proxy)
        self.table.setSortingEnabled(True)
        self.table.setTabKeyNavigation(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(1, 320)
        self.table.verticalHeader().hide()
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)

        self.result_label = QLabel()
        self.result_label.setObjectName("providerResultCount")
        self.profile = QTextBrowser()
        self.profile.setObjectName("providerProfile")
        self.profile.setAccessibleName("Provider profile")
        self.profile.setHtml(
            "<p>Type in the search box, then choose a provider to see its details, "
            "survey flags, CQC ratings, trends and visit history.</p>"
        )
        self.trends = TrendChart()
        self.trends.setObjectName("providerTrends")
        self.plan_button = QPushButton("&Plan a visit to this provider…")
        self.plan_button.setObjectName("planVisit")
        self.plan_button.setAccessibleName("Plan a visit to the selected provider")
        self.plan_button.setEnabled(False)
        self.plan_button.clicked.connect(self._plan)

        profile_panel = QWidget()
        profile_layout = QVBoxLayout(profile_panel)
        profile_layout.setContentsMargins(0, 0, 0, 0)
        profile_split = QSplitter()
        profile_split.setOrientation(profile_split.orientation().Vertical)
        profile_split.addWidget(self.profile)
        profile_split.addWidget(self.trends)
        profile_split.setStretchFactor(0, 3)
        profile_split.setStretchFactor(1, 1)
        profile_layout.addWidget(profile_split, 1)
        profile_layout.addWidget(self.plan_button)

        self.splitter = QSplitter()
        self.splitter.setObjectName("providersSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(profile_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_box)
        layout.addLayout(filters)
        layout.addWidget(self.result_label)
        layout.addWidget(self.splitter, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search_box.textChanged.connect(lambda _text: self._debounce.start())
        self.search_box.returnPressed.connect(self._focus_results)

    def attach(self, providers: ProviderService) -> None:
        """Use the opened profile's provider service, and run what was typed meanwhile."""
        self._providers = providers
        self.refresh()

    def refresh(self) -> None:
        """Reload the filter choices and the results (after a sync brought new data)."""
        if self._providers is None:
            return
        self._worker.submit(self._providers.filter_choices, self._show_choices)
        self.run_search()

    def current_filter(self) -> ProviderFilter:
        # Qt hands enum data back as plain strings: turn them back into the enums.
        kind, status = self.kind_filter.currentData(), self.status_filter.currentData()
        return ProviderFilter(
            kinds=(ProviderKind(kind),) if kind else (),
            region_code=self.region_filter.currentData(),
            icb_code=self.icb_filter.currentData(),
            status=OrgStatus(status) if status else None,
            red_flags_only=self.red_flags_only.isChecked(),
        )

    def run_search(self) -> None:
        """Search on the worker; only the newest search's answer is shown."""
        self._generation += 1
        generation = self._generation
        query = self.search_box.text()
        narrowed = self.current_filter()
        providers = self._providers
        if providers is None:
            self.result_label.setText("Opening the local store… the search runs when it is open.")
            return
        self._worker.submit(
            lambda: providers.search(query, narrowed),
            lambda rows: self._show_results(generation, rows),
            lambda error: self.result_label.setText(f"Search failed: {describe(error)}"),
        )

    def _show_choices(self, choices: ProviderFilterChoices) -> None:
        for combo, values in (
            (self.region_filter, choices.regions),
            (self.icb_filter, choices.icbs),
        ):
            chosen: Any = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for value in values:
                combo.addItem(value, value)
            combo.setCurrentIndex(max(combo.findData(chosen), 0) if chosen else 0)
            combo.blockSignals(False)

    def _show_results(self, generation: int, rows: list[ProviderRow]) -> None:
        if generation != self._generation:
            return
        self.model.set_rows(rows)
        narrowed = self.current_filter() != ProviderFilter()
        if rows:
            more = " (first 200 — type more to narrow)" if len(rows) >= 200 else ""
            self.result_label.setText(f"{len(rows)} providers{more}")
        elif self.search_box.text().strip() or narrowed:
            self.result_label.setText(
                "No provider matches. Try part of the name or the ODS code, or clear the filters."
            )
        else:
            self.result_label.setText(
                "No providers yet: sync with the central store (Sync page), or run 'eqvisit demo'."
            )

    def _focus_results(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row: ProviderRow | None = current.data(ROW_ROLE) if current.isValid() else None
        providers = self._providers
        if row is None or providers is None:
            return
        self._worker.submit(
            lambda: providers.profile(row.id),
            self._show_profile,
            lambda error: self.profile.setHtml(f"<p>{escape(describe(error))}</p>"),
        )

    def _show_profile(self, profile: ProviderProfile) -> None:
        self.current_profile = profile
        detail = profile.detail
        p = detail.provider
        address = ", ".join([*detail.address_lines, p.postcode or ""])
        region, icb = p.region_code or "—", p.icb_code or "—"
        sites = (
            "<ul>"
            + "".join(f"<li>{escape(s.name)} ({escape(s.ods_code)})</li>" for s in detail.sites)
            + "</ul>"
            if detail.sites
            else "<p>No sites held.</p>"
        )
        self.profile.setHtml(
            f"<h2>{escape(p.name)}</h2>"
            f"<p><b>ODS code</b> {escape(p.ods_code)} · <b>Kind</b> {escape(label(p.kind))}"
            f" · <b>Region</b> {escape(region)} · <b>ICB</b> {escape(icb)}"
            f" · <b>Status</b> {escape(label(p.status))}</p>"
            f"<p>{escape(address)}</p>"
            f"<h3>Survey flags</h3>"
            f"{flags_section(profile.latest_nts_period, profile.nts_flags, profile.flag_counts)}"
            f"<h3>CQC ratings</h3>{cqc_section(profile.cqc_ratings)}"
            f"<h3>Open requirements from earlier visits</h3>"
            f"{requirements_section(profile.open_requirements, 'No open requirements.')}"
            f"<h3>Visits</h3>{visits_section(profile.visits)}"
            f"<h3>Sites ({len(detail.sites)})</h3>{sites}"
            f"<h3>Intelligence by source</h3>{groups_section(profile.groups)}"
        )
        self.trends.set_series(profile.trends)
        self.plan_button.setEnabled(True)

    def _plan(self) -> None:
        if self.current_profile is not None:
            self.plan_visit.emit(self.current_profile.detail.provider.id)
