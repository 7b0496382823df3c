"""The signed-in user's role in a visit and what it allows, read from the server's own table
(``sync/permissions.py``), so the desktop never offers what the central store would refuse."""

from __future__ import annotations

from eqvisit.domain.enums import UserRole
from eqvisit.services.findings_dto import VisitRights
from eqvisit.storage.repositories import users, visits
from eqvisit.storage.unit_of_work import UnitOfWork
from eqvisit.sync.permissions import FIELD_LIMITS, Action, Grant, grant, panel_role_to_role


def role_in_visit(uow: UnitOfWork, user_id: str | None, visit_id: str) -> UserRole | None:
    """The user's panel role in the visit as a permission role; admins and quality leads not on
    the panel keep their own role (the server grants a lead the visits they created)."""
    if user_id is None:
        return None
    seat = visits.panel_member(uow.session, visit_id, user_id)
    if seat is not None and seat.deleted_at is None:
        return panel_role_to_role(seat.panel_role)
    user = users.get(uow.session, user_id)
    if user is not None and user.role in (UserRole.ADMIN, UserRole.QUALITY_LEAD):
        return user.role
    return None


def rights_for(role: UserRole | None) -> VisitRights:
    if role is None:
        return VisitRights(None, False, False, False, False)
    limits = FIELD_LIMITS.get((role, "findings"), {})
    may_edit_all = grant(role, "findings", Action.UPDATE) is Grant.ALL
    return VisitRights(
        role=role.value,
        may_propose=grant(role, "findings", Action.CREATE) is not Grant.NONE,
        may_edit_all=may_edit_all,
        may_issue_reference=may_edit_all and "reference" not in limits,
        may_manage_actions=grant(role, "action_items", Action.CREATE) is Grant.ALL,
    )
