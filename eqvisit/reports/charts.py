"""Charts drawn with ``reportlab.graphics``: the intelligence flags summary and the risk matrix."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from eqvisit.reports.data import ReportFinding
from eqvisit.reports.styles import BAND_COLOURS, FLAG_COLOURS, FONT, FONT_BOLD, MID_GREY

LIKELIHOOD_AXIS = ("1 rare", "2 unlikely", "3 possible", "4 likely", "5 almost certain")
CONSEQUENCE_AXIS = ("1 negligible", "2 minor", "3 moderate", "4 major", "5 catastrophic")


def flags_chart(flag_counts: Sequence[tuple[str, int]], width: float = 160 * mm) -> Drawing:
    """Bars of how many survey results carry each outlier flag, in the flag's own colour."""
    height = 62 * mm
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 14 * mm, 12 * mm
    chart.width, chart.height = width - 20 * mm, height - 18 * mm
    chart.data = [[count for _flag, count in flag_counts] or [0]]
    chart.categoryAxis.categoryNames = [flag.replace("_", " ") for flag, _count in flag_counts] or [
        "none"
    ]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars.strokeColor = MID_GREY
    chart.bars.strokeWidth = 0.4
    for index, (flag, _count) in enumerate(flag_counts):
        chart.bars[(0, index)].fillColor = FLAG_COLOURS.get(flag, colors.lightgrey)
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 5
    drawing.add(chart)
    drawing.add(
        String(2, height - 6, "Survey results by outlier flag", fontName=FONT_BOLD, fontSize=8)
    )
    return drawing


def risk_matrix(
    findings: Sequence[ReportFinding], bands: Sequence[tuple[str, int, int]]
) -> Drawing:
    """The 5×5 matrix coloured by band, each cell showing how many findings are rated there."""
    cell_size = 17 * mm
    left, bottom = 30 * mm, 22 * mm
    drawing = Drawing(left + 5 * cell_size + 40 * mm, bottom + 5 * cell_size + 8 * mm)
    placed = Counter(
        (f.likelihood, f.consequence)
        for f in findings
        if f.likelihood is not None and f.consequence is not None
    )
    for likelihood in range(1, 6):
        for consequence in range(1, 6):
            score = likelihood * consequence
            band_index = next(
                (i for i, (_name, low, high) in enumerate(bands) if low <= score <= high), 0
            )
            x = left + (consequence - 1) * cell_size
            y = bottom + (likelihood - 1) * cell_size
            drawing.add(
                Rect(
                    x,
                    y,
                    cell_size,
                    cell_size,
                    fillColor=BAND_COLOURS[band_index % len(BAND_COLOURS)],
                    strokeColor=colors.white,
                    strokeWidth=1,
                )
            )
            drawing.add(String(x + 2, y + cell_size - 8, str(score), fontName=FONT, fontSize=6))
            count = placed.get((likelihood, consequence), 0)
            if count:
                drawing.add(
                    String(
                        x + cell_size / 2,
                        y + cell_size / 2 - 5,
                        str(count),
                        fontName=FONT_BOLD,
                        fontSize=13,
                        textAnchor="middle",
                    )
                )
    for index, label in enumerate(LIKELIHOOD_AXIS):
        y = bottom + index * cell_size + cell_size / 2 - 3
        drawing.add(String(left - 2, y, label, fontName=FONT, fontSize=6.5, textAnchor="end"))
    for index, label in enumerate(CONSEQUENCE_AXIS):
        x = left + index * cell_size + cell_size / 2
        drawing.add(String(x, bottom - 9, label, fontName=FONT, fontSize=6.5, textAnchor="middle"))
    drawing.add(
        String(
            left + 2.5 * cell_size,
            bottom - 19,
            "Consequence",
            fontName=FONT_BOLD,
            fontSize=8,
            textAnchor="middle",
        )
    )
    drawing.add(String(0, bottom + 5 * cell_size + 4, "Likelihood", fontName=FONT_BOLD, fontSize=8))
    legend_x = left + 5 * cell_size + 6 * mm
    for index, (name, low, high) in enumerate(bands):
        y = bottom + 5 * cell_size - (index + 1) * 7 * mm
        drawing.add(
            Rect(
                legend_x,
                y,
                5 * mm,
                5 * mm,
                fillColor=BAND_COLOURS[index % len(BAND_COLOURS)],
                strokeColor=None,
            )
        )
        drawing.add(
            String(legend_x + 7 * mm, y + 1.5, f"{name} ({low}–{high})", fontName=FONT, fontSize=7)
        )
    return drawing
