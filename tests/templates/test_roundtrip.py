"""Templates survive YAML dump, storage body and workbook round trips unchanged."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from eqvisit.errors import TemplateError
from eqvisit.templates.body import template_from_body, template_to_body
from eqvisit.templates.loader import default_template_paths, load_template, load_template_text
from eqvisit.templates.schema import Template
from eqvisit.templates.xlsx import load_xlsx
from eqvisit.templates.xlsx_export import write_xlsx
from eqvisit.templates.yaml_dump import dump_yaml
from tests.templates.strategies import templates

ROUND_TRIP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("path", default_template_paths(), ids=lambda p: p.stem)
def test_defaults_round_trip_through_yaml_and_body(path: Path) -> None:
    template = load_template(path)
    text = dump_yaml(template)
    assert load_template_text(text) == template
    assert not any(line.endswith(" ") for line in text.splitlines())
    body = json.loads(json.dumps(template_to_body(template)))
    assert template_from_body(body) == template


@ROUND_TRIP
@given(templates())
def test_generated_templates_round_trip_through_yaml(template: Template) -> None:
    assert load_template_text(dump_yaml(template)) == template


@ROUND_TRIP
@given(templates())
def test_generated_templates_round_trip_through_body(template: Template) -> None:
    body = template_to_body(template)
    assert json.loads(json.dumps(body)) == body  # JSON-safe as it stands
    assert template_from_body(json.loads(json.dumps(body))) == template


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates(max_questions=8))
def test_generated_templates_round_trip_through_excel(template: Template) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.xlsx"
        write_xlsx(template, path)
        assert load_xlsx(path) == template


def test_dump_yaml_writes_a_header_comment_and_quotes_ambiguous_words() -> None:
    template = load_template(default_template_paths()[0])
    text = dump_yaml(template, header="Imported from x.xlsx\nby eqvisit")
    assert text.startswith("# Imported from x.xlsx\n# by eqvisit\nid: doctors-in-training\n")
    assert 'value: "yes"' in text
    assert 'standards: ["3.1"]' in text


def test_body_has_format_marker_and_all_fields() -> None:
    template = load_template(default_template_paths()[0])
    body = template_to_body(template)
    assert body["format"] == 1
    assert body["id"] == template.id
    first = body["sections"][0]["questions"][0]  # type: ignore[index]
    assert first["required"] is True
    assert first["guidance"]


def _deep(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": 2}, "unsupported template body format 2"),
        ({"version": "2"}, "version: expected a whole number"),
        ({"framework": "eqf-1999"}, "unknown framework version 'eqf-1999'"),
        ({"sections": [{"x": _deep(60)}]}, "nested deeper than 48 levels"),
    ],
)
def test_invalid_bodies(change: dict[str, object], message: str) -> None:
    body = template_to_body(load_template(default_template_paths()[2])) | change
    with pytest.raises(TemplateError) as caught:
        template_from_body(body)
    assert message in str(caught.value)
    assert str(caught.value).startswith("<stored template lay-observation v")


def test_body_with_unknown_framework_can_be_read_without_standards_check() -> None:
    body = template_to_body(load_template(default_template_paths()[2]))
    body["framework"] = "eqf-2030"
    assert template_from_body(body, check_standards=False).framework == "eqf-2030"
