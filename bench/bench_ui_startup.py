"""Start to interactive: the eqvisit main window beside a bare PySide6 window, in the same run.

Each round starts two fresh processes and times each from spawn until it reports that its window
is shown and usable. The bare one opens a QMainWindow with a label. The eqvisit one does what
``eqvisit gui`` does — open and migrate-check the store, build the services, import Qt, build
the main window — on a national-scale profile (30,000 providers, 1,000,000 intelligence rows,
built once from a fixed seed), and counts as interactive when the window is shown and the first
provider list and visit list are on screen (the worker is idle). Target: ≤ 3× the bare window.

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
READY = "interactive"


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
    print(READY, flush=True)


def child_app(folder: Path) -> None:
    from eqvisit.app_services import open_services
    from eqvisit.paths import resolve_profile
    from eqvisit.services.store_keys import Unlock

    services = open_services(resolve_profile(folder), Unlock.from_environment(demo=True))
    from PySide6.QtWidgets import QApplication

    from eqvisit.ui.main_window import MainWindow
    from eqvisit.ui.worker import Worker

    app = QApplication(sys.argv[:1])
    worker = Worker()
    window = MainWindow(services, resolve_profile(folder), worker)
    window.show()
    app.processEvents()
    while worker.pending or not window.isVisible():
        app.processEvents()
        time.sleep(0.001)
    app.processEvents()
    rows = window.providers_page.model.rowCount()
    print(READY, rows, flush=True)
    worker.shutdown()
    services.close()


def timed(args: list[str]) -> tuple[float, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    # An installed app (and the bundle) runs from bytecode, as site-packages' PySide6 does for
    # the bare window; a shell with PYTHONDONTWRITEBYTECODE would time compiling eqvisit instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - start
    process.wait()
    if not line.startswith(READY):
        raise SystemExit(f"child {args} did not become interactive: {line!r}")
    return elapsed, line.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="reuse a built profile here")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", choices=("bare", "app"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "bare":
        child_bare()
        return
    if args.child == "app":
        child_app(args.folder)
        return
    sys.path.insert(0, str(ROOT))
    from bench.ui_dataset import INTELLIGENCE_ROWS, PROVIDERS, build_national

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or Path(scratch)
        build_national(folder)
        compileall.compile_dir(ROOT / "eqvisit", quiet=1)
        timed(["--child", "bare"])  # warm the OS file cache for both
        timed(["--child", "app", "--folder", str(folder)])
        bare, app, shown = [], [], ""
        for _ in range(args.rounds):
            bare.append(timed(["--child", "bare"])[0])
            seconds, shown = timed(["--child", "app", "--folder", str(folder)])
            app.append(seconds)
    bare_s, app_s = statistics.median(bare), statistics.median(app)
    print(f"start to interactive (median of {args.rounds}; fresh process each)")
    print(f"  bare PySide6 window        : {bare_s * 1000:7.0f} ms")
    print(
        f"  eqvisit main window        : {app_s * 1000:7.0f} ms   "
        f"({PROVIDERS:,} providers, {INTELLIGENCE_ROWS:,} intelligence rows; {shown})"
    )
    print(f"  ratio eqvisit/bare         : {app_s / bare_s:7.2f}×  (target ≤ 3×)")


if __name__ == "__main__":
    main()
