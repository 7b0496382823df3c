"""Resolve who a user is in a scope, and check a change against the permission table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from eqvisit.domain.enums import PanelRole, UserRole
from eqvisit.domain.scopes import scope_id, scope_kind
from eqvisit.sync.permissions import (
    FIELD_LIMITS,
    FIXED_FIELDS,
    OWNER_FIELDS,
    PARENTS,
    PROVIDER_RECORDS,
    REFERENCE_RECORDS,
    VISIT_RECORDS,
    Action,
    Grant,
    grant,
    panel_role_to_role,
)
from eqvisit.sync.server.models import Membership, ServerRecord


@dataclass(frozen=True)
class Actor:
    user_id: str
    role: UserRole
    device_id: str


class RecordState(Protocol):
    """A record's merged state: a :class:`ServerRecord`, or a push batch's copy of one."""

    @property
    def record_type(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def created_by(self) -> str | None: ...
    @property
    def state(self) -> dict[str, Any]: ...


RecordLookup = Callable[[str, str], RecordState | None]
"""The record of a type and id, or None: how a check finds a parent record."""


class Refused(Exception):
    """A change or request the actor may not make; ``reason`` says why, for the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def field_value(record: RecordState | None, name: str) -> Any:
    if record is None:
        return None
    entry = record.state.get(name)
    return entry["value"] if entry is not None else None


def expected_scope_kind(record_type: str) -> str:
    if record_type in VISIT_RECORDS:
        return "visit"
    if record_type in PROVIDER_RECORDS:
        return "provider"
    if record_type in REFERENCE_RECORDS:
        return "reference"
    raise Refused(f"'{record_type}' records are not synced")


def well_formed_scope(scope: str) -> bool:
    """Only ``reference``, ``provider:<id>`` and ``visit:<id>`` name a scope anyone holds."""
    return scope == "reference" or scope_id(scope) is not None


def role_in_scope(
    session: Session, actor_id: str, global_role: UserRole, scope: str
) -> UserRole | None:
    """The actor's role in a scope, or None when the scope is not theirs (or not a scope)."""
    if not well_formed_scope(scope):
        return None
    kind = scope_kind(scope)
    if kind == "reference":
        return global_role
    if kind == "provider":
        if global_role in (UserRole.ADMIN, UserRole.QUALITY_LEAD):
            return global_role
        # The role held on a visit of this provider decides, as it does in the visit (a panel
        # member by trade who is the lay representative there reads no intelligence).
        provider_id = scope_id(scope)
        found: UserRole | None = None
        for visit_scope in visit_scopes_of(session, actor_id):
            visit = session.get(ServerRecord, ("visits", scope_id(visit_scope)))
            if field_value(visit, "provider_id") != provider_id:
                continue
            role = role_in_scope(session, actor_id, global_role, visit_scope)
            if role is not None and any(
                grant(role, record_type, Action.READ) is not Grant.NONE
                for record_type in PROVIDER_RECORDS
            ):
                return role
            found = found or role
        return found
    if kind == "visit":
        membership = session.get(Membership, (actor_id, scope))
        return visit_role(
            actor_id,
            global_role,
            session.get(ServerRecord, ("visits", scope_id(scope))),
            (membership.panel_role, membership.active) if membership is not None else None,
        )
    return None


def visit_role(
    actor_id: str,
    global_role: UserRole,
    visit: RecordState | None,
    membership: tuple[str, bool] | None,
) -> UserRole | None:
    """The actor's role in a visit, from the visit's record and their place on its panel
    (``(panel role, still on it)``, None if never on it)."""
    if membership is not None:
        # On the panel, or taken off it: either way the panel decides, not who created it.
        panel_role, active = membership
        return panel_role_to_role(PanelRole(panel_role)) if active else None
    if global_role is UserRole.ADMIN:
        return UserRole.ADMIN
    if visit is not None and visit.created_by == actor_id and global_role is UserRole.QUALITY_LEAD:
        return UserRole.QUALITY_LEAD
    if visit is None and global_role is UserRole.QUALITY_LEAD:
        return UserRole.QUALITY_LEAD  # a lead planning a new visit
    return None


