"""The first-run dialog: try eqvisit with demo data, or sign in to a real central store.

Shown when a profile holds no data and no sign-in. Both choices run on the worker (building the
demo takes a few seconds; signing in talks to the server) with their progress shown, and the
dialog stays usable — Quit works — while they run. After a sign-in the main window runs the first
sync in the background, as it does at every start of a signed-in profile.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from eqvisit.resources import resource_path
from eqvisit.ui.messages import describe
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from eqvisit.services.demo import DemoService
    from eqvisit.services.sync import SyncService

DEMO, CONNECT = 0, 1


@dataclass(frozen=True)
class FirstRunServices:
    demo: DemoService
    sync: SyncService
    demo_central_file: Path


class FirstRunDialog(QDialog):
    """Accepted once the profile holds the demo or is signed in; rejected when the user quits.

    ``server_url`` is the address the user signed in to (``None`` for the demo), for the settings.
    """

    progress = Signal(str)  # emitted on the worker thread; Qt queues it to the UI thread

    def __init__(
        self,
        services: FirstRunServices,
        worker: Worker,
        default_server: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._worker = worker
        self.server_url: str | None = None
        self.setWindowTitle("Welcome to eqvisit")
        self.setObjectName("firstRunDialog")

        intro = QLabel(
            "This profile is empty. Try eqvisit with demo data (real NHS trusts, synthetic "
            "figures, a local central store), or sign in to your team's central store."
        )
        intro.setWordWrap(True)
        self.demo_choice = QRadioButton("&Try with demo data")
        self.demo_choice.setObjectName("chooseDemo")
        self.connect_choice = QRadioButton("&Connect to a central store")
        self.connect_choice.setObjectName("chooseConnect")
        self.choices = QButtonGroup(self)
        self.choices.addButton(self.demo_choice, DEMO)
        self.choices.addButton(self.connect_choice, CONNECT)
        self.demo_choice.setChecked(True)

        self.server = QLineEdit(default_server or "")
        self.server.setObjectName("serverUrl")
        self.server.setPlaceholderText("https://eqvisit.example.nhs.uk")
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.device_name = QLineEdit(socket.gethostname())
        self.device_name.setObjectName("deviceName")
        self.connect_form = QWidget()
        form = QFormLayout(self.connect_form)
        form.addRow("&Address:", self.server)
        form.addRow("&User name:", self.username)
        form.addRow("&Password:", self.password)
        form.addRow("This &laptop's name:", self.device_name)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = QLabel()
        self.status.setObjectName("firstRunStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.start_button = QPushButton("&Start")
        self.start_button.setObjectName("firstRunStart")
        self.start_button.setDefault(True)
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("&Quit", QDialogButtonBox.ButtonRole.RejectRole)
        self.start_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.demo_choice)
        layout.addWidget(self.connect_choice)
        layout.addWidget(self.connect_form)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.choices.idToggled.connect(self._show_form)
        self.progress.connect(self._show_progress)
        self._show_form()

    def _show_form(self, *_args: Any) -> None:
        self.connect_form.setEnabled(self.connect_choice.isChecked())

    def _set_running(self, running: bool) -> None:
        for widget in (self.demo_choice, self.connect_choice, self.connect_form, self.start_button):
            widget.setEnabled(not running)
        if not running:
            self._show_form()
        self.busy.setVisible(running)

    def start(self) -> None:
        if self.connect_choice.isChecked():
            self._connect()
        else:
            self._build_demo()

    def _build_demo(self) -> None:
        self._set_running(True)
        self._show_progress("building the demo")
        demo, central = self._services.demo, self._services.demo_central_file
        etr = resource_path("data", "ods", "etr.csv")
        self._worker.submit(
            lambda: demo.build(etr, central, progress=self.progress.emit),
            lambda _summary: self._finished(None),
            self._failed,
        )

    def _connect(self) -> None:
        server, user = self.server.text().strip(), self.username.text().strip()
        password, device = self.password.text(), self.device_name.text().strip() or "laptop"
        missing = [
            name
            for name, value in (("address", server), ("user name", user), ("password", password))
            if not value
        ]
        if missing:
            self.status.setText(f"Please fill in: {', '.join(missing)}.")
            return
        if not server.startswith(("http://", "https://")):
            self.status.setText("The address must start with https:// (or http://).")
            return
        self._set_running(True)
        self._show_progress(f"signing in to {server}")
        sync = self._services.sync
        self._worker.submit(
            lambda: sync.login(server, user, password, device),
            lambda _signed_in: self._finished(server),
            self._failed,
        )

    def _show_progress(self, message: str) -> None:
        self.status.setText(f"Working: {message}…")

    def _finished(self, server_url: str | None) -> None:
        self.password.clear()
        self.server_url = server_url
        self._set_running(False)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_running(False)
        self.status.setText(describe(error))
