"""Administration of the central store: users, devices, visits and panels (``eqvisit admin``).

Everything written here that laptops need (users, visits, panel membership) goes through
:func:`~eqvisit.sync.server.exchange.server_write`, so it is in the change log and syncs down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from eqvisit.domain.enums import PanelRole, UserRole, VisitStatus, VisitType
from eqvisit.domain.ids import natural_id, new_id
from eqvisit.errors import InvalidValue, NotFound
from eqvisit.sync.server import auth
from eqvisit.sync.server.access import field_value
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.exchange import server_write
from eqvisit.sync.server.models import Device, ServerRecord, ServerUser
from eqvisit.templates.body import template_to_body
from eqvisit.templates.schema import Template


@dataclass(frozen=True)
class DeviceRow:
    id: str
    name: str
    created_at: str
    last_seen_at: str | None
    revoked: bool


def _user(session: Session, username: str) -> ServerUser:
    user = session.scalar(select(ServerUser).where(ServerUser.username == username))
    if user is None:
        raise NotFound("user", username)
    return user


def _publish_user(session: Session, user: ServerUser, clock: ServerClock) -> None:
    server_write(
        session,
        "users",
        user.id,
        "reference",
        {
            "username": user.username,
            "display_name": user.display_name,
            "organisation": user.organisation,
            "role": user.role,
            "active": user.active,
        },
        clock,
    )


def create_user(
    session: Session,
    clock: ServerClock,
    username: str,
    role: UserRole,
    password: str,
    *,
    display_name: str | None = None,
    organisation: str | None = None,
) -> ServerUser:
    user = auth.create_user(
        session, username, display_name or username, role, password, organisation
    )
    session.flush()
    _publish_user(session, user, clock)
    return user


def set_role(session: Session, clock: ServerClock, username: str, role: UserRole) -> None:
    user = _user(session, username)
    user.role = role.value
    _publish_user(session, user, clock)


def list_devices(session: Session, username: str) -> list[DeviceRow]:
    user = _user(session, username)
    return [
        DeviceRow(
            id=d.id,
            name=d.name,
            created_at=d.created_at.isoformat(),
            last_seen_at=d.last_seen_at.isoformat() if d.last_seen_at else None,
            revoked=d.revoked_at is not None,
        )
        for d in auth.devices_of(session, user.id)
    ]


def revoke_device(session: Session, device_id: str) -> None:
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound("device", device_id)
    auth.revoke(session, device)


def ensure_provider(
    session: Session, clock: ServerClock, ods_code: str, name: str, kind: str = "trust"
) -> str:
    """The id of the provider with this ODS code, recording it in reference data if new."""
    for record in session.scalars(
        select(ServerRecord).where(ServerRecord.record_type == "providers")
    ):
        if field_value(record, "ods_code") == ods_code.upper():
            return record.record_id
    provider_id = new_id()
    server_write(
        session,
        "providers",
        provider_id,
        "reference",
        {
            "ods_code": ods_code.upper(),
            "name": name,
            "kind": kind,
            "status": "active",
            "address_lines": [],
        },
        clock,
    )
    return provider_id


def create_visit(
    session: Session,
    clock: ServerClock,
    provider_id: str,
    title: str,
    visit_type: VisitType,
    *,
    starts_on: date | None = None,
    reason: str = "",
) -> str:
    if session.get(ServerRecord, ("providers", provider_id)) is None:
        raise NotFound("provider", provider_id)
    if not title.strip():
        raise InvalidValue("title", "is required")
    visit_id = new_id()
    server_write(
        session,
        "visits",
        visit_id,
        f"visit:{visit_id}",
        {
            "provider_id": provider_id,
            "visit_type": visit_type.value,
            "status": VisitStatus.PLANNED.value,
            "title": title.strip(),
            "programme_group": None,
            "starts_on": starts_on.isoformat() if starts_on else None,
            "ends_on": starts_on.isoformat() if starts_on else None,
            "reason": reason,
            "executive_summary": "",
        },
        clock,
    )
    return visit_id


def _panel_record(session: Session, visit_id: str, user_id: str) -> ServerRecord | None:
    for record in session.scalars(
        select(ServerRecord).where(
            ServerRecord.record_type == "panel_members", ServerRecord.scope == f"visit:{visit_id}"
        )
    ):
        if field_value(record, "user_id") == user_id:
            return record
    return None


def assign(
    session: Session, clock: ServerClock, username: str, visit_id: str, panel_role: PanelRole
) -> str:
    user = _user(session, username)
    if session.get(ServerRecord, ("visits", visit_id)) is None:
        raise NotFound("visit", visit_id)
    existing = _panel_record(session, visit_id, user.id)
    member_id = (
        existing.record_id
        if existing is not None
        else natural_id("panel_members", visit_id, user.id)
    )
    fields: dict[str, object] = {"panel_role": panel_role.value, "deleted_at": None}
    if existing is None:
        fields.update({"visit_id": visit_id, "user_id": user.id})
    server_write(session, "panel_members", member_id, f"visit:{visit_id}", fields, clock)
    return member_id


def unassign(session: Session, clock: ServerClock, username: str, visit_id: str) -> None:
    user = _user(session, username)
    existing = _panel_record(session, visit_id, user.id)
    if existing is None or field_value(existing, "deleted_at") is not None:
        raise NotFound("panel member", f"{username} on visit {visit_id}")
    server_write(
        session,
        "panel_members",
        existing.record_id,
        existing.scope,
        {"deleted_at": datetime.now(UTC).isoformat()},
        clock,
    )


def users(session: Session) -> Sequence[ServerUser]:
    return session.scalars(select(ServerUser).order_by(ServerUser.username)).all()


def publish_template(session: Session, clock: ServerClock, template: Template) -> str:
    """Publish a validated template version as reference data; versions are immutable."""
    record_id = f"{template.id}@{template.version}"
    body = template_to_body(template)
    existing = session.get(ServerRecord, ("templates", record_id))
    if existing is not None:
        if field_value(existing, "body") != body:
            raise InvalidValue(
                "template",
                f"version {template.version} of '{template.id}' is already published with "
                f"different questions; publish it as version {template.version + 1}",
            )
        return f"{record_id} is already published"
    server_write(
        session,
        "templates",
        record_id,
        "reference",
        {
            "template_id": template.id,
            "version": template.version,
            "title": template.title,
            "audience": template.audience.value,
            "framework_version": template.framework,
            "body": body,
            "published_at": datetime.now(UTC).isoformat(),
        },
        clock,
    )
    return f"published {record_id}"
