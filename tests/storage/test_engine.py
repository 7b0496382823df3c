from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from eqvisit.errors import StorageError
from eqvisit.storage.backup import backup_sqlite, timestamped_backup
from eqvisit.storage.cipher import connect, is_plain_sqlite
from eqvisit.storage.store import open_store
from eqvisit.storage.unit_of_work import Store
from tests.conftest import TEST_STORE_KEY


def test_pragmas_that_protect_typed_data(store: Store) -> None:
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL


def test_backup_is_a_consistent_copy_taken_while_the_store_is_open(
    store: Store, tmp_path: Path
) -> None:
    with store.engine.begin() as connection:
        connection.execute(text("INSERT INTO local_settings (key, value) VALUES ('k', 'v')"))
    source = Path(str(store.engine.url.database))
    copy = timestamped_backup(source, tmp_path / "backups", "manual", key=TEST_STORE_KEY)
    assert not is_plain_sqlite(copy), "a copy of an encrypted store is encrypted too"
    with closing(connect(copy, TEST_STORE_KEY)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT value FROM local_settings WHERE key='k'").fetchone() == (
            "v",
        )
    with pytest.raises(FileExistsError):
        backup_sqlite(source, copy, key=TEST_STORE_KEY)


def test_a_file_that_is_not_a_store_gives_a_clear_error(tmp_path: Path) -> None:
    garbage = tmp_path / "notes.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match="is not a readable eqvisit store"):
        open_store(garbage, key=None)
    assert garbage.read_bytes() == b"this is not a database" * 100
