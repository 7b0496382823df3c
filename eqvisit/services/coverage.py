"""The coverage board and the safety flags of a visit, across every author this laptop holds.

Each panel member's answers are their own records; after a sync this laptop holds everyone's
(that the user may read), so the board shows which sessions and questions are covered, by whom,
and the "possible immediate mandatory requirement / patient safety" flags the lead must see.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from eqvisit.services.context import ServiceContext
from eqvisit.services.session_form import ATTENDANCE_QUESTION, COMPLETE_QUESTION, RESERVED_QUESTIONS
from eqvisit.storage.repositories import capture, templates, users, visits
from eqvisit.templates.body import template_from_body
from eqvisit.templates.conditions import is_answered
from eqvisit.templates.schema import Template


@dataclass(frozen=True)
class QuestionCoverage:
    question_id: str
    section: str
    prompt: str
    required: bool
    authors: tuple[str, ...]  # display names of those who answered or noted it


@dataclass(frozen=True)
class SessionCoverage:
    session_id: str
    title: str
    questions: tuple[QuestionCoverage, ...]
    authors: tuple[str, ...]  # everyone who captured anything in the session
    completed_by: tuple[str, ...]
    attendance: dict[str, int]  # the largest count any author gave per group

    @property
    def covered(self) -> int:
        return sum(1 for q in self.questions if q.authors)


@dataclass(frozen=True)
class SafetyFlagRow:
    """A response flagged "possible IMR / patient safety": shown to the lead at once."""

    response_id: str
    session_id: str
    session_title: str
    question_id: str
    prompt: str
    author: str
    note: str
    updated_at: datetime


@dataclass(frozen=True)
class CoverageBoard:
    visit_id: str
    sessions: tuple[SessionCoverage, ...]
    safety_flags: tuple[SafetyFlagRow, ...]
    observations: dict[str, int]  # author's name -> observations this laptop holds


def _has_content(value: object, note: str, flagged: bool) -> bool:
    return is_answered(value) or bool(note.strip()) or flagged


class CoverageService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def board(self, visit_id: str) -> CoverageBoard:
        with self._context.store.unit_of_work() as uow:
            session = uow.session
            names = {u.id: u.display_name for u in users.all_active(session)}
            agenda = visits.sessions(session, visit_id)
            pinned: dict[tuple[str, int], Template] = {}
            for item in agenda:
                key = (item.template_id or "", item.template_version or 0)
                if item.template_id and key not in pinned:
                    stored = templates.get(session, item.template_id, key[1])
                    if stored is not None:
                        pinned[key] = template_from_body(dict(stored.body), check_standards=False)
            by_question: dict[tuple[str, str], set[str]] = defaultdict(set)
            authors: dict[str, set[str]] = defaultdict(set)
            completed: dict[str, set[str]] = defaultdict(set)
            attendance: dict[str, dict[str, int]] = defaultdict(dict)
            flags: list[SafetyFlagRow] = []
            titles = {item.id: item.title for item in agenda}
            for response, item in capture.visit_responses(session, visit_id):
                author = names.get(response.author_id, "someone not on this laptop")
                if response.question_id == COMPLETE_QUESTION:
                    if response.value is True:
                        completed[item.id].add(author)
                    continue
                if response.question_id == ATTENDANCE_QUESTION:
                    if isinstance(response.value, dict):
                        counts = attendance[item.id]
                        for group, count in response.value.items():
                            if isinstance(count, int):
                                counts[group] = max(counts.get(group, 0), count)
                    authors[item.id].add(author)
                    continue
                if response.question_id in RESERVED_QUESTIONS:
                    continue
                if _has_content(response.value, response.note, response.safety_flag):
                    by_question[(item.id, response.question_id)].add(author)
                    authors[item.id].add(author)
                if response.safety_flag:
                    template = pinned.get((item.template_id or "", item.template_version or 0))
                    prompt = response.question_id
                    if template is not None and response.question_id in template.question_ids:
                        prompt = template.question(response.question_id).prompt
                    flags.append(
                        SafetyFlagRow(
                            response.id,
                            item.id,
                            titles.get(item.id, ""),
                            response.question_id,
                            prompt,
                            author,
                            response.note,
                            response.updated_at,
                        )
                    )
            rows: list[SessionCoverage] = []
            for item in agenda:
                template = pinned.get((item.template_id or "", item.template_version or 0))
                questions: list[QuestionCoverage] = []
                if template is not None:
                    for section in template.sections:
                        for q in section.questions:
                            questions.append(
                                QuestionCoverage(
                                    q.id,
                                    section.title,
                                    q.prompt,
                                    q.required,
                                    tuple(sorted(by_question.get((item.id, q.id), ()))),
                                )
                            )
                counts = dict(item.attendance or {})

                for group, count in attendance.get(item.id, {}).items():
                    counts[group] = max(counts.get(group, 0), count)
                rows.append(
                    SessionCoverage(
                        item.id,
                        item.title,
                        tuple(questions),
                        tuple(sorted(authors.get(item.id, ()))),
                        tuple(sorted(completed.get(item.id, ()))),
                        counts,
                    )
                )
            observed: dict[str, int] = defaultdict(int)
            for observation in visits.observations(session, visit_id):
                observed[names.get(observation.author_id, "someone not on this laptop")] += 1
        flags.sort(key=lambda f: f.updated_at, reverse=True)
        return CoverageBoard(visit_id, tuple(rows), tuple(flags), dict(sorted(observed.items())))

    def safety_flags(self, visit_id: str) -> list[SafetyFlagRow]:
        return list(self.board(visit_id).safety_flags)
