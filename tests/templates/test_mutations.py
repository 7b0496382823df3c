"""Random damage to real templates always ends in a located TemplateError, never anything else."""

from __future__ import annotations

import copy
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eqvisit.errors import TemplateError
from eqvisit.templates.loader import default_template_paths, load_template
from eqvisit.templates.problems import problems_of
from eqvisit.templates.yaml_reader import load_yaml_file

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DEFAULTS: dict[str, Any] = {
    path.stem: load_yaml_file(path).data for path in default_template_paths()
}
# Mutations work on the first three sections of each default: the same structures in a third of
# the text, which keeps the many parses of the fuzz test quick.
SHORTENED = {name: {**data, "sections": data["sections"][:3]} for name, data in DEFAULTS.items()}

Loc = tuple[str | int, ...]


def paths_in(data: object, prefix: Loc = ()) -> list[Loc]:
    """Every path to a value inside ``data`` (not the root)."""
    found: list[Loc] = []
    if isinstance(data, dict):
        for key, value in data.items():
            found.append((*prefix, key))
            found.extend(paths_in(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.append((*prefix, index))
            found.extend(paths_in(value, (*prefix, index)))
    return found


def parent_of(data: Any, loc: Loc) -> Any:
    for part in loc[:-1]:
        data = data[part]
    return data


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10_000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["yes", "no", "1.1", "9.9", "q1", "single_choice", "learners", ""]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def mutated(draw: Any) -> dict[str, Any]:
    name = draw(st.sampled_from(sorted(SHORTENED)))
    data = copy.deepcopy(SHORTENED[name])
    for _ in range(draw(st.integers(1, 3))):
        locations = paths_in(data)
        loc = draw(st.sampled_from(locations))
        parent = parent_of(data, loc)
        action = draw(
            st.sampled_from(["delete", "replace", "rename", "insert", "swap", "duplicate"])
        )
        key = loc[-1]
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(VALUES)
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = parent.pop(key)
        elif action == "insert" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(VALUES)
        elif action == "swap" and isinstance(parent, list) and len(parent) > 1:
            other = draw(st.integers(0, len(parent) - 1))
            parent[key], parent[other] = parent[other], parent[key]
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(draw(st.integers(0, len(parent))), copy.deepcopy(parent[key]))
    return data


def failure_of(path: Path) -> TemplateError | None:
    """The TemplateError loading ``path`` raises, or ``None`` if it loads; nothing else escapes."""
    try:
        load_template(path)
    except TemplateError as exc:
        return exc
    return None


def assert_located_failure_or_template(path: Path, failure: TemplateError | None = None) -> None:
    """Loading ``path`` gives a template or a TemplateError whose every line names file and line.

    ``failure`` is the outcome of loading it already, if the caller has it.
    """
    if failure is None:
        failure = failure_of(path)
    if failure is None:
        return
    problems = problems_of(failure)
    assert problems
    for problem in problems:
        assert problem.source == str(path)
        assert problem.detail
        text = str(problem)
        assert text.startswith(f"{path}:")
        if problem.line is not None:
            assert problem.line >= 1
            assert re.match(rf"{re.escape(str(path))}:{problem.line}: ", text)
    assert str(failure).splitlines()[0] == str(problems[0])


@FUZZ
@given(mutated())
def test_mutated_defaults_fail_cleanly_with_lines(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutant.yaml"
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
        failure = failure_of(path)
        # A YAML file always gives a line: the path's own, or its nearest ancestor's.
        for problem in [] if failure is None else problems_of(failure):
            assert problem.line is not None, str(problem)
        assert_located_failure_or_template(path, failure)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_never_escape_as_other_exceptions(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.yaml"
        path.write_bytes(content)
        assert_located_failure_or_template(path)


@FUZZ
@given(st.text(alphabet="{}[]:,-?!&*|>'\"#%@` \n\tabcxyz019.", max_size=200))
def test_random_yaml_like_text_never_escapes(content: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.yaml"
        path.write_text(content, encoding="utf-8")
        assert_located_failure_or_template(path)


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_reversing_questions_makes_show_if_forward(tmp_path: Path, name: str) -> None:
    data = copy.deepcopy(DEFAULTS[name])
    for section in data["sections"]:
        section["questions"].reverse()
    data["sections"].reverse()
    path = tmp_path / f"{name}.yaml"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    problems = problems_of(caught.value)
    assert problems
    assert all("it comes later" in str(p) for p in problems), str(caught.value)
    assert all(p.line is not None and ".show_if" in (p.field or "") for p in problems)
