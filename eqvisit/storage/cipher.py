"""SQLCipher connections for the local store: keying, checking a key, telling plain files apart.

The key is 32 random (or Argon2id-derived) bytes given to SQLCipher in its raw form
(``PRAGMA key = "x'…'"``), so SQLCipher runs no key derivation of its own per connection; where
the key comes from is the services' business (``services/store_keys.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from eqvisit.errors import WrongStoreKey

KEY_BYTES = 32
PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"


def key_pragma(key: bytes) -> str:
    """The statement that keys a connection with the raw ``key`` (hex digits only, no user text)."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"a store key has {KEY_BYTES} bytes, not {len(key)}")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def is_plain_sqlite(path: Path) -> bool:
    """Whether ``path`` is an unencrypted SQLite file (an encrypted one starts with its salt)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(PLAIN_SQLITE_HEADER)) == PLAIN_SQLITE_HEADER
    except FileNotFoundError:
        return False


def apply_key(dbapi_connection: Any, key: bytes) -> None:
    """Key a fresh SQLCipher connection; must be the first statement it runs."""
    cursor = dbapi_connection.cursor()
    try:
        # A wrong key is reported through WrongStoreKey; SQLCipher's own log would only add noise
        # on stderr (the CLI's one-line errors).
        cursor.execute("PRAGMA cipher_log_level = NONE")
        cursor.execute(key_pragma(key))
    finally:
        cursor.close()


def check_key(dbapi_connection: Any, path: Path) -> None:
    """Read the first page through a keyed connection; a wrong key fails here, not later.

    Only page 1 (the header, whose HMAC a wrong key cannot match): reading all of
    ``sqlite_master`` would also fail on a page torn by a crash, and a damaged store would be
    taken for a wrong passphrase instead of being checked and offered its backup.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA schema_version").fetchone()
    except sqlcipher.DatabaseError as exc:
        raise WrongStoreKey(path) from exc
    finally:
        cursor.close()


def connect(path: Path, key: bytes | None) -> Any:
    """A DB-API connection on ``path``: keyed and checked when ``key`` is given, plain otherwise."""
    connection = sqlcipher.connect(str(path), isolation_level=None)
    try:
        if key is not None:
            apply_key(connection, key)
            check_key(connection, path)
    except BaseException:
        connection.close()
        raise
    return connection


def verify_store_key(path: Path, key: bytes) -> None:
    """Raise :class:`WrongStoreKey` unless ``key`` opens the existing store at ``path``."""
    connect(path, key).close()
