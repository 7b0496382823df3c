"""A small line chart of one indicator across years, with an indicator picker.

Painted with QPainter (no chart module needed). The values are also given as the accessible
description, so a screen reader reads the figures the picture shows.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QComboBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from eqvisit.ui.text import source_label

if TYPE_CHECKING:
    from eqvisit.services.briefing_dto import TrendSeries

MARGIN = 36


def describe_series(series: TrendSeries) -> str:
    figures = ", ".join(
        f"{p.period}: {'no value' if p.value is None else f'{p.value:.1f}'}"
        + (f" ({p.red_flags} red)" if p.red_flags else "")
        for p in series.points
    )
    return f"{series.indicator} ({source_label(series.source)}) by year — {figures}"


class TrendPlot(QWidget):
    """Draws one series: value per period, red dots where a period had red flags."""

    def __init__(self) -> None:
        super().__init__()
        self.series: TrendSeries | None = None
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Trend chart")

    def set_series(self, series: TrendSeries | None) -> None:
        self.series = series
        self.setAccessibleDescription(describe_series(series) if series else "No trend data")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_colour = self.palette().windowText().color()
        area = QRectF(self.rect()).adjusted(MARGIN, 26, -24, -MARGIN)
        painter.setPen(QPen(text_colour, 1))
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        painter.drawLine(area.bottomLeft(), area.topLeft())
        points = [p for p in self.series.points if p.value is not None] if self.series else []
        if not points:
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "No figures to chart")
            return
        values = [p.value for p in points if p.value is not None]
        low, high = min(values), max(values)
        low, high = (low - 5, high + 5) if high - low < 1 else (low, high)
        step = area.width() / max(len(points) - 1, 1)

        def at(index: int, value: float) -> QPointF:
            x = area.left() + (step * index if len(points) > 1 else area.width() / 2)
            y = area.bottom() - (value - low) / (high - low) * area.height()
            return QPointF(x, y)

        positions = [at(i, v) for i, v in enumerate(values)]
        painter.setPen(QPen(QColor("#005eb8"), 2.5))
        for start, end in itertools.pairwise(positions):
            painter.drawLine(start, end)
        painter.setPen(QPen(text_colour, 1))
        for point, position in zip(points, positions, strict=True):
            colour = QColor("#d5281b") if point.red_flags else QColor("#005eb8")
            painter.setBrush(colour)
            painter.drawEllipse(position, 5, 5)
            painter.drawText(position + QPointF(-14, -10), f"{point.value:.1f}")
            painter.drawText(QPointF(position.x() - 16, area.bottom() + 18), point.period)
        painter.end()


class TrendChart(QWidget):
    """An indicator picker above a :class:`TrendPlot`."""

    def __init__(self) -> None:
        super().__init__()
        self._series: list[TrendSeries] = []
        self.picker = QComboBox()
        self.picker.setObjectName("trendIndicator")
        self.picker.setAccessibleName("Indicator to chart")
        self.picker.currentIndexChanged.connect(self._show)
        self.plot = TrendPlot()
        self.caption = QLabel()
        self.caption.setObjectName("trendCaption")
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picker)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.caption)

    def set_series(self, series: Sequence[TrendSeries]) -> None:
        self._series = list(series)
        self.picker.blockSignals(True)
        self.picker.clear()
        for item in self._series:
            self.picker.addItem(f"{item.indicator} ({source_label(item.source)})")
        self.picker.blockSignals(False)
        self.picker.setEnabled(bool(self._series))
        # Open on the indicator with the most red flags lately: what a reader looks for first.
        best = max(
            range(len(self._series)),
            key=lambda i: (sum(p.red_flags for p in self._series[i].points[-1:]), -i),
            default=-1,
        )
        if best >= 0:
            self.picker.setCurrentIndex(best)
        self._show(best)

    def _show(self, index: int) -> None:
        series = self._series[index] if 0 <= index < len(self._series) else None
        self.plot.set_series(series)
        self.caption.setText(
            describe_series(series)
            if series
            else "No survey trends for this provider yet: they arrive with the intelligence sync."
        )
