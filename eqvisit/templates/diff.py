"""What changed between two versions of a template, as plain data for the UI."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from eqvisit.templates.schema import Question, Section, Template

#: Template attributes compared (sections and questions are compared one by one).
TEMPLATE_ATTRIBUTES = ("id", "title", "audience", "framework", "description")
#: Section attributes compared; ``position`` means the section moved relative to the others.
SECTION_ATTRIBUTES = ("title", "intro")
#: Question attributes compared; ``section`` means it moved to another section, ``position`` that
#: it moved relative to the other questions.
QUESTION_ATTRIBUTES = tuple(name for name in Question.model_fields if name != "id")


@dataclass(frozen=True)
class QuestionChange:
    """A question present in both versions, and which of its attributes differ."""

    question_id: str
    attributes: tuple[str, ...]


@dataclass(frozen=True)
class SectionChange:
    """A section present in both versions, and which of its attributes differ."""

    section_id: str
    attributes: tuple[str, ...]


@dataclass(frozen=True)
class TemplateDiff:
    """Differences from ``old_version`` to ``new_version``; ids are listed in template order."""

    template_id: str
    old_version: int
    new_version: int
    changed_attributes: tuple[str, ...]
    added_sections: tuple[str, ...]
    removed_sections: tuple[str, ...]
    changed_sections: tuple[SectionChange, ...]
    added_questions: tuple[str, ...]
    removed_questions: tuple[str, ...]
    changed_questions: tuple[QuestionChange, ...]

    @property
    def is_empty(self) -> bool:
        """True when the two versions ask the same questions in the same way."""
        return not (
            self.changed_attributes
            or self.added_sections
            or self.removed_sections
            or self.changed_sections
            or self.added_questions
            or self.removed_questions
            or self.changed_questions
        )


def _moved(old_order: list[str], new_order: list[str]) -> set[str]:
    """Ids (present in both lists) outside the longest run of unchanged relative order."""
    common = set(old_order) & set(new_order)
    old_common = [i for i in old_order if i in common]
    new_common = [i for i in new_order if i in common]
    matcher = difflib.SequenceMatcher(a=old_common, b=new_common, autojunk=False)
    kept = {old_common[b.a + k] for b in matcher.get_matching_blocks() for k in range(b.size)}
    return common - kept


def _section_of(template: Template) -> dict[str, str]:
    return {q.id: s.id for s in template.sections for q in s.questions}


def _sections(old: Template, new: Template) -> tuple[list[str], list[str], list[SectionChange]]:
    old_by_id: dict[str, Section] = {s.id: s for s in old.sections}
    new_by_id: dict[str, Section] = {s.id: s for s in new.sections}
    added = [s.id for s in new.sections if s.id not in old_by_id]
    removed = [s.id for s in old.sections if s.id not in new_by_id]
    moved = _moved([s.id for s in old.sections], [s.id for s in new.sections])
    changed: list[SectionChange] = []
    for section in new.sections:
        before = old_by_id.get(section.id)
        if before is None:
            continue
        attributes = [a for a in SECTION_ATTRIBUTES if getattr(before, a) != getattr(section, a)]
        if section.id in moved:
            attributes.append("position")
        if attributes:
            changed.append(SectionChange(section.id, tuple(attributes)))
    return added, removed, changed


def diff_templates(old: Template, new: Template) -> TemplateDiff:
    """Compare two templates (normally two versions of one id) question by question."""
    old_questions = {q.id: q for q in old.questions}
    new_questions = {q.id: q for q in new.questions}
    old_section = _section_of(old)
    new_section = _section_of(new)
    moved = _moved(list(old.question_ids), list(new.question_ids))
    changed_questions: list[QuestionChange] = []
    for question in new.questions:
        before = old_questions.get(question.id)
        if before is None:
            continue
        attributes = [
            name for name in QUESTION_ATTRIBUTES if getattr(before, name) != getattr(question, name)
        ]
        if old_section[question.id] != new_section[question.id]:
            attributes.append("section")
        if question.id in moved:
            attributes.append("position")
        if attributes:
            changed_questions.append(QuestionChange(question.id, tuple(attributes)))
    added_sections, removed_sections, changed_sections = _sections(old, new)
    return TemplateDiff(
        template_id=new.id,
        old_version=old.version,
        new_version=new.version,
        changed_attributes=tuple(
            name for name in TEMPLATE_ATTRIBUTES if getattr(old, name) != getattr(new, name)
        ),
        added_sections=tuple(added_sections),
        removed_sections=tuple(removed_sections),
        changed_sections=tuple(changed_sections),
        added_questions=tuple(q for q in new.question_ids if q not in old_questions),
        removed_questions=tuple(q for q in old.question_ids if q not in new_questions),
        changed_questions=tuple(changed_questions),
    )
