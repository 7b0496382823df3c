"""The interview template schema (DESIGN §5) as frozen pydantic models."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Self

from pydantic import Field, StrictBool, StrictInt, ValidationInfo, model_validator

from eqvisit.domain.enums import Audience
from eqvisit.templates.conditions import Condition
from eqvisit.templates.fields import (
    FrozenModel,
    Number,
    OptionValue,
    Slug,
    StandardCode,
    Text,
)

#: Pass ``context={DEFER_CHECKS: True}`` to ``Template.model_validate`` to skip the cross-field
#: checks in the model, when the caller runs :func:`eqvisit.templates.checks.check_template` itself
#: to report every problem with its location.
DEFER_CHECKS = "eqvisit.templates.defer_checks"


class QuestionType(StrEnum):
    YES_NO_UNSURE = "yes_no_unsure"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    RAG = "rag"
    NUMBER = "number"
    DATE = "date"
    TEXT = "text"


#: Types whose options are listed in the template.
LISTED_OPTION_TYPES = frozenset(
    {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.SCALE}
)
#: Types whose answers are a fixed set of values, with their labels.
FIXED_OPTIONS: dict[QuestionType, tuple[tuple[str, str], ...]] = {
    QuestionType.YES_NO_UNSURE: (("yes", "Yes"), ("no", "No"), ("unsure", "Unsure")),
    QuestionType.RAG: (("red", "Red"), ("amber", "Amber"), ("green", "Green")),
}


class Option(FrozenModel):
    """One answer option: the stored ``value`` and the ``label`` people see."""

    value: OptionValue
    label: Text


class Question(FrozenModel):
    """One question. ``id`` is stable across versions; answers are keyed by it."""

    id: Slug
    type: QuestionType
    prompt: Text
    guidance: str = ""
    standards: tuple[StandardCode, ...] = ()
    required: StrictBool = False
    options: tuple[Option, ...] | None = None
    min: Number | None = None
    max: Number | None = None
    show_if: Condition | None = None

    @property
    def choices(self) -> tuple[Option, ...]:
        """The options a person chooses from: listed ones, or the fixed set of the type."""
        if self.options is not None:
            return self.options
        fixed = FIXED_OPTIONS.get(self.type, ())
        return tuple(Option(value=value, label=label) for value, label in fixed)


class Section(FrozenModel):
    """A titled group of questions, with an optional introduction read to the group."""

    id: Slug
    title: Text
    intro: str | None = None
    questions: tuple[Question, ...] = Field(min_length=1)


class Template(FrozenModel):
    """An interview template: id and integer version identify it; sessions pin both.

    Constructing one checks the cross-field rules too (unique ids, earlier-only ``show_if``,
    options per type); standards are checked against a framework by the loader.
    """

    id: Slug
    version: StrictInt = Field(ge=1)
    title: Text
    audience: Audience
    framework: Slug
    description: str = ""
    sections: tuple[Section, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_rules(self, info: ValidationInfo) -> Self:
        if info.context and info.context.get(DEFER_CHECKS):
            return self
        # Imported here because checks imports this module.
        from eqvisit.templates.checks import check_template

        problems = check_template(self, frameworks=None)
        if problems:
            first = problems[0]
            where = ".".join(str(part) for part in first.loc)
            raise ValueError(f"{where}: {first.message}" if where else first.message)
        return self

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """Every question, in order."""
        return tuple(q for section in self.sections for q in section.questions)

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    def question(self, question_id: str) -> Question:
        """The question with ``question_id``; ``KeyError`` if there is none."""
        for candidate in self.questions:
            if candidate.id == question_id:
                return candidate
        raise KeyError(question_id)
