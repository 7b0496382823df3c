"""Look and ergonomics: the standard and high-contrast themes, visible focus, font scaling.

The preferences are part of the user's settings (``settings.json`` in the profile's config
folder, edited in the settings dialog or from the View menu); ``window.ini`` (QSettings, INI
format: never pickled) keeps only the window layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from eqvisit.domain.enums import NtsFlag
from eqvisit.settings import Settings

MIN_SCALE, MAX_SCALE, SCALE_STEP = 0.8, 2.0, 0.1
BASE_FONT, BASE_PALETTE = "eqvisitBaseFont", "eqvisitBasePalette"

# GMC's NTS outlier colours, with a text colour readable on each (WCAG AA contrast).
FLAG_COLOURS: dict[NtsFlag, tuple[str, str]] = {
    NtsFlag.RED: ("#d5281b", "#ffffff"),
    NtsFlag.PINK: ("#f4a6b7", "#000000"),
    NtsFlag.WHITE: ("#ffffff", "#000000"),
    NtsFlag.LIGHT_GREEN: ("#b9e4a8", "#000000"),
    NtsFlag.GREEN: ("#007f3b", "#ffffff"),
    NtsFlag.GREY: ("#aeb7bd", "#000000"),
    NtsFlag.NONE: ("#f0f4f5", "#000000"),
}

CQC_COLOURS: dict[str, tuple[str, str]] = {
    "outstanding": ("#005eb8", "#ffffff"),
    "good": ("#007f3b", "#ffffff"),
    "requires improvement": ("#ffb81c", "#000000"),
    "inadequate": ("#d5281b", "#ffffff"),
}

FOCUS_STYLE = """
*:focus { outline: none; }
QLineEdit:focus, QComboBox:focus, QDateEdit:focus, QDateTimeEdit:focus, QSpinBox:focus,
QPlainTextEdit:focus, QTextEdit:focus, QTextBrowser:focus, QTableView:focus, QListWidget:focus,
QListView:focus { border: 2px solid #ffb81c; }
QPushButton:focus, QCheckBox:focus, QToolButton:focus { border: 2px solid #ffb81c; }
"""

HIGH_CONTRAST_STYLE = """
QWidget { background: #000000; color: #ffffff; }
QLineEdit, QComboBox, QDateEdit, QDateTimeEdit, QSpinBox, QPlainTextEdit, QTextEdit,
QTextBrowser, QTableView, QListWidget, QListView {
    background: #000000; color: #ffffff; border: 1px solid #ffffff;
}
QPushButton { background: #000000; color: #ffff00; border: 2px solid #ffff00; padding: 4px 10px; }
QPushButton:disabled { color: #9a9a9a; border-color: #9a9a9a; }
QHeaderView::section { background: #000000; color: #ffffff; border: 1px solid #ffffff; }
QTableView::item:selected, QListWidget::item:selected { background: #ffff00; color: #000000; }
QMenuBar::item:selected, QMenu::item:selected { background: #ffff00; color: #000000; }
QCheckBox::indicator, QListWidget::indicator {
    width: 14px; height: 14px; border: 2px solid #ffffff; background: #000000;
}
QCheckBox::indicator:checked, QListWidget::indicator:checked { background: #ffff00; }
*:focus { border: 3px solid #00ffff; }
"""


@dataclass
class Appearance:
    """The user's display preferences."""

    high_contrast: bool = False
    font_scale: float = 1.0

    def scaled(self, step: float) -> Appearance:
        scale = round(min(MAX_SCALE, max(MIN_SCALE, self.font_scale + step)), 2)
        return Appearance(self.high_contrast, scale)


def settings_for(config_dir: Path) -> QSettings:
    return QSettings(str(config_dir / "window.ini"), QSettings.Format.IniFormat)


def appearance_of(settings: Settings) -> Appearance:
    scale = min(MAX_SCALE, max(MIN_SCALE, settings.text_scale))
    return Appearance(settings.theme == "high_contrast", scale)


def with_appearance(settings: Settings, appearance: Appearance) -> Settings:
    """``settings`` with the theme and text size of ``appearance``."""
    theme = "high_contrast" if appearance.high_contrast else "standard"
    return settings.model_copy(update={"theme": theme, "text_scale": appearance.font_scale})


class ThemeManager:
    """Applies an :class:`Appearance` to the application (palette, style sheet, font size)."""

    def __init__(self, app: QApplication) -> None:
        self._app = app
        # The first manager records the application's own font and palette, so a later window
        # (or a test) scales from the original, not from an already scaled font.
        if app.property(BASE_FONT) is None:
            app.setProperty(BASE_FONT, QFont(app.font()))
            app.setProperty(BASE_PALETTE, QPalette(app.palette()))
        self._base_font = QFont(app.property(BASE_FONT))
        self._base_palette = QPalette(app.property(BASE_PALETTE))
        self.current = Appearance()

    def apply(self, appearance: Appearance) -> None:
        self.current = appearance
        font = QFont(self._base_font)
        size = self._base_font.pointSizeF()
        if size > 0:
            font.setPointSizeF(size * appearance.font_scale)
        self._app.setFont(font)
        if appearance.high_contrast:
            self._app.setPalette(_high_contrast_palette())
            self._app.setStyleSheet(HIGH_CONTRAST_STYLE)
        else:
            self._app.setPalette(self._base_palette)
            self._app.setStyleSheet(FOCUS_STYLE)


def _high_contrast_palette() -> QPalette:
    palette = QPalette()
    black, white, yellow = QColor("#000000"), QColor("#ffffff"), QColor("#ffff00")
    for role, colour in (
        (QPalette.ColorRole.Window, black),
        (QPalette.ColorRole.WindowText, white),
        (QPalette.ColorRole.Base, black),
        (QPalette.ColorRole.AlternateBase, QColor("#1a1a1a")),
        (QPalette.ColorRole.Text, white),
        (QPalette.ColorRole.Button, black),
        (QPalette.ColorRole.ButtonText, yellow),
        (QPalette.ColorRole.Highlight, yellow),
        (QPalette.ColorRole.HighlightedText, black),
        (QPalette.ColorRole.ToolTipBase, black),
        (QPalette.ColorRole.ToolTipText, white),
        (QPalette.ColorRole.Link, QColor("#00ffff")),
    ):
        palette.setColor(role, colour)
    return palette
