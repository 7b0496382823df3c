from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from eqvisit.cli import main
from eqvisit.paths import ENV_HOME, resolve_profile


def test_help_lists_the_subcommands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "eqvisit", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    for command in ("gui", "demo", "template"):
        assert command in result.stdout


def test_demo_goes_where_profile_says_before_or_after_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--profile", str(tmp_path / "a"), "demo"]) == 0
    assert (tmp_path / "a" / "data" / "eqvisit.sqlite3").is_file()
    assert "218 trusts" in capsys.readouterr().out
    assert main(["demo", "--profile", str(tmp_path / "a"), "--if-absent"]) == 0
    assert "already present" in capsys.readouterr().out


def test_demo_refuses_to_overwrite_a_profile_with_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--profile", str(tmp_path)]) == 0
    assert main(["demo", "--profile", str(tmp_path)]) == 2
    assert "already holds data" in capsys.readouterr().err


def test_eqvisit_home_is_the_override_when_no_profile_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_HOME, str(tmp_path / "home"))
    assert (
        resolve_profile().store_file == (tmp_path / "home" / "data" / "eqvisit.sqlite3").resolve()
    )
    assert (
        resolve_profile(tmp_path / "explicit").data_dir
        == (tmp_path / "explicit" / "data").resolve()
    )


def test_a_broken_store_is_one_clear_line_and_a_non_zero_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = resolve_profile(tmp_path).ensure()
    paths.store_file.write_bytes(b"\x00garbage" * 1000)
    assert main(["demo", "--profile", str(tmp_path)]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not a readable eqvisit store" in err[0]


def test_the_log_file_is_written_in_the_profile(tmp_path: Path) -> None:
    assert main(["demo", "--profile", str(tmp_path)]) == 0
    log = (tmp_path / "logs" / "eqvisit.log").read_text()
    assert "opened store" in log
