"""The ``eqvisit`` command and its subcommands (DESIGN §7).

Each subcommand resolves the profile, sets up logging, opens what it needs and maps every
:class:`~eqvisit.errors.EqvisitError` to one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from eqvisit import __version__, cli_report, cli_server, cli_sync
from eqvisit.crash import install as install_crash_handler
from eqvisit.errors import EqvisitError
from eqvisit.logging_setup import configure_logging
from eqvisit.paths import ProfilePaths, resolve_profile

Handler = Callable[[argparse.Namespace, ProfilePaths], int]
STARTED = time.perf_counter()  # near enough the process's start: this module is imported first


def _gui(args: argparse.Namespace, paths: ProfilePaths) -> int:
    """Run the desktop app, then leave the process without Python's interpreter teardown.

    The Qt binding can crash while the interpreter shuts down and frees Qt objects in an
    arbitrary order. By the time the app returns, the worker has finished, the window is gone and
    the store is closed; logs and the fault file are flushed here, and ``os._exit`` ends the
    process with the app's own status, with nothing left for the teardown to trip over.
    """
    from eqvisit.__main__ import run_gui

    crash = install_crash_handler(paths.crash_dir, paths.fault_log_file)
    trace = _print_milestone if getattr(args, "trace_startup", False) else None
    try:
        code = run_gui(
            paths, smoke_test=bool(getattr(args, "smoke_test", False)), crash=crash, trace=trace
        )
    except EqvisitError as exc:
        print(f"eqvisit: {exc}", file=sys.stderr)
        code = exc.exit_code
    except Exception as exc:
        where = crash.report(exc, where="start-up")
        print(f"eqvisit: unexpected {type(exc).__name__}; crash report at {where}", file=sys.stderr)
        code = 70
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:  # a windowed bundle on Windows has neither
            stream.flush()
    logging.shutdown()
    crash.close()
    os._exit(code)


def _print_milestone(milestone: str) -> None:
    """``--trace-startup``: the milestone and the seconds since the process started."""
    print(f"startup {milestone} {time.perf_counter() - STARTED:.3f}", flush=True)


def _demo(args: argparse.Namespace, paths: ProfilePaths) -> int:
    from eqvisit.app_services import open_services, store_keys
    from eqvisit.resources import resource_path
    from eqvisit.services.store_keys import DEMO_PASSPHRASE, Unlock
    from eqvisit.sync.server.demo import DEMO_PASSWORD

    services = open_services(paths, Unlock.from_environment(demo=True))
    try:
        if services.demo.is_populated():
            if args.if_absent:
                print(f"Demo profile already present at {paths.data_dir}")
                return 0
            print(
                f"{paths.store_file} already holds data; choose another --profile", file=sys.stderr
            )
            return 2
        etr, central = resource_path("data", "ods", "etr.csv"), Path(cli_server.default_db(paths))
        if args.scale == "national":
            started = time.perf_counter()

            def progress(message: str) -> None:
                print(f"{time.perf_counter() - started:7.1f} s  {message}", file=sys.stderr)

            summary = services.demo.build_national(etr, central, seed=args.seed, progress=progress)
            progress("signed in as the lead and synced")
        else:
            summary = services.demo.build(etr, central, seed=args.seed)
    finally:
        services.close()
    what = "trusts" if args.scale == "demo" else "providers (trusts, sites, GP practices)"
    print(
        f"Demo central store at {summary.central}: {summary.providers} {what}, "
        f"{summary.intelligence_items} synthetic survey results, {summary.users} users "
        f"(password '{DEMO_PASSWORD}'), the lead's visit {summary.visit_id}.\n"
        f"Profile {paths.data_dir} signed in as the lead and synced: "
        f"{summary.sync.pulled} changes received."
    )
    described = store_keys(paths).describe()
    if described is not None and described.demo_passphrase:
        print(
            f"No OS keychain here: the demo store is encrypted with the published demo passphrase "
            f"'{DEMO_PASSPHRASE}' (synthetic data only; never put real data in this profile)."
        )
    return 0


def _template_validate(args: argparse.Namespace, paths: ProfilePaths) -> int:
    from eqvisit.templates.commands import validate_command

    return validate_command([Path(p) for p in args.files], sys.stdout, sys.stderr)


def _template_import(args: argparse.Namespace, paths: ProfilePaths) -> int:
    from eqvisit.templates.commands import import_xlsx_command

    out = Path(args.out) if args.out else None
    return import_xlsx_command(Path(args.file), out, sys.stdout, sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    # Subcommands repeat the common options with SUPPRESS defaults, so `eqvisit --profile X demo`
    # and `eqvisit demo --profile X` both work and a subcommand never resets what came before.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--profile",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="keep this profile's data, settings and logs under DIR (also: EQVISIT_HOME)",
    )
    common.add_argument(
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log debug detail, also to stderr",
    )

    parser = argparse.ArgumentParser(
        prog="eqvisit",
        description="Offline-first desktop app for NHS education quality visits.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"eqvisit {__version__}")
    parser.set_defaults(handler=_gui)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    gui = commands.add_parser("gui", parents=[common], help="open the desktop app (the default)")
    gui.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the main window, wait until it has settled, exit 0 (for CI and bundles)",
    )
    gui.add_argument(
        "--trace-startup",
        action="store_true",
        help="print each start-up milestone (window, opened, ready) with its time to stdout",
    )
    gui.set_defaults(handler=_gui)

    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="create a profile with demo data (real trusts, synthetic figures)",
    )
    demo.add_argument("--if-absent", action="store_true", help="do nothing if the profile has data")
    demo.add_argument("--seed", type=int, default=2026, help="seed of the synthetic figures")
    demo.add_argument(
        "--scale",
        choices=["demo", "national"],
        default="demo",
        help="national: all trusts with sites, ~14,000 GP practices, 1,000,000+ survey rows",
    )
    demo.set_defaults(handler=_demo)

    cli_server.add_parsers(commands, common)
    cli_sync.add_parsers(commands, common)
    cli_report.add_parsers(commands, common)

    template = commands.add_parser(
        "template", parents=[common], help="validate and import templates"
    )
    template_commands = template.add_subparsers(
        title="template commands", metavar="ACTION", required=True
    )
    validate = template_commands.add_parser(
        "validate", parents=[common], help="check template files (YAML or XLSX)"
    )
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(handler=_template_validate)
    import_xlsx = template_commands.add_parser(
        "import-xlsx", parents=[common], help="convert an Excel template to YAML"
    )
    import_xlsx.add_argument("file", metavar="FILE")
    import_xlsx.add_argument("--out", metavar="FILE.yaml", help="write here instead of stdout")
    import_xlsx.set_defaults(handler=_template_import)
    return parser


def _finish_a_due_wipe(paths: ProfilePaths) -> None:
    """A wipe asked for before a crash (a revoked device) is carried out before anything opens.

    Its marker is looked for first: the services are imported only when there is one.
    """
    if not paths.wipe_marker_file.is_file():
        return
    from eqvisit.app_services import wipe_if_due

    reason = wipe_if_due(paths)
    if reason is not None:
        print(f"eqvisit: erased this laptop's data of the profile ({reason}).", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    paths = resolve_profile(getattr(args, "profile", None))
    verbose = bool(getattr(args, "verbose", False))
    configure_logging(paths.log_file, verbose=verbose, to_stderr=verbose)
    handler: Handler = args.handler
    try:
        _finish_a_due_wipe(paths)
        return handler(args, paths)
    except EqvisitError as exc:
        print(f"eqvisit: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
