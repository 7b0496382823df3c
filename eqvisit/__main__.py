"""Composition root: arguments → paths → logging → store → services → UI (Qt imported last).

The exceptions: a profile whose store key comes from a passphrase asks for it in a small dialog
before the store opens, and a store that cannot be opened (an unsafe folder, damage after a
crash) is explained in a dialog; Qt is imported then, before the store.
"""

from __future__ import annotations

import functools
import logging
import sys
from dataclasses import replace
from pathlib import Path

from eqvisit.app_services import Services, open_services, store_keys
from eqvisit.crash import CrashHandler
from eqvisit.errors import StoreDamaged, UnsafeLocation
from eqvisit.paths import ProfilePaths
from eqvisit.services.store_keys import Unlock
from eqvisit.settings import load_settings
from eqvisit.storage.backup import restore_backup
from eqvisit.storage.cipher import WrongStoreKey

log = logging.getLogger("eqvisit")


def run_gui(
    paths: ProfilePaths,
    *,
    argv: list[str] | None = None,
    smoke_test: bool = False,
    crash: CrashHandler | None = None,
) -> int:
    """Open the profile, then build and run the Qt application until its window closes."""
    qt_argv = argv if argv is not None else sys.argv
    loaded = load_settings(paths.settings_file)
    notices: list[str] = []
    if loaded.problem is not None:
        kept = f" A copy of it is kept as {loaded.bad_copy}." if loaded.bad_copy else ""
        notices.append(
            f"Your settings could not be used ({loaded.problem}); eqvisit uses the "
            f"defaults until you save settings again.{kept}"
        )
    services = open_services(paths) if smoke_test else open_for_gui(paths, qt_argv)
    if services is None:
        return 3
    from eqvisit.ui.app import AppOptions, run_app  # Qt is imported only now

    try:
        if services.startup.message is not None:
            notices.append(services.startup.message)
        for notice in notices:
            log.warning("start-up notice: %s", notice)
        options = AppOptions(
            settings=loaded.settings,
            demo_central_file=paths.central_file,
            first_run=not services.demo.is_populated(),
            notices=tuple(notices),
            smoke_test=smoke_test,
            crash=crash,
        )
        return run_app(services, paths, qt_argv, options)
    finally:
        services.close()
        if services.wipe.requested() is not None:  # the window told the user before it closed
            services.wipe.perform()


def open_for_gui(paths: ProfilePaths, argv: list[str]) -> Services | None:
    """Open the profile, asking for its passphrase if it needs one; ``None`` if the user cancels
    or the store cannot be used (said in a dialog).

    (A smoke test opens the services directly: a refusal there is one line on stderr, never a
    dialog waiting for a click that will not come.)
    """
    unlock = Unlock.from_environment()
    keys = store_keys(paths)
    new_profile = keys.describe() is None
    asks = unlock.passphrase() is None and (
        keys.needs_passphrase() or (new_profile and not unlock.use_keychain)
    )
    if not asks:
        return _open_or_explain(paths, argv, unlock)
    from eqvisit.ui.passphrase_dialog import PassphraseDialog

    error = ""
    while True:
        typed = PassphraseDialog.ask(choose=new_profile, error=error)
        if typed is None:
            return None
        try:
            given = replace(unlock, passphrase=functools.partial(str, typed))
            return _open_or_explain(paths, argv, given)
        except WrongStoreKey as exc:
            error = str(exc)


def _open_or_explain(paths: ProfilePaths, argv: list[str], unlock: Unlock) -> Services | None:
    """Open the profile's services; on a refusal, say why in a dialog (restoring if chosen)."""
    try:
        return open_services(paths, unlock)
    except UnsafeLocation as refused:
        from eqvisit.ui.startup_problems import refuse

        log.error("%s", refused)
        refuse(argv, "eqvisit cannot use this folder", str(refused))
        return None
    except StoreDamaged as damaged:
        from eqvisit.ui.startup_problems import offer_restore, refuse

        log.error("%s", damaged)
        backup = damaged.backup if isinstance(damaged.backup, Path) else None
        if backup is None:
            refuse(argv, "The local store is damaged", str(damaged))
            return None
        if not offer_restore(argv, str(damaged), backup):
            return None
        key = store_keys(paths).unlock(unlock)
        aside = restore_backup(backup, paths.store_file, key=key)
        log.warning("restored %s; the damaged store was moved to %s", backup, aside)
        return open_services(paths, unlock)


def main() -> int:
    from eqvisit.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
