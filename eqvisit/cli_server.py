"""``eqvisit server`` and ``eqvisit admin``: run and administer a central store."""

from __future__ import annotations

import argparse
import gc
import getpass
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from eqvisit.domain.enums import PanelRole, ProviderKind, UserRole, VisitType
from eqvisit.errors import InvalidValue
from eqvisit.paths import ProfilePaths
from eqvisit.sync.server import admin
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.database import open_central_store

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
    paths.ensure()
    engine = open_central_store(args.db or default_db(paths), backup_dir=paths.backup_dir)
    action: Callable[[argparse.Namespace, Session, ServerClock], str] = args.admin_action
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            message = action(args, session, ServerClock())
    finally:
        engine.dispose()
    print(message)
    return 0


def _create_user(args: argparse.Namespace, session: Session, clock: ServerClock) -> str:
    password = read_password()
    user = admin.create_user(
        session,
        clock,
        args.name,
        UserRole(args.role),
        password,
        display_name=args.display_name,
        organisation=args.organisation,
    )
    return f"created user {user.username} ({user.role}), id {user.id}"


def _set_role(args: argparse.Namespace, session: Session, clock: ServerClock) -> str:
    admin.set_role(session, clock, args.name, UserRole(args.role))
    return f"{args.name} is now {args.role}"


def _list_devices(args: argparse.Namespace, session: Session, clock: ServerClock) -> str:
    rows = admin.list_devices(session, args.user)
    if not rows:
        return f"{args.user} has no devices"
    return "\n".join(
        f"{d.id}  {d.name}  signed in {d.created_at}  last seen {d.last_seen_at or 'never'}"
        f"{'  REVOKED' if d.revoked else ''}"
        for d in rows
    )


def _revoke_device(args: argparse.Namespace, session: Session, clock: ServerClock) -> str:
    admin.revoke_device(session, args.device)
    return f"revoked device {args.device}"


def _create_visit(args: argparse.Namespace, session: Session, clock: ServerClock) -> str:
    try:
        day = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise InvalidValue("--date", f"'{args.date}' is not a date in YYYY-MM-DD form") from None
    provider_id = admin.ensure_provider(
        session, clock, args.provider, args.provider_name or args.provider
    )
    return admin.create_visit(
        session, clock, provider_id, args.title, VisitType(args.type), starts_on=day
    )


def _assign(args: argparse.Namespace, session: Session, clock: ServerClock) -> str:
    admin.assign(session, clock, args.user, args.visit, PanelRole(args.panel_role))
    return f"{args.user} is on visit {args.visit} as {args.panel_role}"


def _unassign(args: argparse.Namespace, session: Session, clock: ServerClock) -> str:
    admin.unassign(session, clock, args.user, args.visit)
    return f"{args.user} is no longer on visit {args.visit}"


def _publish_template(args: argparse.Namespace, session: Session, clock: ServerClock) -> str:
    from eqvisit.templates.loader import load_template_file

    return admin.publish_template(session, clock, load_template_file(Path(args.file)))


def _import_ods(args: argparse.Namespace, session: Session, clock: ServerClock) -> str:
    from eqvisit.sync.server.importing.ods import import_ods

    kind = ProviderKind(args.kind) if args.kind else None
    report = import_ods(session, clock, Path(args.file), kind, close_missing=args.close_missing)
    return report.render()


def _import_intelligence(args: argparse.Namespace, session: Session, clock: ServerClock) -> str:
    from eqvisit.sync.server.importing.intelligence import import_intelligence

    def progress(rows: int) -> None:
        print(f"  {rows:,} rows read", file=sys.stderr, flush=True)

    report = import_intelligence(session, clock, Path(args.file), args.source, progress=progress)
    return report.render()


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

    def action(
        name: str, helptext: str, handler: Callable[[argparse.Namespace, Session, ServerClock], str]
    ) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, parents=[common], help=helptext)
        parser.set_defaults(handler=run_admin, admin_action=handler)
        return parser

    roles = [r.value for r in UserRole]
    create_user = action("create-user", "add a user (password read from stdin)", _create_user)
    create_user.add_argument("name")
    create_user.add_argument("--role", required=True, choices=roles)
    create_user.add_argument("--display-name")
    create_user.add_argument("--organisation")
    set_role = action("set-role", "change a user's role", _set_role)
    set_role.add_argument("name")
    set_role.add_argument("role", choices=roles)
    list_devices = action("list-devices", "list a user's signed-in devices", _list_devices)
    list_devices.add_argument("user")
    revoke = action("revoke-device", "revoke a device's token", _revoke_device)
    revoke.add_argument("device")
    visit = action("create-visit", "plan a visit; prints its id", _create_visit)
    visit.add_argument("--provider", required=True, metavar="ODS_CODE")
    visit.add_argument("--provider-name", help="name to record if the provider is new")
    visit.add_argument("--title", required=True)
    visit.add_argument("--type", required=True, choices=[t.value for t in VisitType])
    visit.add_argument("--date", help="YYYY-MM-DD")
    assign = action("assign", "put a user on a visit's panel", _assign)
    assign.add_argument("user")
    assign.add_argument("visit")
    assign.add_argument("--panel-role", required=True, choices=[r.value for r in PanelRole])
    unassign = action("unassign", "take a user off a visit's panel", _unassign)
    unassign.add_argument("user")
    unassign.add_argument("visit")
    publish = action(
        "publish-template", "validate and publish a template (YAML or XLSX)", _publish_template
    )
    publish.add_argument("file")
    ods = action(
        "import-ods",
        "load an NHS ODS extract (etr, ets, epraccur …) into reference data",
        _import_ods,
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
        _import_intelligence,
    )
    intelligence.add_argument("file", metavar="FILE")
    intelligence.add_argument(
        "--source", required=True, choices=["nts", "nets", "cqc", "concerns", "outcomes"]
    )
