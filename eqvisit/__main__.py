"""Composition root: arguments → paths → logging → store → services → UI (Qt imported last)."""

from __future__ import annotations

import logging
import sys

from eqvisit.app_services import open_services
from eqvisit.paths import ProfilePaths

log = logging.getLogger("eqvisit")


def run_gui(paths: ProfilePaths, *, argv: list[str] | None = None) -> int:
    """Open the profile, then build and run the Qt application until its window closes."""
    services = open_services(paths)
    from eqvisit.ui.app import run_app  # Qt is imported only now, once everything else is ready

    try:
        return run_app(services, paths, argv if argv is not None else sys.argv)
    finally:
        services.close()
        if services.wipe.requested() is not None:  # the window told the user before it closed
            services.wipe.perform()


def main() -> int:
    from eqvisit.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
