"""One author's view of a session being captured: its pinned template and their own answers.

Attendance counts and "I have finished this session" are stored as the author's own responses
under reserved question ids (``@attendance``, ``@complete``). Template question ids are slugs
and can never start with ``@``, so these never collide with a question; and because they are
responses, they sync and are owned like any answer (a panel member may not write the shared
session record itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eqvisit.services.dto import ResponseRow, SessionRow
from eqvisit.templates.conditions import is_answered, visible_question_ids
from eqvisit.templates.schema import Question, Template

ATTENDANCE_QUESTION = "@attendance"
COMPLETE_QUESTION = "@complete"
RESERVED_QUESTIONS = frozenset({ATTENDANCE_QUESTION, COMPLETE_QUESTION})


@dataclass(frozen=True)
class SessionForm:
    """What the capture screen opens with. ``answers`` are the signed-in author's, by question."""

    session: SessionRow
    visit_id: str
    author_id: str
    template: Template | None
    answers: Mapping[str, ResponseRow] = field(default_factory=dict)
    attendance: Mapping[str, int] = field(default_factory=dict)
    completed: bool = False
    roster: tuple[str, ...] = ()  # the panel's names, for the redaction hint

    def values(self) -> dict[str, Any]:
        """Question id → answer value, as ``show_if`` conditions read them."""
        return {qid: row.value for qid, row in self.answers.items()}


def missing_required(template: Template, values: Mapping[str, object]) -> list[Question]:
    """Required questions that are shown for ``values`` but not answered, in template order."""
    shown = set(visible_question_ids(template, values))
    return [
        q
        for q in template.questions
        if q.required and q.id in shown and not is_answered(values.get(q.id))
    ]
