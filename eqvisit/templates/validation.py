"""Turns plain template data into a :class:`Template`, raising every problem for its author."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from eqvisit.errors import TemplateError
from eqvisit.templates.checks import check_template
from eqvisit.templates.fields import type_name
from eqvisit.templates.framework import Framework
from eqvisit.templates.problems import Locator, TemplateValidationError
from eqvisit.templates.schema import DEFER_CHECKS, Option, Question, Section, Template
from eqvisit.templates.translate import translate_validation_error

#: Every key a template document may use, for "did you mean" hints.
TEMPLATE_KEYS = frozenset(
    {
        *Template.model_fields,
        *Section.model_fields,
        *Question.model_fields,
        *Option.model_fields,
        "question",
        "value",
        "values",
    }
)


def build_template(
    data: object, locator: Locator, frameworks: Mapping[str, Framework] | None
) -> Template:
    """Validate plain ``data`` into a template, raising every problem at once.

    ``frameworks`` (version → framework) is used to check cited standards; ``None`` skips that.
    Raises :class:`~eqvisit.templates.problems.TemplateValidationError`.
    """
    if not isinstance(data, dict):
        what = "empty" if data is None else type_name(data)
        raise TemplateValidationError(
            [
                locator.error(
                    (),
                    "a template must be a mapping with id, version, title, audience, framework "
                    f"and sections; this document is {what}",
                )
            ]
        )
    try:
        template = Template.model_validate(data, context={DEFER_CHECKS: True})
    except ValidationError as exc:
        problems = translate_validation_error(exc, TEMPLATE_KEYS)
        raise TemplateValidationError(
            _in_line_order([locator.error(p.loc, p.message) for p in problems])
        ) from None
    except RecursionError:
        raise TemplateValidationError(
            [locator.error((), "the document is nested too deeply")]
        ) from None
    problems = check_template(template, frameworks)
    if problems:
        raise TemplateValidationError(
            _in_line_order([locator.error(p.loc, p.message) for p in problems])
        )
    return template


def _in_line_order(errors: list[TemplateError]) -> list[TemplateError]:
    """Errors sorted by line (stable), so authors can work down the file."""
    return sorted(errors, key=lambda error: error.line or 0)
