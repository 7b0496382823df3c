"""The actions of ``eqvisit admin``, each run in one transaction on the central store.

Kept apart from the parser (``cli_server``) so that building the command line, which every
``eqvisit`` command does, never imports SQLAlchemy or the server: the desktop app starts faster.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from eqvisit.cli_server import read_password
from eqvisit.domain.enums import PanelRole, ProviderKind, UserRole, VisitType
from eqvisit.errors import InvalidValue
from eqvisit.sync.server import admin
from eqvisit.sync.server.clock import ServerClock

Action = Callable[[argparse.Namespace, Session, ServerClock], str]


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


ACTIONS: dict[str, Action] = {
    "create-user": _create_user,
    "set-role": _set_role,
    "list-devices": _list_devices,
    "revoke-device": _revoke_device,
    "create-visit": _create_visit,
    "assign": _assign,
    "unassign": _unassign,
    "publish-template": _publish_template,
    "import-ods": _import_ods,
    "import-intelligence": _import_intelligence,
}
