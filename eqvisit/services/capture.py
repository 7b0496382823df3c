"""Capture on the day: each author's responses to a session's questions, and lay observations.

Responses and observations belong to their author (one response per author × session ×
question), so panel members capturing the same session in parallel never overwrite each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from eqvisit.domain.enums import Sentiment
from eqvisit.domain.ids import natural_id
from eqvisit.domain.scopes import visit_scope
from eqvisit.domain.validation import check_attendance, check_text
from eqvisit.errors import DomainError, NotFound
from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import ObservationRow, ResponseRow
from eqvisit.services.mapping import observation_row, response_row, session_row
from eqvisit.services.session_form import (
    ATTENDANCE_QUESTION,
    COMPLETE_QUESTION,
    RESERVED_QUESTIONS,
    SessionForm,
    missing_required,
)
from eqvisit.storage.models import Observation, Response
from eqvisit.storage.repositories import capture, templates, visits
from eqvisit.sync.permissions import Action, Grant, grant, panel_role_to_role
from eqvisit.templates.body import template_from_body

if TYPE_CHECKING:
    from eqvisit.storage.unit_of_work import UnitOfWork

MAX_NOTE = 20_000
MAX_QUESTION_ID = 80
OBSERVATION_FIELDS = frozenset({"location", "category", "text", "sentiment", "standards"})


class CaptureService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def save_response(
        self,
        session_id: str,
        question_id: str,
        *,
        value: Any = None,
        note: str = "",
        safety_flag: bool = False,
    ) -> ResponseRow:
        """Create or update the signed-in author's answer to one question (autosave calls this)."""
        author_id = self._context.require_user()
        question = check_text(question_id, "question id", max_length=MAX_QUESTION_ID, required=True)
        if len(note) > MAX_NOTE:
            raise DomainError(f"The note is {len(note)} characters long; the limit is {MAX_NOTE}.")
        with self._context.action() as (uow, recorder):
            agenda_item = visits.get_session(uow.session, session_id)
            if agenda_item is None:
                raise NotFound("session", session_id)
            _check_may_answer(uow, agenda_item.visit_id, author_id)
            scope = visit_scope(agenda_item.visit_id)
            existing = visits.response(uow.session, session_id, author_id, question)
            fields = {"value": value, "note": note, "safety_flag": safety_flag, "deleted_at": None}
            if existing is None:
                response = recorder.create(
                    Response(id=natural_id("responses", session_id, author_id, question)),
                    {
                        "session_id": session_id,
                        "author_id": author_id,
                        "question_id": question,
                        **fields,
                    },
                    scope,
                )
            else:
                response = existing
                changed = {k: v for k, v in fields.items() if getattr(existing, k) != v}
                if changed:
                    recorder.write(existing, changed, scope)
            uow.session.flush()
            row = response_row(response)
            uow.commit()
            return row

    def session_form(self, session_id: str) -> SessionForm:
        """The session, its pinned template and the signed-in author's own answers so far."""
        author_id = self._context.require_user()
        with self._context.store.unit_of_work() as uow:
            agenda_item = visits.get_session(uow.session, session_id)
            if agenda_item is None:
                raise NotFound("session", session_id)
            template = None
            if agenda_item.template_id is not None and agenda_item.template_version is not None:
                stored = templates.get(
                    uow.session, agenda_item.template_id, agenda_item.template_version
                )
                if stored is None:
                    raise NotFound(
                        "template",
                        f"{agenda_item.template_id} version {agenda_item.template_version}",
                    )
                template = template_from_body(dict(stored.body), check_standards=False)
            mine = {
                r.question_id: response_row(r)
                for r in visits.responses(uow.session, session_id)
                if r.author_id == author_id
            }
            interviewers = visits.interviewer_ids(uow.session, [session_id])[session_id]
            row = session_row(agenda_item, interviewers)
            visit_id = agenda_item.visit_id
            roster = tuple(user.display_name for _m, user in visits.panel(uow.session, visit_id))
        attendance = mine.get(ATTENDANCE_QUESTION)
        done = mine.get(COMPLETE_QUESTION)
        return SessionForm(
            session=row,
            visit_id=visit_id,
            author_id=author_id,
            template=template,
            answers={q: r for q, r in mine.items() if q not in RESERVED_QUESTIONS},
            attendance=(
                dict(attendance.value)
                if attendance is not None and isinstance(attendance.value, dict)
                else dict(row.attendance)
            ),
            completed=done is not None and done.value is True,
            roster=roster,
        )

    def edit_note(self, response_id: str, note: str) -> ResponseRow:
        """Change only the note of one of the author's own responses (the redaction aid's edit)."""
        author_id = self._context.require_user()
        if len(note) > MAX_NOTE:
            raise DomainError(f"The note is {len(note)} characters long; the limit is {MAX_NOTE}.")
        with self._context.action() as (uow, recorder):
            response = capture.get_response(uow.session, response_id)
            if response is None:
                raise NotFound("response", response_id)
            if response.author_id != author_id:
                raise DomainError("Only the person who wrote a note can change it.")
            agenda_item = visits.get_session(uow.session, response.session_id)
            if agenda_item is None:
                raise NotFound("session", response.session_id)
            if response.note != note:
                recorder.write(response, {"note": note}, visit_scope(agenda_item.visit_id))
            uow.session.flush()
            row = response_row(response)
            uow.commit()
            return row

    def save_attendance(self, session_id: str, attendance: Mapping[str, int]) -> ResponseRow:
        """The author's head counts by learner group for the session (numbers, never names)."""
        counts = check_attendance(attendance)
        return self.save_response(session_id, ATTENDANCE_QUESTION, value=counts)

    def mark_complete(self, session_id: str, *, completed: bool = True) -> ResponseRow:
        """Record that the author has finished the session; refused while required answers miss.

        The error lists every required question still unanswered, so the interviewer can go back.
        """
        if completed:
            form = self.session_form(session_id)
            if form.template is not None:
                missing = missing_required(form.template, form.values())
                if missing:
                    listed = "; ".join(f"“{q.prompt}”" for q in missing)
                    raise DomainError(
                        f"{len(missing)} required question(s) still need an answer before "
                        f"the session is complete: {listed}"
                    )
        return self.save_response(session_id, COMPLETE_QUESTION, value=completed)

    def responses(self, session_id: str) -> list[ResponseRow]:
        with self._context.store.unit_of_work() as uow:
            return [response_row(r) for r in visits.responses(uow.session, session_id)]

    def add_observation(
        self,
        visit_id: str,
        text: str,
        *,
        location: str = "",
        category: str = "",
        sentiment: Sentiment = Sentiment.NEUTRAL,
        standards: Sequence[str] = (),
        session_id: str | None = None,
    ) -> ObservationRow:
        author_id = self._context.require_user()
        body = check_text(text, "observation", max_length=MAX_NOTE, required=True)
        with self._context.action() as (uow, recorder):
            if visits.get(uow.session, visit_id) is None:
                raise NotFound("visit", visit_id)
            if session_id is not None and visits.get_session(uow.session, session_id) is None:
                raise NotFound("session", session_id)
            observation = recorder.create(
                Observation(),
                {
                    "visit_id": visit_id,
                    "session_id": session_id,
                    "author_id": author_id,
                    "location": check_text(location, "location", max_length=200),
                    "category": check_text(category, "category", max_length=80),
                    "text": body,
                    "sentiment": Sentiment(sentiment),
                    "standards": list(standards),
                },
                visit_scope(visit_id),
            )
            uow.session.flush()
            row = observation_row(observation)
            uow.commit()
            return row

    def update_observation(self, observation_id: str, changes: Mapping[str, Any]) -> ObservationRow:
        """Edit one of the signed-in author's own observations (no one edits another's)."""
        author_id = self._context.require_user()
        unknown = set(changes) - OBSERVATION_FIELDS
        if unknown:
            raise DomainError(f"An observation has no field {', '.join(sorted(unknown))}.")
        clean: dict[str, Any] = {}
        if "text" in changes:
            clean["text"] = check_text(
                changes["text"], "observation", max_length=MAX_NOTE, required=True
            )
        if "location" in changes:
            clean["location"] = check_text(changes["location"], "location", max_length=200)
        if "category" in changes:
            clean["category"] = check_text(changes["category"], "category", max_length=80)
        if "sentiment" in changes:
            clean["sentiment"] = Sentiment(changes["sentiment"])
        if "standards" in changes:
            clean["standards"] = [str(code) for code in changes["standards"]]
        with self._context.action() as (uow, recorder):
            observation = capture.get_observation(uow.session, observation_id)
            if observation is None:
                raise NotFound("observation", observation_id)
            if observation.author_id != author_id:
                raise DomainError("Only the person who wrote an observation can change it.")
            changed = {k: v for k, v in clean.items() if getattr(observation, k) != v}
            if changed:
                recorder.write(observation, changed, visit_scope(observation.visit_id))
            uow.session.flush()
            row = observation_row(observation)
            uow.commit()
            return row

    def my_observations(self, visit_id: str) -> list[ObservationRow]:
        """The signed-in author's own observations on the visit (lay mode shows only these)."""
        author_id = self._context.require_user()
        with self._context.store.unit_of_work() as uow:
            rows = capture.author_observations(uow.session, visit_id, author_id)
            return [observation_row(o) for o in rows]

    def observations(self, visit_id: str) -> list[ObservationRow]:
        with self._context.store.unit_of_work() as uow:
            return [observation_row(o) for o in visits.observations(uow.session, visit_id)]


def _check_may_answer(uow: UnitOfWork, visit_id: str, author_id: str) -> None:
    """Refuse at once what the server would refuse at sync: e.g. a lay rep answering questions.

    Someone with no seat on the panel is left to the server (the demo signs in freely).
    """
    member = visits.panel_member(uow.session, visit_id, author_id)
    if member is None or member.deleted_at is not None:
        return
    role = panel_role_to_role(member.panel_role)
    if grant(role, "responses", Action.CREATE) is not Grant.NONE:
        return
    if grant(role, "observations", Action.CREATE) is not Grant.NONE:
        raise DomainError(
            "Your role on this visit records observations, not interview answers: use "
            "'My observations' instead."
        )
    raise DomainError("Your role on this visit is to observe: it does not record answers.")
