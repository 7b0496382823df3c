"""Visits: the list, a visit's panel and agenda, and lifecycle moves with clear refusals."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from eqvisit.domain.enums import VisitStatus
from eqvisit.ui.messages import describe
from eqvisit.ui.table_models import ROW_ROLE, VisitTableModel
from eqvisit.ui.text import label
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from eqvisit.services.dto import VisitDetail, VisitSummary
    from eqvisit.services.visits import VisitService


class VisitsPage(QWidget):
    def __init__(self, visits: VisitService, worker: Worker) -> None:
        super().__init__()
        self._visits = visits
        self._worker = worker
        self._current: VisitDetail | None = None

        self.model = VisitTableModel()
        self.table = QTableView()
        self.table.setObjectName("visitTable")
        self.table.setAccessibleName("Visits")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)

        self.empty_label = QLabel()
        self.empty_label.setObjectName("visitsEmpty")
        self.detail = QTextBrowser()
        self.detail.setObjectName("visitDetail")
        self.detail.setAccessibleName("Visit details")

        self.status_combo = QComboBox()
        self.status_combo.setObjectName("visitStatusChoice")
        self.status_combo.setAccessibleName("Move the visit to status")
        for status in VisitStatus:
            self.status_combo.addItem(label(status), status)
        self.move_button = QPushButton("&Move visit")
        self.move_button.setObjectName("moveVisit")
        self.move_button.setAccessibleName("Move the visit to the chosen status")
        self.move_button.setEnabled(False)
        self.move_button.clicked.connect(self._move)
        self.transition_message = QLabel()
        self.transition_message.setObjectName("transitionMessage")
        self.transition_message.setWordWrap(True)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Status:"))
        controls.addWidget(self.status_combo)
        controls.addWidget(self.move_button)
        controls.addStretch()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.detail)
        right_layout.addLayout(controls)
        right_layout.addWidget(self.transition_message)

        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addWidget(splitter, 1)

    def refresh(self) -> None:
        self._worker.submit(self._visits.list_visits, self._show_list)

    def _show_list(self, rows: list[VisitSummary]) -> None:
        self.model.set_rows(rows)
        self.empty_label.setText(
            "No visits yet. A quality lead plans visits; they arrive here at the next sync."
        )
        self.empty_label.setVisible(not rows)
        if rows and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row: VisitSummary | None = current.data(ROW_ROLE) if current.isValid() else None
        if row is not None:
            self._worker.submit(lambda: self._visits.get(row.id), self._show_detail)

    def _show_detail(self, detail: VisitDetail) -> None:
        self._current = detail
        s = detail.summary
        panel = "".join(
            f"<li>{escape(m.user.display_name)} — {escape(label(m.panel_role))}</li>"
            for m in detail.panel
        )
        agenda = "".join(
            f"<li>{escape(a.starts_at.strftime('%H:%M') if a.starts_at else '')} {escape(a.title)}"
            f" ({escape(a.room)})</li>"
            for a in detail.sessions
        )
        self.detail.setHtml(
            f"<h2>{escape(s.title)}</h2>"
            f"<p><b>{escape(s.provider_name)}</b> ({escape(s.provider_code)})"
            f" · {escape(label(s.status))}</p><p>{escape(detail.reason)}</p>"
            f"<h3>Panel</h3><ul>{panel or '<li>No panel yet</li>'}</ul>"
            f"<h3>Agenda</h3><ul>{agenda or '<li>No sessions yet</li>'}</ul>"
        )
        self.move_button.setEnabled(True)
        if detail.allowed_next:
            self.status_combo.setCurrentIndex(self.status_combo.findData(detail.allowed_next[0]))

    def _move(self) -> None:
        if self._current is None:
            return
        visit_id = self._current.summary.id
        status: VisitStatus = self.status_combo.currentData()
        self.transition_message.clear()
        self._worker.submit(
            lambda: self._visits.transition(visit_id, status),
            self._on_moved,
            lambda error: self.transition_message.setText(describe(error)),
        )

    def _on_moved(self, detail: VisitDetail) -> None:
        self.transition_message.setText(f"Moved to {label(detail.summary.status)}.")
        self._show_detail(detail)
        self.refresh()
