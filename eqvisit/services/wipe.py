"""Wiping a profile's local data after the central store revoked this device.

The wipe is asked for first (a marker file, flushed to disk) and carried out once the user has been
told and the store is closed; a marker left by a crash is honoured at the next start, before the
store opens. The store key goes first: with the key gone, whatever is left of the encrypted store
on disk (a sector not yet reused, a copy in a backup) can no longer be read. Then the store and its
``-wal``/``-shm`` files, the backups, attachments, reports, and the sign-in are deleted. The demo's
local central store, which lives in the profile too, is not this laptop's data and is kept.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from eqvisit.paths import ProfilePaths
from eqvisit.services.credentials import CredentialStore
from eqvisit.services.store_keys import StoreKeys

log = logging.getLogger(__name__)


class ProfileWipe:
    """Ask for, and carry out, the wipe of one profile. ``perform`` needs the store closed."""

    def __init__(self, paths: ProfilePaths, keys: StoreKeys, credentials: CredentialStore) -> None:
        self._paths = paths
        self._keys = keys
        self._credentials = credentials

    def request(self, reason: str) -> None:
        marker = self._paths.wipe_marker_file
        marker.parent.mkdir(parents=True, exist_ok=True)
        with marker.open("w", encoding="utf-8") as handle:
            handle.write(reason)
            handle.flush()
            os.fsync(handle.fileno())
        log.warning("wipe of the profile requested: %s", reason)

    def requested(self) -> str | None:
        """The reason given when the wipe was asked for, or ``None`` if none is due."""
        marker = self._paths.wipe_marker_file
        return marker.read_text(encoding="utf-8") if marker.is_file() else None

    def perform(self) -> None:
        """Delete this laptop's data of the profile; the marker goes last, so a crash resumes."""
        paths = self._paths
        self._keys.forget()
        store = paths.store_file
        for leftover in (
            store,
            Path(f"{store}-wal"),
            Path(f"{store}-shm"),
            Path(f"{store}-journal"),
            store.with_name(store.name + ".encrypting"),
        ):
            leftover.unlink(missing_ok=True)
        for folder in (paths.backup_dir, paths.attachments_dir, paths.reports_dir):
            shutil.rmtree(folder, ignore_errors=True)
        self._credentials.forget()
        paths.wipe_marker_file.unlink(missing_ok=True)
        log.warning("wiped the profile's local data in %s", paths.data_dir)
