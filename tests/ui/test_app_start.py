"""``eqvisit gui --smoke-test`` in a child process: the real start-up and exit path, end to end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eqvisit.app_services import Services
from eqvisit.paths import ProfilePaths


def gui(profile: ProfilePaths) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "eqvisit", "gui", "--smoke-test", "--profile", str(root(profile))],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def root(profile: ProfilePaths) -> Path:
    return profile.data_dir.parent


def test_the_app_opens_its_window_and_exits_zero(demo: Services, profile: ProfilePaths) -> None:
    started = gui(profile)

    assert started.returncode == 0, started.stderr
    log = profile.log_file.read_text(encoding="utf-8")
    assert "smoke test: main window shown" in log
    assert list(profile.crash_dir.glob("*")) == []


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_after_a_kill_the_app_checks_the_store_and_says_so(
    demo: Services, profile: ProfilePaths
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "eqvisit", "gui", "--profile", str(root(profile))],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(
            marker.name.startswith(f"{child.pid}-") for marker in running_markers(profile)
        ):
            assert time.monotonic() < deadline, "the app did not open its store"
            time.sleep(0.1)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)

    started = gui(profile)

    assert started.returncode == 0, started.stderr
    log = profile.log_file.read_text(encoding="utf-8")
    assert "was not closed properly last time" in log
    assert "smoke test: main window shown" in log


def running_markers(profile: ProfilePaths) -> list[Path]:
    return list(profile.running_dir.iterdir()) if profile.running_dir.is_dir() else []


def test_a_profile_in_a_cloud_folder_is_refused_with_its_path(tmp_path: Path) -> None:
    folder = tmp_path / "OneDrive - NHS" / "eqvisit"
    started = subprocess.run(
        [sys.executable, "-m", "eqvisit", "sync", "--profile", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert started.returncode == 3
    assert str(folder / "data") in started.stderr
    assert "cloud-synced folder 'OneDrive - NHS'" in started.stderr
    assert not (folder / "data" / "eqvisit.sqlite3").exists()
