"""The briefing pack view: the page a panel member reads the night before the visit."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from eqvisit.ui.intelligence_html import (
    cqc_section,
    describe_item,
    flag_badge,
    flags_section,
    requirements_section,
)
from eqvisit.ui.text import label
from eqvisit.ui.trend_chart import TrendChart

if TYPE_CHECKING:
    from eqvisit.services.briefing_dto import BriefingPack


def briefing_html(pack: BriefingPack) -> str:
    visit = pack.visit
    s = visit.summary
    dates = " to ".join(d.isoformat() for d in (s.starts_on, s.ends_on) if d) or "not set"
    sites = ", ".join(f"{escape(site.name)}" for site in visit.sites) or "the whole provider"
    triggers = "".join(
        f"<tr><td>{escape(t.period)}</td><td>{flag_badge(t.flag)}</td>"
        f"<td>{describe_item(t)}</td></tr>"
        for t in pack.triggers
    )
    panel = "".join(
        f"<li>{escape(m.user.display_name)} — {escape(label(m.panel_role))}</li>"
        for m in visit.panel
    )
    agenda = "".join(
        f"<li>{escape(a.starts_at.astimezone().strftime('%a %d %b %H:%M') if a.starts_at else '')}"
        f" {escape(a.title)} — {escape(label(a.audience))}"
        f"{' · ' + escape(a.room) if a.room else ''}</li>"
        for a in visit.sessions
    )
    programme = (
        f" · <b>Programme group</b>: {escape(visit.programme_group)}"
        if visit.programme_group
        else ""
    )
    concerns = "".join(
        f"<li>{escape(c.period)} — {escape(c.indicator)}: {escape(c.text or '')}</li>"
        for c in pack.concerns
    )
    return (
        f"<h1>Briefing: {escape(s.title)}</h1>"
        f"<p><b>{escape(pack.provider.name)}</b> ({escape(pack.provider.ods_code)}) · "
        f"{escape(label(s.visit_type))} · {escape(label(s.status))}</p>"
        f"<p><b>Dates</b>: {escape(dates)} · <b>Sites</b>: {sites}"
        f"{programme}</p>"
        f"<h2>Why we are visiting</h2><p>{escape(visit.reason) or 'No reason recorded.'}</p>"
        + (
            f"<table cellspacing='0' cellpadding='3'>{triggers}</table>"
            if triggers
            else "<p>No intelligence items are linked as triggers.</p>"
        )
        + "<h2>The provider's flags</h2>"
        + flags_section(pack.latest_nts_period, pack.nts_flags, pack.flag_counts)
        + f"<h3>CQC ratings</h3>{cqc_section(pack.cqc_ratings)}"
        + (f"<h3>Concerns raised</h3><ul>{concerns}</ul>" if concerns else "")
        + "<h2>Earlier requirements</h2>"
        + requirements_section(
            pack.earlier_requirements, "No requirements from earlier visits on this laptop."
        )
        + f"<h2>Panel</h2><ul>{panel or '<li>No panel yet</li>'}</ul>"
        + f"<h2>Agenda</h2><ul>{agenda or '<li>No sessions yet</li>'}</ul>"
        + "<h2>Trends</h2><p>See the chart below: choose an indicator to follow it by year.</p>"
    )


class BriefingView(QDialog):
    """Shows one :class:`BriefingPack`; non-modal, so the visit stays at hand beside it."""

    def __init__(self, parent: QWidget | None, pack: BriefingPack) -> None:
        super().__init__(parent)
        self.setObjectName("briefingView")
        self.setWindowTitle(f"Briefing pack — {pack.visit.summary.title}")
        self.setAccessibleName("Briefing pack")
        self.text = QTextBrowser()
        self.text.setObjectName("briefingText")
        self.text.setAccessibleName("Briefing pack text")
        self.text.setHtml(briefing_html(pack))
        self.trends = TrendChart()
        self.trends.setObjectName("briefingTrends")
        self.trends.set_series(pack.trends)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.text)
        split.addWidget(self.trends)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName(
            "Close the briefing"
        )
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self.resize(900, 800)
