"""Reviewing what sync could not settle alone: conflicts (two values of one field, both kept)
and changes the central store refused (kept with its reason).

Resolving a conflict is two ordinary synced changes in one unit of work: the chosen (or merged)
value written to the field on top of its current stamp — so it saw the winner and cannot start a
new conflict — and the conflict record marked ``resolved_by_change`` with that change's id.
Nothing is deleted: both values stay in the conflict record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eqvisit.domain.hlc import Stamp
from eqvisit.errors import DomainError, InvalidValue, NotFound
from eqvisit.services.context import ServiceContext
from eqvisit.services.visit_rights import role_in_visit
from eqvisit.storage import wire_values
from eqvisit.storage.base import Base, SyncedRecord
from eqvisit.storage.changes import wire_value
from eqvisit.storage.models import Conflict, OutboxChange, OutboxState
from eqvisit.storage.repositories import outbox, users
from eqvisit.storage.unit_of_work import UnitOfWork
from eqvisit.sync.permissions import OWNER_FIELDS, Action, Grant, grant

VISIT_PREFIX = "visit:"
RECORD_NAMES = {
    "visits": "Visit",
    "findings": "Finding",
    "action_items": "Action",
    "sessions": "Session",
    "responses": "Response",
    "observations": "Observation",
    "evidence_links": "Evidence link",
}


@dataclass(frozen=True)
class ConflictRow:
    """A field two people changed without seeing each other's edit; both values, who and when.

    ``winning_value`` is the value the merge kept (what everyone holds now unless edited
    since), ``losing_value`` the one it set aside. ``mine`` says which side is the signed-in
    user's ("winning", "losing" or "" when neither)."""

    id: str
    record_type: str
    record_id: str
    field: str
    what: str
    winning_value: Any
    winning_author: str
    winning_at: datetime
    losing_value: Any
    losing_author: str
    losing_at: datetime
    mine: str
    may_resolve: bool
    mergeable: bool
    current_value: Any = None
    changed_since: bool = False  # someone wrote the field again after the conflict


@dataclass(frozen=True)
class RejectedChangeRow:
    """A change the central store refused, kept on this laptop with the reason."""

    change_id: str
    record_type: str
    record_id: str
    what: str
    fields: dict[str, Any]
    reason: str
    made_at: datetime

    @property
    def text(self) -> str:
        """The change as text a person can paste into an e-mail or a ticket."""
        return (
            f"{self.what} ({self.record_type} {self.record_id}), made {self.made_at:%Y-%m-%d %H:%M}"
            f" UTC\nRefused: {self.reason}\n{json.dumps(self.fields, indent=2, ensure_ascii=False)}"
        )


