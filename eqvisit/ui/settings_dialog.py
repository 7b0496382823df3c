"""The settings dialog: the one place every setting is edited (saved as ``settings.json``).

The dialog only collects values and checks them with the :class:`~eqvisit.settings.Settings`
model; the main window applies and saves what :meth:`SettingsDialog.chosen` returns.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from eqvisit.settings import MAX_TEXT_SCALE, MIN_TEXT_SCALE, THEMES, Settings

THEME_LABELS = {"standard": "Standard", "high_contrast": "High contrast"}
FIELD_LABELS = {
    "server_url": "Central store address",
    "sync_interval_minutes": "Sync every",
    "theme": "Theme",
    "text_scale": "Text size",
    "idle_lock_minutes": "Lock after idle",
    "purge_closed_visits_after_days": "Remove closed visits after",
}


def _spin(value: int, low: int, high: int, suffix: str, name: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setObjectName(name)
    return spin


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self._chosen = settings
        self.server_url = QLineEdit(settings.server_url or "")
        self.server_url.setObjectName("serverUrl")
        self.server_url.setPlaceholderText("https://eqvisit.example.nhs.uk")
        self.sync_interval = _spin(
            settings.sync_interval_minutes, 1, 24 * 60, " minutes", "syncInterval"
        )
        self.theme = QComboBox()
        self.theme.setObjectName("theme")
        for theme in THEMES:
            self.theme.addItem(THEME_LABELS[theme], theme)
        self.theme.setCurrentIndex(self.theme.findData(settings.theme))
        self.text_scale = QDoubleSpinBox()
        self.text_scale.setObjectName("textScale")
        self.text_scale.setRange(MIN_TEXT_SCALE, MAX_TEXT_SCALE)
        self.text_scale.setSingleStep(0.1)
        self.text_scale.setDecimals(1)
        self.text_scale.setValue(settings.text_scale)
        self.text_scale.setSuffix(" ×")
        self.idle_lock = _spin(settings.idle_lock_minutes, 1, 24 * 60, " minutes", "idleLock")
        self.purge_after = _spin(
            settings.purge_closed_visits_after_days, 1, 3650, " days", "purgeAfter"
        )
        self.error_label = QLabel()
        self.error_label.setObjectName("settingsError")
        self.error_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Central store &address:", self.server_url)
        form.addRow("Sync &every:", self.sync_interval)
        form.addRow("&Theme:", self.theme)
        form.addRow("Text si&ze:", self.text_scale)
        form.addRow("&Lock after idle:", self.idle_lock)
        form.addRow("&Remove closed visits after:", self.purge_after)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        where = QLabel(f"Saved in {file}")
        where.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(where)
        layout.addWidget(buttons)

    def chosen(self) -> Settings:
        """The settings as accepted (the original ones until the dialog is accepted)."""
        return self._chosen

    def accept(self) -> None:
        try:
            self._chosen = Settings(
                server_url=self.server_url.text() or None,
                sync_interval_minutes=self.sync_interval.value(),
                theme=self.theme.currentData(),
                text_scale=round(self.text_scale.value(), 2),
                idle_lock_minutes=self.idle_lock.value(),
                purge_closed_visits_after_days=self.purge_after.value(),
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            self.error_label.setText(f"{FIELD_LABELS.get(field, field)}: {first['msg']}")
            return
        self.error_label.clear()
        super().accept()
