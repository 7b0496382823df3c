"""``eqvisit server`` and ``eqvisit admin``: run and administer a central store."""

from __future__ import annotations

import argparse
import gc
import getpass
import sys

from eqvisit.domain.enums import PanelRole, ProviderKind, UserRole, VisitType
from eqvisit.paths import ProfilePaths

DEFAULT_PORT = 8765


def default_db(paths: ProfilePaths) -> str:
    return str(paths.central_file)


def read_password(prompt: str = "Password: ") -> str:
    """From stdin when piped (``--password-stdin``), else asked without echo."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def run_server(args: argparse.Namespace, paths: ProfilePaths) -> int:
    import uvicorn

    from eqvisit.sync.server.app import create_app
    from eqvisit.sync.server.database import open_central_store

    paths.ensure()
    engine = open_central_store(args.db or default_db(paths), backup_dir=paths.backup_dir)
    database = engine.url.render_as_string(hide_password=True)
    app = create_app(engine)
    # Everything loaded so far lives as long as the process: leave it out of the collector's
    # full passes, which otherwise walk it all (40-70 ms with every request stopped, measured;
    # the desktop app does the same, ui/worker.py settle_heap).
    gc.collect()
    gc.freeze()
    print(f"eqvisit central store on http://{args.host}:{args.port} (database {database})")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def run_admin(args: argparse.Namespace, paths: ProfilePaths) -> int:
    from sqlalchemy.orm import Session

    from eqvisit.cli_admin import ACTIONS
    from eqvisit.sync.server.clock import ServerClock
    from eqvisit.sync.server.database import open_central_store

    paths.ensure()
    engine = open_central_store(args.db or default_db(paths), backup_dir=paths.backup_dir)
    action = ACTIONS[args.admin_action]
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            message = action(args, session, ServerClock())
    finally:
        engine.dispose()
    print(message)
    return 0


def add_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    server = commands.add_parser("server", parents=[common], help="run a central store")
    server.add_argument(
        "--db",
        metavar="URL",
        help="SQLite path/URL or postgresql+psycopg://… (default: in the profile)",
    )
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=DEFAULT_PORT)
    server.set_defaults(handler=run_server)

    admin_parser = commands.add_parser("admin", parents=[common], help="administer a central store")
    admin_parser.add_argument(
        "--db", metavar="URL", help="the central store's database (default: in the profile)"
    )
    actions = admin_parser.add_subparsers(title="admin commands", metavar="ACTION", required=True)

    def action(name: str, helptext: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, parents=[common], help=helptext)
        parser.set_defaults(handler=run_admin, admin_action=name)  # a key of cli_admin.ACTIONS
        return parser

    roles = [r.value for r in UserRole]
    create_user = action("create-user", "add a user (password read from stdin)")
    create_user.add_argument("name")
    create_user.add_argument("--role", required=True, choices=roles)
    create_user.add_argument("--display-name")
    create_user.add_argument("--organisation")
    set_role = action("set-role", "change a user's role")
    set_role.add_argument("name")
    set_role.add_argument("role", choices=roles)
    list_devices = action("list-devices", "list a user's signed-in devices")
    list_devices.add_argument("user")
    revoke = action("revoke-device", "revoke a device's token")
    revoke.add_argument("device")
    visit = action("create-visit", "plan a visit; prints its id")
    visit.add_argument("--provider", required=True, metavar="ODS_CODE")
    visit.add_argument("--provider-name", help="name to record if the provider is new")
    visit.add_argument("--title", required=True)
    visit.add_argument("--type", required=True, choices=[t.value for t in VisitType])
    visit.add_argument("--date", help="YYYY-MM-DD")
    assign = action("assign", "put a user on a visit's panel")
    assign.add_argument("user")
    assign.add_argument("visit")
    assign.add_argument("--panel-role", required=True, choices=[r.value for r in PanelRole])
    unassign = action("unassign", "take a user off a visit's panel")
    unassign.add_argument("user")
    unassign.add_argument("visit")
    publish = action("publish-template", "validate and publish a template (YAML or XLSX)")
    publish.add_argument("file")
    ods = action(
        "import-ods",
        "load an NHS ODS extract (etr, ets, epraccur …) into reference data",
    )
    ods.add_argument("file", metavar="FILE")
    ods.add_argument(
        "--kind",
        choices=[k.value for k in ProviderKind],
        help="the kind of organisation in the file (default: detected from the file)",
    )
    ods.add_argument(
        "--close-missing",
        action="store_true",
        help="mark open organisations of this kind that the file does not list as closed",
    )
    intelligence = action(
        "import-intelligence",
        "load survey, regulator, concern or outcome data (CSV, docs/intelligence.md)",
    )
    intelligence.add_argument("file", metavar="FILE")
    intelligence.add_argument(
        "--source", required=True, choices=["nts", "nets", "cqc", "concerns", "outcomes"]
    )
