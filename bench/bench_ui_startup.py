"""Start to interactive: the eqvisit main window beside a bare PySide6 window, in the same run.

Each round starts two fresh processes and times each from spawn. The bare one opens a
QMainWindow with a label and reports when it is shown. The eqvisit one is the real command,
``python -m eqvisit gui --profile DIR --trace-startup --smoke-test``, on a national-scale profile
(30,000 providers, 1,000,000 intelligence rows, built once from a fixed seed); it prints each
start-up milestone as it passes it, and two are timed:

* **window** — the main window is on screen and takes input: navigation, menus, and the provider
  search box (what is typed is searched once the store is open). The store opens meanwhile on a
  thread of its own (``eqvisit.opening``). Target: ≤ 3× the bare window.
* **ready** — the store is open, every page is built, and the first provider list and visit list
  are on screen (the worker went idle).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_ui_startup.py [--folder DIR] [--rounds 5]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOWN = "shown"


def child_bare() -> None:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QLabel("bare"))
    window.resize(1280, 800)
    window.show()
    while not window.isVisible():
        app.processEvents()
    app.processEvents()
    print(SHOWN, flush=True)


def _environment() -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    # An installed app (and the bundle) runs from bytecode, as site-packages' PySide6 does for
    # the bare window; a shell with PYTHONDONTWRITEBYTECODE would time compiling eqvisit instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def time_bare() -> float:
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", "bare"],
        stdout=subprocess.PIPE,
        text=True,
        env=_environment(),
        cwd=ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - start
    process.wait()
    if not line.startswith(SHOWN):
        raise SystemExit(f"the bare window did not show: {line!r}")
    return elapsed


def time_app(folder: Path) -> dict[str, float]:
    """Seconds from spawn to each milestone the app printed, as this process read them."""
    command = [sys.executable, "-m", "eqvisit", "gui", "--profile", str(folder)]
    start = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--trace-startup", "--smoke-test"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_environment(),
        cwd=ROOT,
    )
    assert process.stdout is not None
    seen: dict[str, float] = {}
    for line in process.stdout:
        if line.startswith("startup "):
            seen[line.split()[1]] = time.perf_counter() - start
    if process.wait() != 0 or not {"window", "ready"} <= seen.keys():
        raise SystemExit(f"eqvisit gui did not start cleanly (exit {process.returncode}): {seen}")
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="reuse a built profile here")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", choices=("bare",), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "bare":
        child_bare()
        return
    sys.path.insert(0, str(ROOT))
    from bench.ui_dataset import INTELLIGENCE_ROWS, PROVIDERS, build_national

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or Path(scratch)
        build_national(folder)
        compileall.compile_dir(ROOT / "eqvisit", quiet=1)
        time_bare()  # warm the OS file cache for both
        time_app(folder)
        bare: list[float] = []
        app: dict[str, list[float]] = {"window": [], "opened": [], "ready": []}
        for _ in range(args.rounds):
            bare.append(time_bare())
            seen = time_app(folder)
            for milestone in app:
                app[milestone].append(seen.get(milestone, float("nan")))
    bare_s = statistics.median(bare)
    window_s, ready_s = statistics.median(app["window"]), statistics.median(app["ready"])
    opened_s = statistics.median(app["opened"])
    print(f"start-up (median of {args.rounds}; fresh process each; {PROVIDERS:,} providers,")
    print(f"{INTELLIGENCE_ROWS:,} intelligence rows, encrypted store)")
    print(f"  bare PySide6 window shown            : {bare_s * 1000:7.0f} ms")
    print(
        f"  eqvisit window shown, takes input    : {window_s * 1000:7.0f} ms   "
        f"{window_s / bare_s:5.2f}× bare  (target ≤ 3×)"
    )
    print(f"  eqvisit store open (on its thread)   : {opened_s * 1000:7.0f} ms")
    print(
        f"  eqvisit ready: every page, first lists: {ready_s * 1000:6.0f} ms   "
        f"{ready_s / bare_s:5.2f}× bare"
    )


if __name__ == "__main__":
    main()
