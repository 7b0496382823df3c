"""Capture on the day: each author's responses to a session's questions, and lay observations.

Responses and observations belong to their author (one response per author × session ×
question), so panel members capturing the same session in parallel never overwrite each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eqvisit.domain.enums import Sentiment
from eqvisit.domain.ids import natural_id
from eqvisit.domain.validation import check_text
from eqvisit.errors import DomainError, NotFound
from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import ObservationRow, ResponseRow
from eqvisit.services.mapping import observation_row, response_row
from eqvisit.services.visits import visit_scope
from eqvisit.storage.models import Observation, Response
from eqvisit.storage.repositories import visits

MAX_NOTE = 20_000
MAX_QUESTION_ID = 80


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

    def observations(self, visit_id: str) -> list[ObservationRow]:
        with self._context.store.unit_of_work() as uow:
            return [observation_row(o) for o in visits.observations(uow.session, visit_id)]
