"""The passphrase asked at start when the profile's store key comes from a passphrase.

Shown before the main window exists (the store cannot open without it). A new profile on a
machine without an OS keychain chooses one: typed twice, at least :data:`MIN_LENGTH` characters.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

MIN_LENGTH = 10


class PassphraseDialog(QDialog):
    """``PassphraseDialog.ask(...)`` returns the passphrase, or ``None`` if the user cancelled."""

    def __init__(self, *, choose: bool, error: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passphraseDialog")
        self.setWindowTitle("Choose a passphrase" if choose else "Unlock eqvisit")
        self._choose = choose
        text = (
            "This laptop has no OS keychain, so this profile's store is encrypted with a "
            f"passphrase you choose (at least {MIN_LENGTH} characters). It cannot be recovered: "
            "if it is lost, the data on this laptop is lost (what was synced stays on the server)."
            if choose
            else "This profile's store is encrypted. Type its passphrase."
        )
        explanation = QLabel(text)
        explanation.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setObjectName("passphraseAgain")
        self.again.setAccessibleName("Passphrase again")
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setVisible(choose)
        self.message = QLabel(error)
        self.message.setObjectName("passphraseMessage")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (explanation, self.passphrase, self.again, self.message, buttons):
            layout.addWidget(widget)

    def problem(self) -> str:
        """Why the typed text cannot be used, or "" if it can."""
        typed = self.passphrase.text()
        if not typed:
            return "Type the passphrase."
        if self._choose and len(typed) < MIN_LENGTH:
            return f"Use at least {MIN_LENGTH} characters."
        if self._choose and typed != self.again.text():
            return "The two passphrases differ."
        return ""

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.message.setText(problem)
            return
        super().accept()

    @classmethod
    def ask(cls, *, choose: bool, error: str = "") -> str | None:
        """Show the dialog modally (creating the QApplication if needed)."""
        if QApplication.instance() is None:
            QApplication([])
        dialog = cls(choose=choose, error=error)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.passphrase.text()
