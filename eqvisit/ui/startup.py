"""What the window does when the profile's opening ends (:mod:`eqvisit.opening`).

Opened: offer the first-run choice on an empty profile, then attach the services to the window
and show the start-up notices. Failed: ask for the passphrase (again, after a wrong one), offer
the newest backup of a damaged store, or say why the folder cannot be used and quit. A smoke
test never waits on a dialog: a failure there is one line on stderr and exit status 3.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QDialog, QMessageBox

from eqvisit.errors import StoreDamaged, UnsafeLocation, WrongStoreKey
from eqvisit.settings import save_settings
from eqvisit.ui.first_run import FirstRunDialog, FirstRunServices
from eqvisit.ui.main_window import MainWindow
from eqvisit.ui.passphrase_dialog import PassphraseDialog
from eqvisit.ui.startup_problems import offer_restore, refuse
from eqvisit.ui.worker import Worker

if TYPE_CHECKING:
    from eqvisit.opening import Opened, ProfileOpening
    from eqvisit.paths import ProfilePaths

log = logging.getLogger(__name__)

REFUSED = 3  # the exit status when the profile could not be opened (or the user gave up)


@dataclass(frozen=True)
class StartupChoices:
    """What the start-up may do besides attaching: dialogs or none, notices to show."""

    paths: ProfilePaths
    argv: list[str]
    notices: tuple[str, ...] = ()
    smoke_test: bool = False
    trace: Callable[[str], None] | None = None


class StartupFlow(QObject):
    """Waits (without blocking) for the opening, then attaches or handles its failure."""

    _ended = Signal()

    def __init__(
        self, window: MainWindow, opening: ProfileOpening, worker: Worker, choices: StartupChoices
    ) -> None:
        super().__init__(window)
        self._window = window
        self._opening = opening
        self._worker = worker
        self._choices = choices
        self.exit_code: int | None = None
        self._ended.connect(self._settle, Qt.ConnectionType.QueuedConnection)
        window.ready.connect(lambda: self._trace("ready"))
        self._watch(opening.future)

    def _watch(self, future: Future[Opened]) -> None:
        # Called on the opening thread (or at once if already done): the queued signal brings
        # the outcome to the UI thread.
        future.add_done_callback(lambda _done: self._ended.emit())

    def _trace(self, milestone: str) -> None:
        log.info("start-up: %s", milestone)
        if self._choices.trace is not None:
            self._choices.trace(milestone)

    @Slot()
    def _settle(self) -> None:
        future = self._opening.future
        error = future.exception()
        if error is None:
            self._opened(future.result())
            return
        from eqvisit.services.store_keys import PassphraseNeeded

        if self._choices.smoke_test and isinstance(
            error, (PassphraseNeeded, WrongStoreKey, UnsafeLocation, StoreDamaged)
        ):
            print(f"eqvisit: {error}", file=sys.stderr, flush=True)
            self._quit(REFUSED)
        elif isinstance(error, PassphraseNeeded):
            self._ask_passphrase(new=error.new, error="")
        elif isinstance(error, WrongStoreKey):
            self._ask_passphrase(new=False, error=str(error))
        elif isinstance(error, UnsafeLocation):
            log.error("%s", error)
            refuse(self._choices.argv, "eqvisit cannot use this folder", str(error))
            self._quit(REFUSED)
        elif isinstance(error, StoreDamaged):
            self._offer_restore(error)
        else:
            self._quit(REFUSED)
            raise error  # the crash handler reports it

    def _ask_passphrase(self, *, new: bool, error: str) -> None:
        dialog = PassphraseDialog(choose=new, error=error, parent=self._window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            self._quit(REFUSED)
            return
        self._window.sync_label.setText("Unlocking the local store…")
        self._watch(self._opening.start(dialog.passphrase.text()))

    def _offer_restore(self, damaged: StoreDamaged) -> None:
        log.error("%s", damaged)
        backup = damaged.backup if isinstance(damaged.backup, Path) else None
        if backup is None:
            refuse(self._choices.argv, "The local store is damaged", str(damaged))
            self._quit(REFUSED)
        elif offer_restore(self._choices.argv, str(damaged), backup):
            self._window.sync_label.setText("Restoring the backup…")
            self._watch(self._opening.restore_then_open(backup))
        else:
            self._quit(REFUSED)

    def _opened(self, opened: Opened) -> None:
        services = opened.services
        self._trace("opened")
        if opened.first_run and not self._choices.smoke_test and not self._first_run(opened):
            self._quit(0)
            return
        self._window.attach(services)
        notices = list(self._choices.notices)
        if services.startup.message is not None:
            notices.append(services.startup.message)
        for notice in notices:
            log.warning("start-up notice: %s", notice)
        if notices:
            QTimer.singleShot(0, lambda: self._show_notices(tuple(notices)))

    def _first_run(self, opened: Opened) -> bool:
        """Run the first-run dialog; False if the user quit it."""
        window = self._window
        dialog = FirstRunDialog(
            FirstRunServices(
                opened.services.demo, opened.services.sync, self._choices.paths.central_file
            ),
            self._worker,
            window.settings.server_url,
        )
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        chosen = dialog.server_url or ""
        dialog.deleteLater()
        if not accepted:
            return False
        if chosen and chosen != window.settings.server_url:
            window.settings = window.settings.model_copy(update={"server_url": chosen})
            save_settings(self._choices.paths.settings_file, window.settings)
        return True

    def _show_notices(self, notices: tuple[str, ...]) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "eqvisit",
            "\n\n".join(notices),
            QMessageBox.StandardButton.Ok,
            self._window,
        )
        box.setObjectName("startupNotice")
        self._window.startup_notice = box
        box.open()

    def _quit(self, code: int) -> None:
        """End the app with ``code``: closing its only window ends the event loop, and the
        caller returns :attr:`exit_code` (``QApplication.exit`` would also stop every later event
        loop of this thread, dialogs' included)."""
        self.exit_code = code
        self._window.close()
