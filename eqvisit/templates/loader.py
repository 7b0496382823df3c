"""Loads templates from YAML (or XLSX) files and finds the default template library."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from eqvisit.errors import TemplateError
from eqvisit.templates.framework import Framework, bundled_frameworks
from eqvisit.templates.resources import templates_dir
from eqvisit.templates.schema import Template
from eqvisit.templates.validation import build_template
from eqvisit.templates.xlsx import load_xlsx
from eqvisit.templates.yaml_reader import LineLocator, load_yaml_file, parse_yaml

YAML_SUFFIXES = frozenset({".yaml", ".yml"})
XLSX_SUFFIXES = frozenset({".xlsx"})


def load_template_text(
    text: str, source: str = "<text>", *, frameworks: Mapping[str, Framework] | None = None
) -> Template:
    """Parse and validate YAML ``text``; ``source`` names it in errors.

    ``frameworks`` defaults to the bundled frameworks; every cited standard must exist there.
    """
    document = parse_yaml(text, source)
    return build_template(
        document.data,
        LineLocator(document.source, document.lines),
        bundled_frameworks() if frameworks is None else frameworks,
    )


def load_template(path: Path, *, frameworks: Mapping[str, Framework] | None = None) -> Template:
    """Load and validate the YAML template at ``path``.

    Raises :class:`~eqvisit.errors.TemplateError` (a
    :class:`~eqvisit.templates.problems.TemplateValidationError` when it lists several problems);
    every message names the file, the line and the field.
    """
    document = load_yaml_file(path)
    return build_template(
        document.data,
        LineLocator(document.source, document.lines),
        bundled_frameworks() if frameworks is None else frameworks,
    )


def load_template_file(
    path: Path, *, frameworks: Mapping[str, Framework] | None = None
) -> Template:
    """Load a template from YAML (``.yaml``/``.yml``) or a workbook (``.xlsx``), by suffix."""
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return load_template(path, frameworks=frameworks)
    if suffix in XLSX_SUFFIXES:
        return load_xlsx(path, frameworks=frameworks)
    raise TemplateError(
        str(path), f"unsupported file type {path.suffix or '(none)'!r}; use .yaml, .yml or .xlsx"
    )


def default_template_paths() -> list[Path]:
    """The YAML files of the default template library, sorted by name."""
    return sorted(templates_dir().glob("*.yaml"))


def load_default_templates() -> list[Template]:
    """Every default template, validated, in file-name order."""
    return [load_template(path) for path in default_template_paths()]
