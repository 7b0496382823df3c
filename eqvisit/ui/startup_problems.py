"""Dialogs for a profile that cannot be opened: an unsafe folder, a store damaged by a crash."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox


def _application(argv: list[str]) -> QApplication:
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    return app


def refuse(argv: list[str], title: str, message: str) -> None:
    """Say why eqvisit cannot open the profile (the message names the path), then return."""
    _application(argv)
    box = QMessageBox(QMessageBox.Icon.Critical, title, message, QMessageBox.StandardButton.Close)
    box.setObjectName("startupRefusal")
    box.exec()


def offer_restore(argv: list[str], message: str, backup: Path) -> bool:
    """Ask whether to put the newest backup in place of a damaged store; True to restore."""
    _application(argv)
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "The local store is damaged",
        f"{message}\n\nRestore {backup.name}? The damaged file is kept beside it. Changes made "
        "after that backup and not yet synced are not in it; synced ones come back at the next "
        "sync.",
    )
    box.setObjectName("offerRestore")
    restore = box.addButton("&Restore the backup", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("&Quit", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is restore
