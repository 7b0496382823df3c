"""Backups of the local store on demand, always through SQLite's backup API (never a file copy)."""

from __future__ import annotations

import logging
from pathlib import Path

from eqvisit.errors import StorageError
from eqvisit.storage.backup import timestamped_backup
from eqvisit.storage.integrity import latest_backup

log = logging.getLogger(__name__)


class BackupService:
    """Runs on the worker like every service: a backup reads the whole store."""

    def __init__(self, store_file: Path, backup_dir: Path, *, key: bytes | None = None) -> None:
        self._store_file = store_file
        self._backup_dir = backup_dir
        self._key = key

    def backup_now(self) -> Path:
        """A consistent copy of the store in the profile's backup folder; returns its path."""
        try:
            path = timestamped_backup(self._store_file, self._backup_dir, "manual", key=self._key)
        except OSError as exc:
            raise StorageError(f"could not back up {self._store_file}: {exc}") from exc
        log.info("backed up the store on request to %s", path)
        return path

    def latest(self) -> Path | None:
        return latest_backup(self._backup_dir)
