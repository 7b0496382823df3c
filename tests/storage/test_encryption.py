"""The store on disk: encrypted, refused with a wrong key; plain stores are encrypted safely."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from eqvisit.errors import WrongStoreKey
from eqvisit.storage.backup import backup_sqlite
from eqvisit.storage.cipher import is_plain_sqlite
from eqvisit.storage.encrypt_in_place import encrypt_plain_store
from eqvisit.storage.store import open_store
from eqvisit.storage.unit_of_work import Store
from tests.conftest import TEST_STORE_KEY

REPO = Path(__file__).resolve().parents[2]
SECRET_NAME = "Zanzibar Plaintext Canary NHS Trust"
SECRET_NOTE = "learners said the rota-canary-7741 is unsafe"


def write_known_text(store: Store) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO providers (id, ods_code, name, kind, address_lines, status,"
                " created_at, updated_at) VALUES ('p1', 'RZZ', :name, 'trust', '[]', 'active',"
                " '2026-01-01', '2026-01-01')"
            ),
            {"name": SECRET_NAME},
        )
        connection.execute(
            text("INSERT INTO local_settings (key, value) VALUES ('draft-note', :note)"),
            {"note": SECRET_NOTE},
        )


def on_disk(path: Path) -> bytes:
    """The store and its WAL, as an attacker with the laptop's disk would read them."""
    found = b""
    for part in (path, Path(f"{path}-wal")):
        if part.exists():
            found += part.read_bytes()
    return found


def test_the_file_holds_none_of_the_text_written(store: Store) -> None:
    write_known_text(store)
    path = Path(str(store.engine.url.database))
    raw = on_disk(path)  # while open: the WAL holds the newest pages
    assert SECRET_NAME.encode() not in raw and SECRET_NOTE.encode() not in raw
    assert b"CREATE TABLE" not in raw, "the schema is encrypted too"
    assert not is_plain_sqlite(path)
    store.close()
    raw = on_disk(path)
    assert SECRET_NAME.encode() not in raw and SECRET_NOTE.encode() not in raw
    reopened = open_store(path, key=TEST_STORE_KEY)
    try:
        with reopened.engine.connect() as connection:
            names = connection.execute(text("SELECT name FROM providers")).scalars().all()
        assert names == [SECRET_NAME]
    finally:
        reopened.close()


def test_a_wrong_key_is_refused_clearly_and_changes_nothing(store: Store) -> None:
    write_known_text(store)
    path = Path(str(store.engine.url.database))
    store.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(WrongStoreKey, match="does not unlock this profile's store"):
        open_store(path, key=bytes(32), backup_dir=path.parent / "backups")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def plain_store_with_data(path: Path, rows: int = 0) -> None:
    plain = open_store(path, key=None)
    try:
        write_known_text(plain)
        if rows:
            with plain.engine.begin() as connection:
                connection.execute(
                    text("INSERT INTO local_settings (key, value) VALUES (:k, :v)"),
                    [{"k": f"row{i}", "v": "x" * 500} for i in range(rows)],
                )
    finally:
        plain.close()


def test_a_plain_store_is_encrypted_in_place_with_its_plain_copies(tmp_path: Path) -> None:
    path, backups = tmp_path / "eqvisit.sqlite3", tmp_path / "backups"
    plain_store_with_data(path)
    old_copy = backup_sqlite(path, backups / "eqvisit-before-0006.sqlite3")
    assert is_plain_sqlite(path) and is_plain_sqlite(old_copy)

    store = open_store(path, key=TEST_STORE_KEY, backup_dir=backups)
    try:
        with store.engine.connect() as connection:
            assert (
                connection.execute(text("SELECT name FROM providers")).scalar_one() == SECRET_NAME
            )
            assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            found = connection.execute(
                text("SELECT count(*) FROM provider_search WHERE provider_search MATCH 'zanzibar'")
            ).scalar_one()
            assert found == 1, "the search index came across"
    finally:
        store.close()
    assert not is_plain_sqlite(path)
    assert SECRET_NAME.encode() not in on_disk(path)
    assert not any(is_plain_sqlite(copy) for copy in backups.iterdir()), "no plain copy is left"
    assert not path.with_name(path.name + ".encrypting").exists()


def test_failure_between_steps_leaves_a_usable_store(tmp_path: Path) -> None:
    """A crash after the encrypted copy was written but before the rename, then one after it."""
    path, backups = tmp_path / "eqvisit.sqlite3", tmp_path / "backups"
    plain_store_with_data(path)
    # Before the rename: a half-written encrypted copy lies beside the plain store.
    partial = path.with_name(path.name + ".encrypting")
    partial.write_bytes(os.urandom(5000))
    store = open_store(path, key=TEST_STORE_KEY, backup_dir=backups)
    store.close()
    assert not is_plain_sqlite(path) and not partial.exists()
    # After the rename: the encrypted store plus the plain copy it was made from.
    backup_dir_copy = backups / "eqvisit-plain-before-encryption-x.sqlite3"
    plain_store_with_data(tmp_path / "other.sqlite3")
    (tmp_path / "other.sqlite3").replace(backup_dir_copy)
    store = open_store(path, key=TEST_STORE_KEY, backup_dir=backups)
    try:
        with store.engine.connect() as connection:
            assert (
                connection.execute(text("SELECT name FROM providers")).scalar_one() == SECRET_NAME
            )
    finally:
        store.close()
    assert not backup_dir_copy.exists(), "a plain copy left by the crash is removed at next open"


def test_an_interrupted_encryption_resumes(tmp_path: Path) -> None:
    path, backups = tmp_path / "eqvisit.sqlite3", tmp_path / "backups"
    plain_store_with_data(path)
    calls = {"n": 0}

    def fail_once() -> None:
        calls["n"] += 1
        raise OSError("disk pulled out")

    with pytest.raises(OSError, match="disk pulled out"):
        encrypt_plain_store(path, TEST_STORE_KEY, backups, after_export=fail_once)
    assert is_plain_sqlite(path), "the plain store is untouched until the encrypted one is whole"
    store = open_store(path, key=TEST_STORE_KEY, backup_dir=backups)
    store.close()
    assert calls["n"] == 1 and not is_plain_sqlite(path)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_during_encryption_never_loses_the_store(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    path, backups = tmp_path / "eqvisit.sqlite3", tmp_path / "backups"
    plain_store_with_data(path, rows=20_000)
    script = (
        "import sys; from pathlib import Path; from eqvisit.storage.store import open_store; "
        "from tests.conftest import TEST_STORE_KEY; print('ready', flush=True); "
        "open_store(Path(sys.argv[1]), key=TEST_STORE_KEY, backup_dir=Path(sys.argv[2])).close()"
    )
    for _ in range(4):
        if not is_plain_sqlite(path):
            break
        child = subprocess.Popen(
            [sys.executable, "-c", script, str(path), str(backups)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
        key = None if is_plain_sqlite(path) else TEST_STORE_KEY
        check = open_store(path, key=key)  # whichever state the kill left, it opens whole
        try:
            with check.engine.connect() as connection:
                rows = connection.execute(text("SELECT count(*) FROM local_settings")).scalar_one()
                assert rows == 20_001
        finally:
            check.close()
    store = open_store(path, key=TEST_STORE_KEY, backup_dir=backups)
    try:
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM local_settings")).scalar_one() == (
                20_001
            )
    finally:
        store.close()
    assert not any(is_plain_sqlite(copy) for copy in backups.iterdir())
