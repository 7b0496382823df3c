"""``eqvisit login`` and ``eqvisit sync``: sign a profile in to a central store and sync it."""

from __future__ import annotations

import argparse
import socket
import sys

from eqvisit.cli_server import read_password
from eqvisit.errors import WipeRequired
from eqvisit.paths import ProfilePaths


def run_login(args: argparse.Namespace, paths: ProfilePaths) -> int:
    from eqvisit.app_services import open_services
    from eqvisit.services.credentials import CredentialStore
    from eqvisit.services.sync import SyncService

    services = open_services(paths)
    try:
        sync = SyncService(services.context, CredentialStore(paths.config_dir))
        password = read_password()
        signed_in = sync.login(
            args.server, args.user, password, args.device_name or socket.gethostname()
        )
    finally:
        services.close()
    who, where = signed_in.connection.display_name, signed_in.token_kept_in
    print(f"Signed in to {args.server} as {who}; token kept in {where}.")
    return 0


def run_sync(args: argparse.Namespace, paths: ProfilePaths) -> int:
    from eqvisit.app_services import open_services

    services = open_services(paths)
    try:
        report = services.sync.sync_once(print if args.verbose_progress else None)
    except WipeRequired as revoked:
        print(f"eqvisit: {revoked}", file=sys.stderr, flush=True)  # said before it is done
        services.close()
        services.wipe.perform()
        print(
            f"eqvisit: erased this laptop's data of the profile in {paths.data_dir}.",
            file=sys.stderr,
        )
        return revoked.exit_code
    finally:
        services.close()
    print(
        f"pushed {report.pushed} (accepted {report.accepted}, rejected {report.rejected}); "
        f"pulled {report.pulled} (applied {report.applied})"
    )
    if report.uploads.done or report.downloads.done:
        print(f"  attachments: sent {report.uploads.done}, received {report.downloads.done}")
    for reason in report.rejections:
        print(f"  rejected {reason}")
    for scope in report.purged:
        print(f"  removed {scope}: no longer yours")
    for receipt in report.receipts:
        state = (
            "everything you wrote is on the server"
            if receipt.matches
            else f"{receipt.unsent} changes not yet on the server"
        )
        print(f"  {receipt.scope}: {state}")
    return 0


def add_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    login = commands.add_parser(
        "login", parents=[common], help="sign this profile in to a central store"
    )
    login.add_argument("--server", required=True, metavar="URL")
    login.add_argument("--user", required=True, metavar="NAME")
    login.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    login.add_argument("--device-name", help="how this laptop is listed (default: its host name)")
    login.set_defaults(handler=run_login)
    sync = commands.add_parser(
        "sync", parents=[common], help="one sync with the central store; non-zero exit on failure"
    )
    sync.add_argument(
        "--progress", dest="verbose_progress", action="store_true", help="print progress"
    )
    sync.set_defaults(handler=run_sync)
