"""Was the store closed cleanly last time, and is it intact? Running markers and ``quick_check``.

Each opening of a profile's store leaves a marker file (named by its process id and a random
part) in the marker folder and removes it when it closes the store. A marker whose process is
gone means that process crashed, was killed or lost power with the store open; the next start
then runs ``PRAGMA quick_check`` before anything else touches the file. Markers per opening let
the desktop app and a command-line sync share a profile without one's clean exit hiding the
other's crash. (A process id reused after a reboot can hide a crash; the check is a safety net
beside WAL's own recovery, not the only guard.)
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher

from eqvisit.errors import StoreDamaged
from eqvisit.storage.cipher import connect, is_plain_sqlite

QUICK_CHECK_ROWS = 20  # the first problems are enough to decide, and to show


@dataclass(frozen=True)
class StartupCheck:
    """What the start-up found: whether the last session ended cleanly, and the check's result."""

    unclean_shutdown: bool = False
    checked: bool = False

    @property
    def message(self) -> str | None:
        if not self.unclean_shutdown:
            return None
        return (
            "eqvisit was not closed properly last time (a crash, a forced quit or a power cut). "
            "The local store was checked and is intact; edits are saved within a second, so "
            "at most the last moment of typing may be missing."
        )


class RunningMarker:
    """This process's marker in ``folder``; :meth:`begin` reports markers left by dead processes."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._mine = folder / f"{os.getpid()}-{secrets.token_hex(4)}"

    def stale(self) -> list[Path]:
        """Markers of processes that are no longer running."""
        if not self._folder.is_dir():
            return []
        return [
            marker
            for marker in self._folder.iterdir()
            if marker != self._mine and not _alive(_pid_of(marker))
        ]

    def begin(self) -> None:
        self._folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._mine.write_text(f"{datetime.now(UTC).isoformat()}\n", encoding="utf-8")

    def clear_stale(self, markers: list[Path]) -> None:
        for marker in markers:
            marker.unlink(missing_ok=True)

    def end(self) -> None:
        self._mine.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self._folder.rmdir()  # only succeeds when no other process has the store open


def quick_check(store_file: Path, *, key: bytes | None = None) -> list[str]:
    """Problems ``PRAGMA quick_check`` finds in the store (empty when it is intact).

    ``key`` opens an encrypted store (a store not yet encrypted is read plain). Opening the
    file also replays a ``-wal`` file left by the crash, as any open would. A wrong key is
    :class:`~eqvisit.errors.WrongStoreKey`, not damage.
    """
    plain = key is None or is_plain_sqlite(store_file)
    try:
        connection = connect(store_file, None if plain else key)
    except sqlcipher.Error as exc:
        return [str(exc)]
    try:
        rows = connection.execute(f"PRAGMA quick_check({QUICK_CHECK_ROWS:d})").fetchall()
    except sqlcipher.DatabaseError as exc:
        return [str(exc)]
    finally:
        connection.close()
    problems = [str(row[0]) for row in rows]
    return [] if problems == ["ok"] else problems


def latest_backup(backup_dir: Path) -> Path | None:
    """The newest backup copy of the store (names carry a sortable UTC time), if there is one."""
    if not backup_dir.is_dir():
        return None
    copies = sorted(backup_dir.glob("*.sqlite3"), key=lambda copy: copy.stat().st_mtime)
    return copies[-1] if copies else None


def check_after_unclean_shutdown(
    store_file: Path, marker: RunningMarker, backup_dir: Path, *, key: bytes | None = None
) -> StartupCheck:
    """Run ``quick_check`` if a previous process left its marker; :class:`StoreDamaged` if bad."""
    stale = marker.stale()
    if not stale:
        return StartupCheck()
    if store_file.exists():
        problems = quick_check(store_file, key=key)
        if problems:
            backup = latest_backup(backup_dir)
            offer = (
                f" The newest backup is {backup}."
                if backup is not None
                else " There is no backup of it."
            )
            raise StoreDamaged(
                f"The store {store_file} is damaged after an unclean shutdown "
                f"(quick_check: {'; '.join(problems[:3])}). eqvisit will not open it.{offer}",
                backup=backup,
            )
    marker.clear_stale(stale)
    return StartupCheck(unclean_shutdown=True, checked=store_file.exists())


def _pid_of(marker: Path) -> int:
    """The process id a marker names (0, never alive, for a file that is not a marker)."""
    head = marker.name.split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return _windows_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _windows_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    synchronize, still_active, wait_timeout = 0x00100000, 259, 0x00000102
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(synchronize | 0x1000, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return bool(code.value == still_active)
        return bool(kernel32.WaitForSingleObject(handle, 0) == wait_timeout)
    finally:
        kernel32.CloseHandle(handle)
