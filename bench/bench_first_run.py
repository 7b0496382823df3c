"""First run to a working screen, both ways, beside a plain start of a ready profile (same run).

"Done" for a first-time user is a main window with data: the smoke-test start
(``eqvisit gui --smoke-test``) returns once the window is shown and the background work — the
first sync included — has finished. Figures:

- demo:    ``eqvisit demo`` (what the first-run dialog's demo choice runs) then the smoke start
- connect: ``eqvisit login`` to a real ``eqvisit server`` on 127.0.0.1 holding the demo central
           store, then the smoke start, whose first sync pulls everything
- baseline: the smoke start of the already-built demo profile (no first-run work)

Budget: under 60 s either way (issue 9). ``--bundle`` times the PyInstaller bundle in dist/.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_first_run.py [--bundle]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import child_server, free_port

from eqvisit.app_services import open_services
from eqvisit.paths import resolve_profile
from eqvisit.services.store_keys import PASSPHRASE_VARIABLE, Unlock
from eqvisit.sync.server.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 60.0


def programs(bundle: bool) -> tuple[list[str], list[str]]:
    if bundle:
        folder = ROOT / "dist" / "eqvisit"
        return [str(folder / "eqvisit-cli")], [str(folder / "eqvisit")]
    command = [sys.executable, "-m", "eqvisit"]
    return command, command


def run(command: list[str], stdin: str | None = None) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    started = time.perf_counter()
    subprocess.run(
        command, input=stdin, text=True, check=True, env=env, cwd=ROOT, capture_output=True
    )
    return time.perf_counter() - started


def count_providers(profile: Path) -> int:
    """Providers in the (encrypted) store of ``profile``, opened as the app opens it."""
    services = open_services(resolve_profile(profile), Unlock.from_environment())
    try:
        return services.providers.count()
    finally:
        services.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundle", action="store_true", help="time dist/eqvisit instead")
    args = parser.parse_args()
    cli, gui = programs(args.bundle)
    # The new laptop profile has no keychain here: its passphrase, as the user would type it.
    os.environ.setdefault(PASSPHRASE_VARIABLE, "first-run benchmark, synthetic data only")
    with tempfile.TemporaryDirectory() as scratch:
        demo = Path(scratch) / "demo"
        demo_build = run([*cli, "demo", "--profile", str(demo)])
        demo_start = run([*gui, "gui", "--smoke-test", "--profile", str(demo)])
        baseline = run([*gui, "gui", "--smoke-test", "--profile", str(demo)])

        port = free_port()
        central = demo / "data" / "central.sqlite3"
        command = [*cli, "server", "--db", str(central), "--port", str(port)]
        command += ["--profile", str(Path(scratch) / "server")]
        with child_server(command, Path(scratch), "eqvisit server", port) as url:
            laptop = Path(scratch) / "laptop"
            login = run(
                [
                    *cli,
                    "login",
                    "--server",
                    url,
                    "--user",
                    "lead",
                    "--password-stdin",
                    "--profile",
                    str(laptop),
                ],
                stdin=DEMO_PASSWORD + "\n",
            )
            connect_start = run([*gui, "gui", "--smoke-test", "--profile", laptop])
            providers = count_providers(laptop)

    what = "bundle" if args.bundle else "source tree"
    print(f"first run to a working main window ({what}); budget {BUDGET_S:.0f} s")
    print(f"  baseline: start of a ready profile      {baseline:6.1f} s")
    print(
        f"  demo:     build {demo_build:5.1f} s + start {demo_start:5.1f} s = "
        f"{demo_build + demo_start:6.1f} s"
    )
    print(
        f"  connect:  login {login:5.1f} s + start and first sync {connect_start:5.1f} s = "
        f"{login + connect_start:6.1f} s ({providers} providers synced)"
    )
    worst = max(demo_build + demo_start, login + connect_start)
    return 0 if worst < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
