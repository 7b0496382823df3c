"""The one place that turns errors into words for a person."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from eqvisit.errors import EqvisitError


def describe(error: BaseException) -> str:
    if isinstance(error, EqvisitError):
        return str(error)
    return f"Something went wrong ({type(error).__name__}). Details are in the log file."


def show_error(parent: QWidget | None, title: str, error: BaseException) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, describe(error), QMessageBox.StandardButton.Ok, parent
    )
    box.setObjectName("errorMessage")
    box.setAccessibleName(title)
    box.open()
