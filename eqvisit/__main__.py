"""Composition root: arguments → paths → logging → store → services → UI (Qt imported last).

The one exception: a profile whose store key comes from a passphrase asks for it in a small
dialog before the store opens, so Qt is imported then, before the store.
"""

from __future__ import annotations

import functools
import logging
import sys
from dataclasses import replace

from eqvisit.app_services import Services, open_services, store_keys
from eqvisit.paths import ProfilePaths
from eqvisit.services.store_keys import Unlock
from eqvisit.storage.cipher import WrongStoreKey

log = logging.getLogger("eqvisit")


def open_for_gui(paths: ProfilePaths) -> Services | None:
    """Open the profile, asking for its passphrase if it needs one; ``None`` if the user cancels."""
    unlock = Unlock.from_environment()
    keys = store_keys(paths)
    new_profile = keys.describe() is None
    asks = unlock.passphrase() is None and (
        keys.needs_passphrase() or (new_profile and not unlock.use_keychain)
    )
    if not asks:
        return open_services(paths, unlock)
    from eqvisit.ui.passphrase_dialog import PassphraseDialog

    error = ""
    while True:
        typed = PassphraseDialog.ask(choose=new_profile, error=error)
        if typed is None:
            return None
        try:
            given = replace(unlock, passphrase=functools.partial(str, typed))
            return open_services(paths, given)
        except WrongStoreKey as exc:
            error = str(exc)


def run_gui(paths: ProfilePaths, *, argv: list[str] | None = None) -> int:
    """Open the profile, then build and run the Qt application until its window closes."""
    services = open_for_gui(paths)
    if services is None:
        return 1
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
