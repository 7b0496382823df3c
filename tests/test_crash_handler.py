"""The crash handler, run in a child process: a report with frames and version, no user data."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from eqvisit import __version__

SECRET = "hunter2-the-password"


def run_child(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    crashes, faults = str(tmp_path / "crashes"), str(tmp_path / "faults.log")
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from eqvisit.crash import install

        handler = install(Path({crashes!r}), Path({faults!r}))
        """
    ) + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def only_report(tmp_path: Path) -> str:
    reports = sorted((tmp_path / "crashes").glob("crash-*.txt"))
    assert len(reports) == 1, reports
    return reports[0].read_text(encoding="utf-8")


def test_an_uncaught_exception_writes_a_report_without_the_message(tmp_path: Path) -> None:
    child = run_child(
        tmp_path,
        f"""
        def sign_in(password):
            raise ValueError("wrong password " + password)

        sign_in({SECRET!r})
        """,
    )

    assert child.returncode == 1
    report = only_report(tmp_path)
    assert f"eqvisit {__version__} crash report" in report
    assert "platform: " in report
    assert "exception: builtins.ValueError" in report
    assert "in sign_in" in report
    assert "where: main thread" in report
    assert SECRET not in report
    assert "a crash report is at" in child.stderr
    assert str(tmp_path / "crashes") in child.stderr


def test_an_exception_in_a_thread_writes_a_report_and_notifies(tmp_path: Path) -> None:
    child = run_child(
        tmp_path,
        f"""
        import threading

        handler.notify = lambda path: print("NOTIFIED", path)

        def sync_loop():
            raise RuntimeError("token " + {SECRET!r})

        thread = threading.Thread(target=sync_loop, name="sync")
        thread.start()
        thread.join()
        """,
    )

    assert child.returncode == 0
    report = only_report(tmp_path)
    assert "where: thread sync" in report
    assert "in sync_loop" in report
    assert SECRET not in report
    assert "NOTIFIED " + str(tmp_path / "crashes") in child.stdout


def test_a_hard_crash_leaves_the_python_stack_in_the_fault_log(tmp_path: Path) -> None:
    child = run_child(
        tmp_path,
        """
        import faulthandler

        def render_page():
            faulthandler._sigsegv()

        render_page()
        """,
    )

    assert child.returncode != 0
    faults = (tmp_path / "faults.log").read_text(encoding="utf-8")
    assert "Fatal Python error" in faults
    assert "render_page" in faults
