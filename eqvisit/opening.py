"""Open a profile's services on a thread of their own while the window paints (the GUI's start).

The composition root starts a :class:`ProfileOpening` before it imports Qt; its thread waits for
the window's first paint (it would slow it: imports hold the GIL, Argon2id's lanes take the CPU).
Then it checks the folder and derives the store key on a second thread (Argon2id releases the
GIL) while it imports the services; it checks and opens the store, asks whether the profile is
empty (the first-run choice), and imports the modules the window builds its pages from. The
main thread meanwhile shows the window shell and runs the event loop; it attaches the services
when the opening is done, or handles why it failed (:mod:`eqvisit.ui.startup`): a passphrase to
ask for (``PassphraseNeeded``, ``WrongStoreKey``), a damaged store to restore (``StoreDamaged``),
a folder to refuse (``UnsafeLocation``).

Nothing here imports Qt, SQLAlchemy or the services at module level: this module is on the path
to the first paint.
"""

from __future__ import annotations

import importlib
import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from eqvisit.paths import ProfilePaths

if TYPE_CHECKING:
    from collections.abc import Callable

    from eqvisit.app_services import Services
    from eqvisit.services.store_keys import Unlock

log = logging.getLogger(__name__)

T = TypeVar("T")
WINDOW_WAIT_SECONDS = 2.0  # the longest the opening holds back for the window to paint


@dataclass(frozen=True)
class Opened:
    """A profile's services, opened, and whether the profile is empty (offer the first run)."""

    services: Services
    first_run: bool


class ProfileOpening:
    """One profile's services, being opened on a background thread; retried on request.

    Attempts run one at a time: :meth:`start` (and :meth:`restore_then_open`) may only be called
    once the previous attempt is done. :meth:`close` waits for a running attempt, then closes
    what it opened.
    """

    def __init__(
        self,
        paths: ProfilePaths,
        *,
        warm_modules: tuple[str, ...] = (),
        wait_for_window: bool = False,
    ) -> None:
        """``wait_for_window``: start nothing until :meth:`window_shown` (or
        :data:`WINDOW_WAIT_SECONDS`): the imports would take the GIL, and Argon2id's lanes the
        CPU, from the main thread while it builds and paints the window."""
        self.paths = paths
        self._warm_modules = warm_modules
        self._window_up = threading.Event()
        if not wait_for_window:
            self._window_up.set()
        self._thread: threading.Thread | None = None
        self.future: Future[Opened] = Future()
        self.passphrase: str | None = None

    def start(self, passphrase: str | None = None) -> Future[Opened]:
        """Open the profile (with ``passphrase`` if the user typed one); the attempt's future."""
        if passphrase is not None:
            self.passphrase = passphrase
        return self._run(self._open)

    def restore_then_open(self, backup: Path) -> Future[Opened]:
        """Put ``backup`` in place of the damaged store (the damaged file is kept), then open."""
        return self._run(lambda: self._restore(backup))

    def window_shown(self) -> None:
        """The window is on screen: the opening may take the GIL for its imports now."""
        self._window_up.set()

    @property
    def opened(self) -> Opened | None:
        """The opened services, if the latest attempt succeeded."""
        if self.future.done() and not self.future.cancelled() and self.future.exception() is None:
            return self.future.result()
        return None

    def close(self) -> None:
        """Wait for a running attempt, close the services it opened, and carry out a wipe the
        window asked for (it told the user before it closed)."""
        self._window_up.set()  # a window closed before it painted: nothing to wait for
        if self._thread is not None:
            self._thread.join()
        opened = self.opened
        if opened is None:
            return
        opened.services.close()
        if opened.services.wipe.requested() is not None:
            opened.services.wipe.perform()

    # -- on the opening thread ------------------------------------------------------------------

    def _run(self, attempt: Callable[[], Opened]) -> Future[Opened]:
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("the profile is still being opened")
        future: Future[Opened] = Future()
        self.future = future
        self._thread = threading.Thread(
            target=_settle, args=(future, attempt), name="eqvisit-open", daemon=True
        )
        self._thread.start()
        return future

    def _unlock(self) -> Unlock:
        from eqvisit.services.store_keys import Unlock

        unlock = Unlock.from_environment()
        typed = self.passphrase
        if typed is None:
            return unlock
        return replace(unlock, passphrase=lambda: typed)

    def _key(self) -> bytes:
        """Check the folder, then derive (or create) the store key."""
        from eqvisit.services.store_keys import StoreKeys
        from eqvisit.storage.location import check_location

        check_location(self.paths.data_dir)
        self.paths.ensure()
        return StoreKeys.of(self.paths).unlock(self._unlock())

    def _open(self, key: bytes | None = None) -> Opened:
        self._window_up.wait(WINDOW_WAIT_SECONDS)
        deriving: Future[bytes] = Future()
        if key is None:  # Argon2id releases the GIL: derive beside the imports below
            threading.Thread(
                target=_settle, args=(deriving, self._key), name="eqvisit-key", daemon=True
            ).start()
        else:
            deriving.set_result(key)
        from eqvisit.app_services import open_services

        services = open_services(self.paths, key=deriving.result())
        try:
            first_run = not services.demo.is_populated()
            for name in self._warm_modules:
                importlib.import_module(name)
        except BaseException:
            services.close()
            raise
        log.info("profile %s opened", self.paths.data_dir)
        return Opened(services, first_run)

    def _restore(self, backup: Path) -> Opened:
        from eqvisit.storage.backup import restore_backup

        key = self._key()
        aside = restore_backup(backup, self.paths.store_file, key=key)
        log.warning("restored %s; the damaged store was moved to %s", backup, aside)
        return self._open(key)


def _settle(future: Future[T], work: Callable[[], T]) -> None:
    """Run ``work`` and put its result or error in ``future`` (for a thread's target)."""
    try:
        result = work()
    except BaseException as exc:  # handed to whoever waits on the future
        future.set_exception(exc)
    else:
        future.set_result(result)
