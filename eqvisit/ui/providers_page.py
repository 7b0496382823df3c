"""Providers: instant search by name, ODS code, postcode or region, and a provider's profile."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from eqvisit.ui.table_models import ROW_ROLE, SORT_ROLE, ProviderTableModel
from eqvisit.ui.text import label
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from eqvisit.services.dto import ProviderDetail, ProviderRow
    from eqvisit.services.providers import ProviderService

SEARCH_DELAY_MS = 120


class ProvidersPage(QWidget):
    def __init__(self, providers: ProviderService, worker: Worker) -> None:
        super().__init__()
        self._providers = providers
        self._worker = worker
        self._generation = 0

        self.search_box = QLineEdit()
        self.search_box.setObjectName("providerSearch")
        self.search_box.setPlaceholderText("Search providers by name, ODS code, postcode or region")
        self.search_box.setAccessibleName("Search providers")
        self.search_box.setClearButtonEnabled(True)

        self.model = ProviderTableModel()
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.model)
        proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("providerTable")
        self.table.setAccessibleName("Providers")
        self.table.setModel(proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)

        self.result_label = QLabel()
        self.result_label.setObjectName("providerResultCount")
        self.profile = QTextBrowser()
        self.profile.setObjectName("providerProfile")
        self.profile.setAccessibleName("Provider profile")
        self.profile.setHtml("<p>Select a provider to see its details and intelligence.</p>")

        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.profile)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_box)
        layout.addWidget(self.result_label)
        layout.addWidget(splitter, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search_box.textChanged.connect(lambda _text: self._debounce.start())

    def run_search(self) -> None:
        """Search on the worker; only the newest search's answer is shown."""
        self._generation += 1
        generation = self._generation
        query = self.search_box.text()
        self._worker.submit(
            lambda: self._providers.search(query),
            lambda rows: self._show_results(generation, rows),
            lambda error: self.result_label.setText(f"Search failed: {error}"),
        )

    def _show_results(self, generation: int, rows: list[ProviderRow]) -> None:
        if generation != self._generation:
            return
        self.model.set_rows(rows)
        if rows:
            self.result_label.setText(f"{len(rows)} providers")
        elif self.search_box.text().strip():
            self.result_label.setText("No provider matches. Try part of the name, or the ODS code.")
        else:
            self.result_label.setText(
                "No providers yet: sync with the central store, or run the demo."
            )

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row: ProviderRow | None = current.data(ROW_ROLE) if current.isValid() else None
        if row is None:
            return
        self._worker.submit(lambda: self._providers.get(row.id), self._show_profile)

    def _show_profile(self, detail: ProviderDetail) -> None:
        p = detail.provider
        flags: dict[str, int] = {}
        for item in detail.intelligence:
            if item.flag is not None:
                flags[item.flag.value] = flags.get(item.flag.value, 0) + 1
        flag_text = ", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in sorted(flags.items()))
        address = ", ".join([*detail.address_lines, p.postcode or ""])
        region, icb = p.region_code or "—", p.icb_code or "—"
        self.profile.setHtml(
            f"<h2>{escape(p.name)}</h2>"
            f"<p><b>ODS code</b> {escape(p.ods_code)} · <b>Region</b> {escape(region)}"
            f" · <b>ICB</b> {escape(icb)} · <b>Status</b> {escape(label(p.status))}</p>"
            f"<p>{escape(address)}</p>"
            f"<p><b>Sites</b>: {len(detail.sites)}"
            f" · <b>Intelligence items</b>: {len(detail.intelligence)}</p>"
            f"<p><b>Survey flags</b>: {escape(flag_text or 'none')}</p>"
        )