def visit_scopes_of(session: Session, actor_id: str) -> list[str]:
    """Every visit scope where the actor is on the panel (not removed), or created the visit."""
    scopes = set(
        session.scalars(
            select(Membership.scope).where(
                Membership.user_id == actor_id, Membership.active.is_(True)
            )
        )
    )
    scopes.update(
        session.scalars(
            select(ServerRecord.scope).where(
                ServerRecord.record_type == "visits", ServerRecord.created_by == actor_id
            )
        )
    )
    return sorted(scopes)


def membership_of(member: RecordState) -> tuple[str, str, bool] | None:
    """The membership-index row a merged ``panel_members`` record stands for: the user, their
    panel role and whether they are still on the panel (None until the record names a user)."""
    user_id = field_value(member, "user_id")
    if user_id is None:
        return None
    return (
        str(user_id),
        str(field_value(member, "panel_role")),
        (field_value(member, "deleted_at") is None),
    )


def owns(
    record: RecordState | None, fields: Mapping[str, Any], actor_id: str, record_type: str
) -> bool:
    owner_fields = OWNER_FIELDS.get(record_type)
    if owner_fields is None:
        return record is None or record.created_by == actor_id
    values = [
        fields[name] if record is None and name in fields else field_value(record, name)
        for name in owner_fields
    ]
    return actor_id in values


def check_change(
    actor: Actor,
    record_type: str,
    record_id: str,
    scope: str,
    fields: Mapping[str, Any],
    existing: RecordState | None,
    *,
    record_of: RecordLookup,
    role_of: Callable[[str], UserRole | None],
) -> None:
    """Raise :class:`Refused` unless the actor may write these fields of this record here.

    ``record_of`` finds a parent record and ``role_of`` the actor's role in a scope (a push batch
    holds both for the whole batch; see :mod:`eqvisit.sync.server.exchange`).
    """
    kind = expected_scope_kind(record_type)
    if scope_kind(scope) != kind:
        raise Refused(f"'{record_type}' records belong to a {kind} scope, not '{scope}'")
    if existing is not None and existing.scope != scope:
        raise Refused(f"this {record_type} record belongs to another scope")
    if record_type == "visits" and scope != f"visit:{record_id}":
        raise Refused("a visit's scope is its own id")
    parent = PARENTS.get(record_type)
    if parent is not None:
        parent_field, parent_type = parent
        if existing is None:
            parent_id = fields.get(parent_field)
            parent_record = record_of(parent_type, str(parent_id))
            if parent_record is None or parent_record.scope != scope:
                raise Refused(f"{parent_field} must name a {parent_type} record of {scope}")
        elif parent_field in fields and fields[parent_field] != field_value(existing, parent_field):
            raise Refused(f"{parent_field} cannot change once the record exists")
    if existing is not None:
        for name in FIXED_FIELDS.get(record_type, ()):
            if name in fields and fields[name] != field_value(existing, name):
                raise Refused(f"{name} cannot change once the record exists")
    role = role_of(scope)
    if role is None:
        raise Refused(f"you have no access to {scope}")
    action = Action.CREATE if existing is None else Action.UPDATE
    allowed = grant(role, record_type, action)
    if allowed is Grant.NONE:
        raise Refused(f"a {role.value.replace('_', ' ')} may not {action.value} {record_type}")
    if allowed is Grant.OWN and not owns(existing, fields, actor.user_id, record_type):
        raise Refused(f"you may only {action.value} your own {record_type}")
    if allowed is Grant.OWN:
        for name in OWNER_FIELDS.get(record_type, ()):
            if name not in fields:
                continue
            if existing is None:
                if fields[name] != actor.user_id and record_type != "conflicts":
                    raise Refused(f"{name} must be you")
            elif fields[name] != field_value(existing, name):
                # Owning a record is no licence to put it in someone else's name.
                raise Refused(f"you may not change the {name} of {record_type}")
    for name, allowed_values in FIELD_LIMITS.get((role, record_type), {}).items():
        if name in fields and fields[name] not in allowed_values:
            raise Refused(
                f"a {role.value.replace('_', ' ')} may not set {name} to {fields[name]!r}"
            )


def may_read(session: Session, actor: Actor, role: UserRole, record: ServerRecord) -> bool:
    allowed = grant(role, record.record_type, Action.READ)
    if allowed is Grant.ALL:
        return True
    if allowed is Grant.OWN:
        return owns(record, {}, actor.user_id, record.record_type)
    return False
