"""Copies of a SQLite store taken with SQLite's online backup API (never a file copy).

A file copy of a WAL database can miss committed pages still in the ``-wal`` file, or catch a page
half-written; the backup API copies a consistent snapshot while the store stays usable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from eqvisit.storage.cipher import connect, key_pragma


def backup_sqlite(source: Path, destination: Path, *, key: bytes | None = None) -> Path:
    """Copy the database at ``source`` to ``destination`` (which must not exist yet).

    With ``key``, the source is an encrypted store and the copy is encrypted with the same key
    (SQLCipher's backup copies pages between databases keyed alike).
    """
    if destination.exists():
        raise FileExistsError(f"backup target {destination} already exists")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    src = connect(source, key)
    try:
        dst = connect(partial, None)
        try:
            if key is not None:
                dst.execute(key_pragma(key))
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(destination)
    return destination


def timestamped_backup(
    source: Path, backup_dir: Path, label: str, *, key: bytes | None = None
) -> Path:
    """Back up ``source`` into ``backup_dir`` as ``<stem>-<label>-<UTC time>.sqlite3``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    safe_label = "".join(c if c.isalnum() or c in "-_" else "_" for c in label)
    return backup_sqlite(
        source, backup_dir / f"{source.stem}-{safe_label}-{stamp}.sqlite3", key=key
    )


def restore_backup(backup: Path, store_file: Path, *, key: bytes | None = None) -> Path:
    """Put ``backup`` in place of ``store_file``; the old file (and its WAL) is moved aside, kept.

    Returns where the replaced store now is, so the user can be told (and support can look).
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = store_file.with_name(f"{store_file.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = store_file.with_name(store_file.name + suffix)
        if part.exists():
            part.replace(aside.with_name(aside.name + suffix))
    backup_sqlite(backup, store_file, key=key)
    return aside
