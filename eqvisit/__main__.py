"""Composition root: arguments → paths → logging → settings → the profile opening on its own
thread → Qt and the window (which attaches the profile when it is open).

The GUI paints its window before the store is open: :class:`~eqvisit.opening.ProfileOpening`
derives the key, opens the store and builds the services on a background thread while the main
thread imports Qt and shows the window shell; the window then attaches the services, or asks for
a passphrase, offers a backup, or says why the folder cannot be used (:mod:`eqvisit.ui.startup`).
Neither SQLAlchemy nor the services are imported on the main thread before the window shows.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from eqvisit.crash import CrashHandler
from eqvisit.opening import ProfileOpening
from eqvisit.paths import ProfilePaths
from eqvisit.settings import load_settings

log = logging.getLogger("eqvisit")

PAGE_MODULES = ("eqvisit.ui.pages",)  # imported on the opening thread, ready for the window


def run_gui(
    paths: ProfilePaths,
    *,
    argv: list[str] | None = None,
    smoke_test: bool = False,
    crash: CrashHandler | None = None,
    trace: Callable[[str], None] | None = None,
) -> int:
    """Start opening the profile, then build and run the Qt application until its window closes."""
    qt_argv = argv if argv is not None else sys.argv
    loaded = load_settings(paths.settings_file)
    notices: list[str] = []
    if loaded.problem is not None:
        kept = f" A copy of it is kept as {loaded.bad_copy}." if loaded.bad_copy else ""
        notices.append(
            f"Your settings could not be used ({loaded.problem}); eqvisit uses the "
            f"defaults until you save settings again.{kept}"
        )
    opening = ProfileOpening(paths, warm_modules=PAGE_MODULES, wait_for_window=True)
    opening.start()
    try:
        from eqvisit.ui.app import AppOptions, run_app  # Qt is imported only now

        options = AppOptions(
            settings=loaded.settings,
            notices=tuple(notices),
            smoke_test=smoke_test,
            crash=crash,
            trace=trace,
        )
        return run_app(opening, paths, qt_argv, options)
    finally:
        opening.close()


def main() -> int:
    from eqvisit.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
