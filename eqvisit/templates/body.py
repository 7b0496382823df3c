"""A template as a JSON-safe mapping for the store and sync, and back."""

from __future__ import annotations

from collections.abc import Mapping

from eqvisit.templates.framework import bundled_frameworks
from eqvisit.templates.limits import MAX_NESTING, MAX_NODES
from eqvisit.templates.problems import UnlocatedLocator
from eqvisit.templates.schema import Template
from eqvisit.templates.validation import build_template

#: Bumped if the body layout ever changes in a way old readers cannot take.
BODY_FORMAT = 1


def template_to_body(template: Template) -> dict[str, object]:
    """Every field of ``template`` as plain JSON types (``None`` fields left out)."""
    body = template.model_dump(mode="json", exclude_none=True)
    body["format"] = BODY_FORMAT
    return body


def _shape_problem(data: object) -> str | None:
    """Why ``data`` is too deep or too big to validate safely, or ``None``."""
    stack: list[tuple[object, int]] = [(data, 0)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return f"the body has more than {MAX_NODES} values"
        if depth > MAX_NESTING:
            return f"the body is nested deeper than {MAX_NESTING} levels"
        if isinstance(value, Mapping):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list | tuple):
            stack.extend((item, depth + 1) for item in value)
    return None


def template_from_body(body: Mapping[str, object], *, check_standards: bool = True) -> Template:
    """Rebuild a template from :func:`template_to_body` output, validating it fully.

    With ``check_standards`` the cited framework must be bundled and hold every cited standard;
    turn it off to read a stored template whose framework this installation does not ship.
    Raises :class:`~eqvisit.errors.TemplateError` naming the template and the field.
    """
    data = dict(body)
    fmt = data.pop("format", BODY_FORMAT)
    source = f"<stored template {data.get('id', '?')} v{data.get('version', '?')}>"
    locator = UnlocatedLocator(source)
    if fmt != BODY_FORMAT:
        raise locator.error(("format",), f"unsupported template body format {fmt!r}")
    problem = _shape_problem(data)
    if problem is not None:
        raise locator.error((), problem)
    return build_template(data, locator, bundled_frameworks() if check_standards else None)
