"""The profile's opening thread (eqvisit.opening) without a window: open, retry, restore."""

from __future__ import annotations

import pytest

from eqvisit.app_services import store_keys
from eqvisit.errors import WrongStoreKey
from eqvisit.opening import ProfileOpening
from eqvisit.paths import ProfilePaths
from eqvisit.services.store_keys import PASSPHRASE_VARIABLE
from eqvisit.storage.backup import backup_sqlite
from tests.conftest import TEST_UNLOCK

WAIT = 60


def test_restore_then_open_puts_the_backup_in_place_and_keeps_the_damaged_file(
    demo_profile: ProfilePaths,
) -> None:
    key = store_keys(demo_profile).unlock(TEST_UNLOCK)
    backup = backup_sqlite(
        demo_profile.store_file, demo_profile.backup_dir / "before-damage.sqlite3", key=key
    )
    demo_profile.store_file.write_bytes(b"not a database any more")

    opening = ProfileOpening(demo_profile)
    try:
        opened = opening.restore_then_open(backup).result(WAIT)
        assert not opened.first_run
        assert opened.services.demo.is_populated()
    finally:
        opening.close()
    kept = list(demo_profile.store_file.parent.glob(f"{demo_profile.store_file.name}.damaged-*"))
    assert len(kept) == 1
    assert kept[0].read_bytes() == b"not a database any more"


def test_a_wrong_passphrase_fails_the_attempt_and_the_next_one_opens(
    demo_profile: ProfilePaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    right = TEST_UNLOCK.passphrase()
    monkeypatch.delenv(PASSPHRASE_VARIABLE)
    opening = ProfileOpening(demo_profile)
    try:
        with pytest.raises(WrongStoreKey):
            opening.start("not the passphrase").result(WAIT)
        assert opening.opened is None
        opened = opening.start(right).result(WAIT)
        assert opening.opened is opened
    finally:
        opening.close()


def test_an_opening_told_to_wait_for_its_window_opens_nothing_before_it(
    demo_profile: ProfilePaths,
) -> None:
    opening = ProfileOpening(demo_profile, wait_for_window=True)
    future = opening.start()
    with pytest.raises(TimeoutError):
        future.result(0.3)  # nothing opens before the window has painted
    opening.window_shown()
    assert future.result(WAIT).services.demo.is_populated()
    opening.close()
