"""After a kill with the store open, the next start runs quick_check; a damaged store is refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from eqvisit.app_services import open_services, store_keys
from eqvisit.errors import StoreDamaged
from eqvisit.paths import ProfilePaths
from eqvisit.storage.backup import restore_backup
from eqvisit.storage.integrity import quick_check
from tests.conftest import TEST_UNLOCK

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def kill_while_open(profile: ProfilePaths) -> None:
    """Open the profile in a child process, then SIGKILL it with the store open."""
    script = textwrap.dedent(
        f"""
        import sys, time
        from eqvisit.app_services import open_services
        from eqvisit.paths import resolve_profile

        services = open_services(resolve_profile({str(profile.data_dir.parent)!r}))
        print("open", flush=True)
        time.sleep(120)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "open"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def test_a_clean_close_leaves_nothing_to_check(profile: ProfilePaths) -> None:
    open_services(profile, TEST_UNLOCK).close()

    services = open_services(profile, TEST_UNLOCK)
    try:
        assert not services.startup.unclean_shutdown
        assert services.startup.message is None
    finally:
        services.close()


def test_a_killed_session_is_noticed_and_the_store_checked(profile: ProfilePaths) -> None:
    open_services(profile, TEST_UNLOCK).close()
    kill_while_open(profile)

    services = open_services(profile, TEST_UNLOCK)
    try:
        assert services.startup.unclean_shutdown
        assert services.startup.checked
        assert services.startup.message is not None
        assert "not closed properly" in services.startup.message
    finally:
        services.close()

    again = open_services(profile, TEST_UNLOCK)  # the stale marker was cleared: only one warning
    try:
        assert not again.startup.unclean_shutdown
    finally:
        again.close()


def test_a_damaged_store_is_refused_and_the_backup_offered(profile: ProfilePaths) -> None:
    services = open_services(profile, TEST_UNLOCK)
    backup = services.backups.backup_now()
    services.close()
    kill_while_open(profile)
    damage(profile.store_file)

    with pytest.raises(StoreDamaged) as refused:
        open_services(profile, TEST_UNLOCK)

    assert refused.value.backup == backup
    assert str(profile.store_file) in str(refused.value)
    assert str(backup) in str(refused.value)

    key = store_keys(profile).unlock(TEST_UNLOCK)
    aside = restore_backup(backup, profile.store_file, key=key)
    assert aside.exists()  # the damaged file is kept, moved aside
    assert quick_check(profile.store_file, key=key) == []
    reopened = open_services(profile, TEST_UNLOCK)
    reopened.close()


def test_a_running_process_is_not_taken_for_a_crash(profile: ProfilePaths) -> None:
    first = open_services(profile, TEST_UNLOCK)
    try:
        second = open_services(profile, TEST_UNLOCK)
        second.close()  # the second's clean exit must not hide the first's marker
        assert any(profile.running_dir.iterdir())
    finally:
        first.close()


def test_backup_now_is_a_readable_copy(profile: ProfilePaths) -> None:
    services = open_services(profile, TEST_UNLOCK)
    try:
        copy = services.backups.backup_now()
        assert services.backups.latest() == copy
    finally:
        services.close()
    assert copy.parent == profile.backup_dir
    assert quick_check(copy, key=store_keys(profile).unlock(TEST_UNLOCK)) == []


def damage(store_file: Path) -> None:
    """Overwrite every page after the first two with garbage, as a torn write might."""
    data = bytearray(store_file.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    page = 65536 if page == 1 else page
    for offset in range(2 * page, len(data), page):
        data[offset : offset + page] = b"\xa5" * page
    store_file.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        store_file.with_name(store_file.name + suffix).unlink(missing_ok=True)
