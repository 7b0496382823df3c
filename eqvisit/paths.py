"""Every on-disk location eqvisit uses, and the one override for it.

By default files live in the platformdirs folders of the user. ``--profile DIR`` or the
``EQVISIT_HOME`` environment variable put a whole profile (data, config, logs, backups) under one
folder instead, so several "laptops" can live on one machine. Nothing else in eqvisit builds OS
paths.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "eqvisit"
ENV_HOME = "EQVISIT_HOME"
STORE_FILENAME = "eqvisit.sqlite3"
CENTRAL_FILENAME = "central.sqlite3"


@dataclass(frozen=True)
class ProfilePaths:
    """The folders and files of one profile. Folders are created by :meth:`ensure`."""

    data_dir: Path
    config_dir: Path
    log_dir: Path

    @property
    def store_file(self) -> Path:
        """The local SQLite store."""
        return self.data_dir / STORE_FILENAME

    @property
    def central_file(self) -> Path:
        """The demo's local central store (``eqvisit demo``; ``eqvisit server``'s default)."""
        return self.data_dir / CENTRAL_FILENAME

    @property
    def store_key_file(self) -> Path:
        """How the store's key is obtained (keychain or passphrase; the Argon2id salt and cost)."""
        return self.data_dir / "store-key.json"

    @property
    def wipe_marker_file(self) -> Path:
        """Present while a wipe of the profile (its device was revoked) is due or under way."""
        return self.data_dir / "wipe-requested"

    @property
    def backup_dir(self) -> Path:
        """Copies of the store taken with the SQLite backup API."""
        return self.data_dir / "backups"

    @property
    def attachments_dir(self) -> Path:
        """Content-addressed attachment blobs."""
        return self.data_dir / "attachments"

    @property
    def reports_dir(self) -> Path:
        """Issued report PDFs, one file per version."""
        return self.data_dir / "reports"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "eqvisit.log"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def crash_dir(self) -> Path:
        """Crash reports (traceback, version, platform; never user data)."""
        return self.log_dir / "crashes"

    @property
    def fault_log_file(self) -> Path:
        """Where ``faulthandler`` writes the Python stacks of a hard crash (segfault, abort)."""
        return self.log_dir / "faults.log"

    @property
    def running_dir(self) -> Path:
        """One marker per process with the store open; a crash or a kill leaves its marker."""
        return self.data_dir / "running"

    def ensure(self) -> ProfilePaths:
        """Create every folder of the profile (owner-only permissions) and return self."""
        for folder in (self.data_dir, self.config_dir, self.log_dir, self.backup_dir):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self


def resolve_profile(profile: str | os.PathLike[str] | None = None) -> ProfilePaths:
    """Paths of the profile chosen by ``--profile``, else ``EQVISIT_HOME``, else platformdirs."""
    chosen = profile if profile is not None else os.environ.get(ENV_HOME) or None
    if chosen is not None:
        root = Path(chosen).expanduser().resolve()
        return ProfilePaths(
            data_dir=root / "data", config_dir=root / "config", log_dir=root / "logs"
        )
    return ProfilePaths(
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )
