"""Redaction aid: find text that looks like it names a person, or holds an email or phone number.

The detector is a pure function (:func:`find_personal_data`) so it can be tested on its own;
:class:`RedactionService` runs it over the signed-in author's unsynced notes and observations
before a sync, with the visit's roster (panel members' names) as the people to look for.

False alarms teach people to click through warnings, so the name test is deliberately narrow:
a full name, a title with a surname ("Dr Patel"), or a roster surname written with a capital
letter that is not also a common word ("the ward", "a green rating" never match).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from eqvisit.services.context import ServiceContext
from eqvisit.storage.models import InterviewSession
from eqvisit.storage.repositories import capture, templates, visits
from eqvisit.templates.body import template_from_body

TITLES = ("dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sister", "nurse")
#: Surnames that are also everyday words on a visit; they match only with a first name or title.
COMMON_WORDS = frozenset(
    """
    ward wards green white black brown gray grey hall bell long short young rich best good
    bishop church king page may april june rose hope joy grace faith day night doctor nurse
    lead head cook mason baker smith ford field fields hill wood woods moss lane rivers
    north south east west english scott hunter cross clay stone brook waters price banks
    sharp strong bright gold silver little large care carer rota bank chase
    """.split()  # noqa: SIM905 - a word list reads better as words
)

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A UK number: +44 or a leading 0, then 9-10 more digits, spaces, dashes or brackets allowed
# between digit groups. Not preceded or followed by another digit, so dates and counts do not match.
_PHONE = re.compile(r"(?<![\d/.-])(?:\+44\s?\(?0?\)?\s?|\(?0)(?:\d[\s)-]{0,2}){8,9}\d(?![\d/.-])")


class HitKind(StrEnum):
    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"


@dataclass(frozen=True)
class RedactionHit:
    kind: HitKind
    start: int
    end: int
    text: str

    @property
    def description(self) -> str:
        what = {
            HitKind.NAME: "a name",
            HitKind.EMAIL: "an email address",
            HitKind.PHONE: "a phone number",
        }
        return f"{what[self.kind]}: “{self.text}”"


def _name_parts(name: str) -> list[str]:
    words = [w.strip(".,") for w in name.split()]
    return [w for w in words if w and w.lower().rstrip(".") not in TITLES]


def _name_patterns(names: Iterable[str]) -> list[re.Pattern[str]]:
    """Patterns for each roster name: the full name, title + surname, a capitalised surname."""
    patterns: list[re.Pattern[str]] = []
    titles = "|".join(TITLES)
    for name in names:
        parts = _name_parts(name)
        if not parts:
            continue
        surname = parts[-1]
        if len(parts) > 1:
            full = r"\s+".join(re.escape(p) for p in parts)
            patterns.append(re.compile(rf"\b(?:(?:{titles})\.?\s+)?{full}\b", re.IGNORECASE))
            first_and_surname = rf"{re.escape(parts[0])}\s+{re.escape(surname)}"
            patterns.append(re.compile(rf"\b{first_and_surname}\b", re.IGNORECASE))
        patterns.append(re.compile(rf"\b(?:{titles})\.?\s+{re.escape(surname)}\b", re.IGNORECASE))
        if len(surname) >= 3 and surname.lower() not in COMMON_WORDS:
            patterns.append(re.compile(rf"\b{re.escape(surname)}\b"))  # case-sensitive
    return patterns


def find_personal_data(text: str, names: Sequence[str] = ()) -> list[RedactionHit]:
    """Every stretch of ``text`` that looks like a roster name, an email or a UK phone number.

    Hits are in text order and never overlap (the longest match at a place wins).
    """
    found: list[RedactionHit] = []
    for match in _EMAIL.finditer(text):
        found.append(RedactionHit(HitKind.EMAIL, match.start(), match.end(), match.group()))
    for match in _PHONE.finditer(text):
        found.append(RedactionHit(HitKind.PHONE, match.start(), match.end(), match.group()))
    for pattern in _name_patterns(names):
        for match in pattern.finditer(text):
            found.append(RedactionHit(HitKind.NAME, match.start(), match.end(), match.group()))
    found.sort(key=lambda hit: (hit.start, -(hit.end - hit.start)))
    kept: list[RedactionHit] = []
    for hit in found:
        if kept and hit.start < kept[-1].end:
            continue
        kept.append(hit)
    return kept


@dataclass(frozen=True)
class RedactionItem:
    """One unsynced piece of the author's free text that has hits, and where it is."""

    record_type: str  # "responses" or "observations"
    record_id: str
    visit_id: str
    session_id: str | None
    question_id: str | None
    where: str
    text: str
    hits: tuple[RedactionHit, ...]


class RedactionService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def review(self) -> list[RedactionItem]:
        """The signed-in author's notes and observations waiting to sync that look personal."""
        author_id = self._context.identity.user_id
        if author_id is None:
            return []
        items: list[RedactionItem] = []
        rosters: dict[str, list[str]] = {}
        with self._context.store.unit_of_work() as uow:
            session = uow.session

            def roster(visit_id: str) -> list[str]:
                if visit_id not in rosters:
                    panel = visits.panel(session, visit_id)
                    rosters[visit_id] = [user.display_name for _member, user in panel]
                return rosters[visit_id]

            prompts: dict[tuple[str, int], dict[str, str]] = {}

            def prompt(agenda_item: InterviewSession, question_id: str) -> str:
                key = (agenda_item.template_id or "", agenda_item.template_version or 0)
                if key not in prompts:
                    stored = templates.get(session, key[0], key[1]) if key[0] else None
                    body = (
                        None
                        if stored is None
                        else template_from_body(dict(stored.body), check_standards=False)
                    )
                    prompts[key] = {} if body is None else {q.id: q.prompt for q in body.questions}
                return prompts[key].get(question_id, question_id)

            pending = capture.pending_records(session, author_id, ("responses", "observations"))
            for record_type, record_id in pending:
                if record_type == "responses":
                    response = capture.get_response(session, record_id)
                    agenda_item = (
                        None
                        if response is None
                        else visits.get_session(session, response.session_id)
                    )
                    if response is None or agenda_item is None or not response.note:
                        continue
                    hits = find_personal_data(response.note, roster(agenda_item.visit_id))
                    asked = prompt(agenda_item, response.question_id)
                    if hits:
                        items.append(
                            RedactionItem(
                                "responses",
                                response.id,
                                agenda_item.visit_id,
                                response.session_id,
                                response.question_id,
                                f"{agenda_item.title} · note on “{asked}”",
                                response.note,
                                tuple(hits),
                            )
                        )
                    continue
                observation = capture.get_observation(session, record_id)
                if observation is None:
                    continue
                hits = find_personal_data(observation.text, roster(observation.visit_id))
                if hits:
                    items.append(
                        RedactionItem(
                            "observations",
                            observation.id,
                            observation.visit_id,
                            observation.session_id,
                            None,
                            f"Observation at {observation.location or 'no place given'}",
                            observation.text,
                            tuple(hits),
                        )
                    )
        return items
