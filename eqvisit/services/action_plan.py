"""The provider's action plan: actions under each requirement and their dated status history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from eqvisit.domain.enums import ActionStatus, FindingKind
from eqvisit.domain.ids import utc_now
from eqvisit.domain.scopes import visit_scope
from eqvisit.domain.validation import check_text
from eqvisit.errors import DomainError, NotFound
from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import ActionRow
from eqvisit.services.findings_dto import ActionPlanRow, RequirementRow
from eqvisit.storage.changes import ChangeRecorder
from eqvisit.storage.models import ActionItem, ActionStatusChange, Finding
from eqvisit.storage.repositories import findings
from eqvisit.storage.unit_of_work import UnitOfWork

MAX_TEXT = 20_000
# Kinds whose actions the provider owes and the lead tracks to closure.
REQUIREMENT_KINDS = (
    FindingKind.IMMEDIATE_MANDATORY_REQUIREMENT,
    FindingKind.MANDATORY_REQUIREMENT,
    FindingKind.RECOMMENDATION,
)


class ActionPlanService:
    """Adds actions to requirements and records each change of their status (append-only)."""

    def __init__(self, context: ServiceContext, today: Callable[[], date] = date.today) -> None:
        self._context = context
        self._today = today

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
        """Move the action to ``status``; closing goes through :meth:`close`, with evidence."""
        if ActionStatus(status) is ActionStatus.CLOSED:
            raise DomainError("Close an action with the evidence that it is done (Close…).")
        with self._context.action() as (uow, recorder):
            action, scope = self._require(uow, action_id)
            recorder.write(action, {"status": ActionStatus(status)}, scope)
            self._log(recorder, action_id, status, note, scope)
            return self._finish(uow, action)

    def add_note(self, action_id: str, note: str) -> ActionRow:
        """A dated follow-up note in the history; the status stays as it is."""
        text = check_text(note, "follow-up note", max_length=MAX_TEXT, required=True)
        with self._context.action() as (uow, recorder):
            action, scope = self._require(uow, action_id)
            self._log(recorder, action_id, action.status, text, scope)
            return self._finish(uow, action)

    def close(self, action_id: str, evidence: str) -> ActionRow:
        """Close the action; the evidence that it is done is required and kept with it."""
        text = check_text(evidence, "closure evidence", max_length=MAX_TEXT, required=True)
        with self._context.action() as (uow, recorder):
            action, scope = self._require(uow, action_id)
            recorder.write(action, {"status": ActionStatus.CLOSED, "closure_evidence": text}, scope)
            self._log(recorder, action_id, ActionStatus.CLOSED, text, scope)
            return self._finish(uow, action)

    def requirements(self, visit_id: str) -> list[RequirementRow]:
        """The visit's requirements and recommendations that actions can hang under."""
        with self._context.store.unit_of_work() as uow:
            return [
                RequirementRow(f.id, f.reference or "(no number yet)", f.text)
                for f in findings.for_visit(uow.session, visit_id)
                if f.kind in REQUIREMENT_KINDS
            ]

    def plan(self, visit_id: str) -> list[ActionPlanRow]:
        """Every action of the visit's requirements, by requirement, with its dated history."""
        today = self._today()
        with self._context.store.unit_of_work() as uow:
            rows: list[ActionPlanRow] = []
            for finding in findings.for_visit(uow.session, visit_id):
                if finding.kind not in REQUIREMENT_KINDS:
                    continue
                for action in findings.actions(uow.session, finding.id):
                    rows.append(
                        _plan_row(
                            finding, action, findings.action_history(uow.session, action.id), today
                        )
                    )
            return rows

    def _require(self, uow: UnitOfWork, action_id: str) -> tuple[ActionItem, str]:
        self._context.require_user()
        action = findings.get_action(uow.session, action_id)
        if action is None:
            raise NotFound("action", action_id)
        finding = findings.get(uow.session, action.finding_id)
        if finding is None:
            raise NotFound("finding", action.finding_id)
        return action, visit_scope(finding.visit_id)

    def _log(
        self,
        recorder: ChangeRecorder,
        action_id: str,
        status: ActionStatus,
        note: str,
        scope: str,
    ) -> None:
        recorder.create(
            ActionStatusChange(),
            {
                "action_item_id": action_id,
                "status": ActionStatus(status),
                "note": check_text(note, "note", max_length=MAX_TEXT),
                "changed_at": utc_now(),
                "changed_by": self._context.identity.user_id,
            },
            scope,
        )

    @staticmethod
    def _finish(uow: UnitOfWork, action: ActionItem) -> ActionRow:
        uow.session.flush()
        row = _row(action, findings.action_history(uow.session, action.id))
        uow.commit()
        return row


def is_overdue(due_on: date | None, status: ActionStatus, today: date) -> bool:
    """Past its due date and not closed (or marked overdue by the lead)."""
    if status is ActionStatus.CLOSED:
        return False
    return status is ActionStatus.OVERDUE or (due_on is not None and due_on < today)


def _plan_row(
    finding: Finding, action: ActionItem, history: Sequence[ActionStatusChange], today: date
) -> ActionPlanRow:
    return ActionPlanRow(
        id=action.id,
        finding_id=finding.id,
        reference=finding.reference or "(no number yet)",
        description=action.description,
        owner=action.owner,
        due_on=action.due_on,
        status=action.status,
        closure_evidence=action.closure_evidence,
        overdue=is_overdue(action.due_on, action.status, today),
        history=tuple((c.changed_at, c.status, c.note) for c in history),
    )


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
