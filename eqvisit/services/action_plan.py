"""The provider's action plan: actions under each requirement and their dated status history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from eqvisit.domain.enums import ActionStatus
from eqvisit.domain.ids import utc_now
from eqvisit.domain.validation import check_text
from eqvisit.errors import NotFound
from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import ActionRow
from eqvisit.services.visits import visit_scope
from eqvisit.storage.models import ActionItem, ActionStatusChange
from eqvisit.storage.repositories import findings

MAX_TEXT = 20_000


class ActionPlanService:
    """Adds actions to requirements and records each change of their status (append-only)."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def add_action(
        self, finding_id: str, description: str, *, owner: str = "", due_on: date | None = None
    ) -> ActionRow:
        self._context.require_user()
        text = check_text(description, "action", max_length=MAX_TEXT, required=True)
        with self._context.action() as (uow, recorder):
            finding = findings.get(uow.session, finding_id)
            if finding is None:
                raise NotFound("finding", finding_id)
            action = recorder.create(
                ActionItem(),
                {
                    "finding_id": finding_id,
                    "description": text,
                    "owner": check_text(owner, "owner", max_length=200),
                    "due_on": due_on,
                    "status": ActionStatus.NOT_STARTED,
                    "closure_evidence": "",
                },
                visit_scope(finding.visit_id),
            )
            uow.session.flush()
            row = _row(action, [])
            uow.commit()
            return row

    def set_status(self, action_id: str, status: ActionStatus, note: str = "") -> ActionRow:
        author_id = self._context.require_user()
        with self._context.action() as (uow, recorder):
            action = findings.get_action(uow.session, action_id)
            if action is None:
                raise NotFound("action", action_id)
            finding = findings.get(uow.session, action.finding_id)
            if finding is None:
                raise NotFound("finding", action.finding_id)
            scope = visit_scope(finding.visit_id)
            recorder.write(action, {"status": ActionStatus(status)}, scope)
            recorder.create(
                ActionStatusChange(),
                {
                    "action_item_id": action_id,
                    "status": ActionStatus(status),
                    "note": check_text(note, "note", max_length=MAX_TEXT),
                    "changed_at": utc_now(),
                    "changed_by": author_id,
                },
                scope,
            )
            uow.session.flush()
            row = _row(action, findings.action_history(uow.session, action_id))
            uow.commit()
            return row


def _row(action: ActionItem, history: Sequence[ActionStatusChange]) -> ActionRow:
    return ActionRow(
        id=action.id,
        finding_id=action.finding_id,
        description=action.description,
        owner=action.owner,
        due_on=action.due_on,
        status=action.status,
        history=tuple((c.changed_at, c.status, c.note) for c in history),
    )
