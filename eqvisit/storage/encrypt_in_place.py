"""Encrypt a plain (pre-SQLCipher) store in place, safely.

The plain file is first copied with the backup API, the encrypted copy is written beside the store
with ``sqlcipher_export``, flushed, checked, and only then renamed over the store (an atomic
rename); the plain copies are deleted once the encrypted store has opened with the key. A crash at
any step leaves either the plain store (encrypted again at the next open) or the encrypted one,
never a half-written file under the store's name.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from eqvisit.storage.backup import timestamped_backup
from eqvisit.storage.cipher import connect, is_plain_sqlite, verify_store_key

log = logging.getLogger(__name__)


def encrypt_plain_store(
    path: Path, key: bytes, backup_dir: Path, *, after_export: Callable[[], None] | None = None
) -> None:
    """Encrypt the plain SQLite store at ``path`` in place with ``key`` (module docstring).

    ``after_export`` runs once the encrypted copy is written, before it replaces the store: the
    seam where tests interrupt the work.
    """
    timestamped_backup(path, backup_dir, "plain-before-encryption")
    partial = path.with_name(path.name + ".encrypting")
    partial.unlink(missing_ok=True)
    source = connect(path, None)
    try:
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        source.execute(
            f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"",
            (str(partial),),
        )
        source.execute("SELECT sqlcipher_export('encrypted')")
        user_version = source.execute("PRAGMA main.user_version").fetchone()[0]
        source.execute(f"PRAGMA encrypted.user_version = {int(user_version):d}")
        source.execute("DETACH DATABASE encrypted")
    finally:
        source.close()
    _fsync(partial)
    if after_export is not None:
        after_export()
    verify_store_key(partial, key)
    for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    os.replace(partial, path)
    _fsync(path.parent)
    verify_store_key(path, key)
    remove_plain_copies(backup_dir)
    log.info("encrypted the plain store %s in place", path)


def remove_plain_copies(backup_dir: Path) -> int:
    """Delete unencrypted copies of the store (backups taken before encryption); return how many.

    Called once the encrypted store has opened with its key, so the data is safe without them;
    a plain copy left behind would defeat the encryption.
    """
    removed = 0
    if not backup_dir.is_dir():
        return removed
    for copy in backup_dir.iterdir():
        if copy.is_file() and is_plain_sqlite(copy):
            copy.unlink()
            removed += 1
    return removed


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