class ConflictService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    # -- conflicts ---------------------------------------------------------------------------

    def open_conflicts(self) -> list[ConflictRow]:
        me = self._context.identity.user_id
        with self._context.store.unit_of_work() as uow:
            names: dict[str | None, str] = {}
            rows = []
            for conflict in outbox.open_conflicts(uow.session):
                current = _current_value(uow, conflict)
                rows.append(
                    ConflictRow(
                        id=conflict.id,
                        record_type=conflict.record_type,
                        record_id=conflict.record_id,
                        field=conflict.field,
                        what=_describe(uow, conflict.record_type, conflict.record_id),
                        winning_value=conflict.winning_value,
                        winning_author=_name(uow, names, conflict.winning_author_id),
                        winning_at=Stamp.parse(conflict.winning_hlc).as_datetime(),
                        losing_value=conflict.losing_value,
                        losing_author=_name(uow, names, conflict.losing_author_id),
                        losing_at=Stamp.parse(conflict.losing_hlc).as_datetime(),
                        mine=_mine(conflict, me),
                        may_resolve=self._may_resolve(uow, conflict) is None,
                        mergeable=isinstance(conflict.winning_value, str)
                        and isinstance(conflict.losing_value, str),
                        current_value=current,
                        changed_since=current != conflict.winning_value,
                    )
                )
            return rows

    def resolve(self, conflict_id: str, value: Any) -> str:
        """Settle the conflict on ``value`` (either side's, or a merge); returns the change id."""
        with self._context.action() as (uow, recorder):
            conflict = uow.session.get(Conflict, conflict_id)
            if conflict is None:
                raise NotFound("conflict", conflict_id)
            if conflict.resolved_by_change is not None:
                raise DomainError("This conflict has already been resolved.")
            refusal = self._may_resolve(uow, conflict)
            if refusal is not None:
                raise DomainError(refusal)
            model, record = _record(uow, conflict.record_type, conflict.record_id)
            if isinstance(value, str) and isinstance(conflict.winning_value, str):
                value = value.strip()
                if not value:
                    raise InvalidValue(conflict.field, "the merged text is empty")
            settled = recorder.write(
                record,
                {conflict.field: wire_values.from_wire(model, conflict.field, value)},
                conflict.scope,
            )
            recorder.write(conflict, {"resolved_by_change": settled.change_id}, conflict.scope)
            uow.commit()
            return settled.change_id

    def _may_resolve(self, uow: UnitOfWork, conflict: Conflict) -> str | None:
        """None if the signed-in user may resolve the conflict, else why not (in words)."""
        me = self._context.identity.user_id
        if me is None or not conflict.scope.startswith(VISIT_PREFIX):
            return "Sign in as a member of this visit's panel to resolve its conflicts."
        role = role_in_visit(uow, me, conflict.scope.removeprefix(VISIT_PREFIX))
        if role is None:
            return "You are not on this visit's panel."
        resolve = grant(role, "conflicts", Action.UPDATE)
        if resolve is Grant.NONE or (resolve is Grant.OWN and not _mine(conflict, me)):
            return "Only the visit's lead or the two authors may resolve this conflict."
        edit = grant(role, conflict.record_type, Action.UPDATE)
        if edit is Grant.ALL:
            return None
        if edit is Grant.OWN:
            model = wire_values.model_for(conflict.record_type)
            record = uow.session.get(model, conflict.record_id) if model is not None else None
            owners = OWNER_FIELDS.get(conflict.record_type, ())
            if record is not None and any(getattr(record, f, None) == me for f in owners):
                return None
        return f"Only the visit's lead may change this {conflict.record_type.replace('_', ' ')}."

    # -- refused changes ---------------------------------------------------------------------

    def rejected_changes(self) -> list[RejectedChangeRow]:
        with self._context.store.unit_of_work() as uow:
            return [_rejected_row(uow, c) for c in outbox.rejected(uow.session)]

    def retry(self, change_id: str, fields: Mapping[str, Any]) -> str:
        """Write ``fields`` (the refused change, edited) again as a new change, which replaces
        the refused one in the outbox; returns the new change's id."""
        if not fields:
            raise InvalidValue("fields", "a change must write at least one field")
        with self._context.action() as (uow, recorder):
            refused = _require_rejected(uow, change_id)
            model, record = _record(uow, refused.record_type, refused.record_id)
            unknown = [name for name in fields if name not in model.__table__.columns]
            if unknown:
                raise InvalidValue(", ".join(unknown), f"not a field of {refused.record_type}")
            values = {name: wire_values.from_wire(model, name, v) for name, v in fields.items()}
            change = recorder.write(record, values, refused.scope)
            uow.session.delete(refused)
            uow.commit()
            return change.change_id

    def discard(self, change_id: str) -> None:
        """Forget a refused change for good (the UI asks first): it leaves the outbox."""
        with self._context.store.unit_of_work() as uow:
            uow.session.delete(_require_rejected(uow, change_id))
            uow.commit()


def _require_rejected(uow: UnitOfWork, change_id: str) -> OutboxChange:
    change = outbox.by_change_id(uow.session, change_id)
    if change is None or change.state is not OutboxState.REJECTED:
        raise NotFound("refused change", change_id)
    return change


def _record(uow: UnitOfWork, record_type: str, record_id: str) -> tuple[type[Base], SyncedRecord]:
    model = wire_values.model_for(record_type)
    record: object = uow.session.get(model, record_id) if model is not None else None
    if model is None or not isinstance(record, SyncedRecord):
        raise NotFound(record_type, record_id)
    return model, record


def _current_value(uow: UnitOfWork, conflict: Conflict) -> Any:
    """The field's value on this laptop now, in its wire form (comparable with the conflict's)."""
    model = wire_values.model_for(conflict.record_type)
    record = uow.session.get(model, conflict.record_id) if model is not None else None
    return wire_value(getattr(record, conflict.field, None)) if record is not None else None


def _mine(conflict: Conflict, me: str | None) -> str:
    if me is None:
        return ""
    if conflict.losing_author_id == me:
        return "losing"
    if conflict.winning_author_id == me:
        return "winning"
    return ""


def _name(uow: UnitOfWork, cache: dict[str | None, str], user_id: str | None) -> str:
    if user_id not in cache:
        user = users.get(uow.session, user_id) if user_id else None
        cache[user_id] = user.display_name if user is not None else "someone unknown"
    return cache[user_id]


def _describe(uow: UnitOfWork, record_type: str, record_id: str) -> str:
    name = RECORD_NAMES.get(record_type, record_type.replace("_", " ").capitalize())
    model = wire_values.model_for(record_type)
    record = uow.session.get(model, record_id) if model is not None else None
    for attribute in ("reference", "title", "description", "text"):
        value = getattr(record, attribute, None)
        if isinstance(value, str) and value:
            shown = value if len(value) <= 60 else value[:57] + "…"
            return f"{name} {shown}" if attribute == "reference" else f"{name} “{shown}”"
    return name


def _rejected_row(uow: UnitOfWork, change: OutboxChange) -> RejectedChangeRow:
    return RejectedChangeRow(
        change_id=change.change_id,
        record_type=change.record_type,
        record_id=change.record_id,
        what=_describe(uow, change.record_type, change.record_id),
        fields=dict(change.fields),
        reason=change.reject_reason or "no reason given",
        made_at=change.created_at,
    )
