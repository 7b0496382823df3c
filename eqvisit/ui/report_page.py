"""Reports: generate a draft, read it in the app, sign it off, save it, export the action plan.

Every service call (generation, rendering the preview pages, exports) runs on the worker; the
page only shows the frozen results. Page images arrive as PNG bytes and become pixmaps here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from eqvisit.ui.messages import describe

if TYPE_CHECKING:
    from eqvisit.services.briefing_report import BriefingReportService
    from eqvisit.services.dto import VisitSummary
    from eqvisit.services.exports import ExportService, ExportSummary
    from eqvisit.services.reports import PreviewPages, ReportService, ReportVersionRow
    from eqvisit.services.visits import VisitService
    from eqvisit.ui.worker import Worker

_ROW = Qt.ItemDataRole.UserRole + 1  # the version row behind a list item
PAGES_PER_STEP = 4
PREVIEW_DPI = 80

AskPath = Callable[[QWidget, str, str, str], str]


def _ask_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path


class ReportPage(QWidget):
    """Controller of the Reports page. ``ask_path`` is the save dialog (tests replace it)."""

    def __init__(
        self,
        reports: ReportService,
        visits: VisitService,
        exports: ExportService,
        worker: Worker,
        briefing: BriefingReportService | None = None,
        *,
        ask_path: AskPath = _ask_save_path,
    ) -> None:
        super().__init__()
        self._reports = reports
        self._visits = visits
        self._exports = exports
        self._briefing = briefing
        self._worker = worker
        self._ask_path = ask_path
        self._shown_pages = 0

        self.visit_choice = QComboBox()
        self.visit_choice.setObjectName("reportVisit")
        self.visit_choice.setAccessibleName("Visit to report on")
        self.visit_choice.currentIndexChanged.connect(self._visit_changed)
        self.generate_button = self._button("&Generate draft", "generateReport", self.generate)
        self.sign_off_button = self._button("&Sign off", "signOffReport", self.sign_off)
        self.save_button = self._button("Save &PDF…", "saveReport", self.save_pdf)
        self.export_button = self._button("&Export action plan…", "exportActions", self.export)
        self.briefing_button = self._button(
            "&Briefing pack PDF…", "saveBriefing", self.save_briefing
        )
        self.briefing_button.setVisible(briefing is not None)
        self.more_button = self._button("Show &more pages", "morePages", self._more_pages)

        self.versions = QListWidget()
        self.versions.setObjectName("reportVersions")
        self.versions.setAccessibleName("Issued versions of the report")
        self.versions.currentItemChanged.connect(self._version_changed)
        self.message = QLabel()
        self.message.setObjectName("reportMessage")
        self.message.setWordWrap(True)

        self.pages_box = QWidget()
        self.pages_layout = QVBoxLayout(self.pages_box)
        self.pages_layout.addStretch()
        self.preview = QScrollArea()
        self.preview.setObjectName("reportPreview")
        self.preview.setAccessibleName("Preview of the report's pages")
        self.preview.setWidgetResizable(True)
        self.preview.setWidget(self.pages_box)

        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Visit:"))
        buttons.addWidget(self.visit_choice, 1)
        for button in (
            self.generate_button,
            self.sign_off_button,
            self.save_button,
            self.export_button,
            self.briefing_button,
        ):
            buttons.addWidget(button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(QLabel("Versions (newest first; every one is kept)"))
        left_layout.addWidget(self.versions, 1)
        left_layout.addWidget(self.more_button)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self._set_enabled(visit=False, version=False)

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.clicked.connect(slot)
        return button

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        self._worker.submit(self._visits.list_visits, self._show_visits, self._failed)

    @property
    def visit_id(self) -> str | None:
        value = self.visit_choice.currentData()
        return value if isinstance(value, str) else None

    @property
    def version(self) -> ReportVersionRow | None:
        item = self.versions.currentItem()
        return cast("ReportVersionRow | None", item.data(_ROW)) if item is not None else None

    def generate(self) -> None:
        self._issue("Generating a new draft…", self._reports.generate)

    def sign_off(self) -> None:
        self._issue("Signing off: issuing the final version…", self._reports.sign_off)

    def save_pdf(self) -> None:
        version = self.version
        if version is None:
            return
        suggested = f"report-v{version.number}-{version.status}.pdf"
        path = self._ask_path(self, "Save the report", suggested, "PDF files (*.pdf)")
        if path:
            self.save_pdf_to(Path(path))

    def save_pdf_to(self, target: Path) -> None:
        version = self.version
        if version is None:
            return
        version_id = version.id
        self._worker.submit(
            lambda: self._reports.save_copy(version_id, target),
            lambda _none: self.message.setText(f"Saved version {version.number} to {target}."),
            self._failed,
        )

    def export(self) -> None:
        if self.visit_id is None:
            return
        path = self._ask_path(
            self, "Export the action plan", "action-plan.xlsx", "Excel (*.xlsx);;CSV (*.csv)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, target: Path) -> None:
        visit_id = self.visit_id
        if visit_id is None:
            return
        self._worker.submit(
            lambda: self._exports.action_plan(visit_id, target), self._exported, self._failed
        )

    def save_briefing(self) -> None:
        if self.visit_id is None:
            return
        path = self._ask_path(self, "Save the briefing pack", "briefing-pack.pdf", "PDF (*.pdf)")
        if path:
            self.save_briefing_to(Path(path))

    def save_briefing_to(self, target: Path) -> None:
        visit_id, briefing = self.visit_id, self._briefing
        if visit_id is None or briefing is None:
            return
        self._worker.submit(
            lambda: briefing.save(visit_id, target),
            lambda _none: self.message.setText(f"Saved the briefing pack to {target}."),
            self._failed,
        )

    def _exported(self, summary: ExportSummary) -> None:
        self.message.setText(f"Exported {summary.rows} action plan rows to {summary.path}.")

    def _issue(self, note: str, call: Callable[[str], ReportVersionRow]) -> None:
        visit_id = self.visit_id
        if visit_id is None:
            return
        self.message.setText(note)
        self._set_enabled(visit=False, version=False)
        self._worker.submit(lambda: call(visit_id), self._issued, self._failed)

    def _issued(self, version: ReportVersionRow) -> None:
        kind = "Final version" if version.final else "Draft version"
        self.message.setText(f"{kind} {version.number} issued (SHA-256 {version.sha256[:12]}…).")
        self._load_versions(select=version.id)

    def _show_visits(self, rows: list[VisitSummary]) -> None:
        current = self.visit_id
        self.visit_choice.blockSignals(True)
        self.visit_choice.clear()
        for row in rows:
            self.visit_choice.addItem(f"{row.title} — {row.provider_name}", row.id)
        index = self.visit_choice.findData(current) if current else 0
        self.visit_choice.setCurrentIndex(max(index, 0) if rows else -1)
        self.visit_choice.blockSignals(False)
        if not rows:
            self.message.setText("No visits yet; they arrive here at the next sync.")
        self._visit_changed()

    def _visit_changed(self, _index: int = 0) -> None:
        self._load_versions()

    def _load_versions(self, select: str | None = None) -> None:
        visit_id = self.visit_id
        self._set_enabled(visit=visit_id is not None, version=False)
        if visit_id is None:
            return
        self._worker.submit(
            lambda: self._reports.versions(visit_id),
            lambda rows: self._show_versions(visit_id, rows, select),
            self._failed,
        )

    def _show_versions(
        self, visit_id: str, rows: list[ReportVersionRow], select: str | None
    ) -> None:
        if visit_id != self.visit_id:
            return  # the user chose another visit meanwhile
        self.versions.clear()
        for row in rows:
            stamp = row.generated_at.strftime("%Y-%m-%d %H:%M")
            item = QListWidgetItem(f"v{row.number} · {row.status} · {stamp} · {row.sha256[:10]}")
            item.setData(_ROW, row)
            self.versions.addItem(item)
            if row.id == select:
                self.versions.setCurrentItem(item)
        if self.versions.currentItem() is None and rows:
            self.versions.setCurrentRow(0)
        if not rows:
            self._clear_pages()
            self.message.setText(self.message.text() or "No report yet: generate a draft.")
        self._set_enabled(visit=True, version=bool(rows))

    def _version_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        self._clear_pages()
        if current is not None:
            self._more_pages()

    def _more_pages(self) -> None:
        version = self.version
        if version is None:
            return
        first = self._shown_pages
        version_id = version.id
        self._worker.submit(
            lambda: self._reports.preview(
                version_id, first=first, count=PAGES_PER_STEP, dpi=PREVIEW_DPI
            ),
            self._add_pages,
            self._failed,
        )

    def _add_pages(self, preview: PreviewPages) -> None:
        version = self.version
        if (
            version is None
            or version.id != preview.version_id
            or preview.first != self._shown_pages
        ):
            return  # a stale answer for another version
        for image in preview.images:
            pixmap = QPixmap()
            pixmap.loadFromData(image, "PNG")
            page = QLabel()
            page.setObjectName("reportPageImage")
            page.setPixmap(pixmap)
            page.setAccessibleName(f"Page {self._shown_pages + 1}")
            self.pages_layout.insertWidget(self.pages_layout.count() - 1, page)
            self._shown_pages += 1
        self.more_button.setEnabled(self._shown_pages < preview.total)
        self.more_button.setText(f"Show &more pages ({self._shown_pages} of {preview.total} shown)")

    def _clear_pages(self) -> None:
        while self.pages_layout.count() > 1:
            item = self.pages_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._shown_pages = 0

    @property
    def page_images(self) -> list[QLabel]:
        return self.pages_box.findChildren(QLabel, "reportPageImage")

    def _failed(self, error: BaseException) -> None:
        self.message.setText(describe(error))
        self._set_enabled(visit=self.visit_id is not None, version=self.version is not None)

    def _set_enabled(self, *, visit: bool, version: bool) -> None:
        for button in (
            self.generate_button,
            self.sign_off_button,
            self.export_button,
            self.briefing_button,
        ):
            button.setEnabled(visit)
        self.save_button.setEnabled(version)
        self.more_button.setEnabled(version)
