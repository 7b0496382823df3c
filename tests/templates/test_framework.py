"""The quality framework reference data and its loader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from eqvisit.errors import TemplateError
from eqvisit.templates.framework import (
    available_frameworks,
    bundled_frameworks,
    load_framework,
    read_framework_file,
)
from eqvisit.templates.problems import problems_of
from eqvisit.templates.resources import frameworks_dir

Write = Callable[[str, str | bytes], Path]

SMALL = """\
version: tiny-1
title: Tiny
published: "2024"
domains:
  - number: 1
    title: One
    summary: The first.
    standards:
      - {code: "1.1", title: A, summary: First standard.}
      - {code: "1.2", title: B, summary: Second standard.}
"""


def test_bundled_framework_has_the_six_domains() -> None:
    framework = load_framework("eqf-2024")
    assert [d.number for d in framework.domains] == [1, 2, 3, 4, 5, 6]
    assert [d.title for d in framework.domains] == [
        "Learning environment and culture",
        "Educational governance and commitment to quality",
        "Developing and supporting learners",
        "Supporting and empowering educators",
        "Delivering curricula and assessments",
        "Developing a sustainable workforce",
    ]
    for domain in framework.domains:
        assert 4 <= len(domain.standards) <= 8
        assert [s.code for s in domain.standards] == [
            f"{domain.number}.{n}" for n in range(1, len(domain.standards) + 1)
        ]


def test_lookups() -> None:
    framework = load_framework("eqf-2024")
    standard = framework.standard("3.2")
    assert standard is not None
    assert standard.title == "Clinical supervision"
    domain = framework.domain_of("3.2")
    assert domain is not None and domain.number == 3
    assert framework.standard("9.9") is None
    assert framework.domain_of("9.9") is None
    assert "1.1" in framework.codes()
    assert len(framework.standards) == len(framework.codes())


def test_available_frameworks() -> None:
    assert available_frameworks() == ["eqf-2024"]
    assert set(bundled_frameworks()) == {"eqf-2024"}


def test_unknown_version() -> None:
    with pytest.raises(
        TemplateError, match=r"no framework version 'eqf-1999'; available: eqf-2024"
    ):
        load_framework("eqf-1999")


def test_framework_folder_can_be_given(tmp_path: Path) -> None:
    (tmp_path / "tiny-1.yaml").write_text(SMALL, encoding="utf-8")
    assert available_frameworks(tmp_path) == ["tiny-1"]
    assert load_framework("tiny-1", tmp_path).codes() == {"1.1", "1.2"}
    assert frameworks_dir().name == "frameworks"


@pytest.mark.parametrize(
    ("replace", "by", "line", "message"),
    [
        ('code: "1.2"', 'code: "2.1"', 5, "is listed under domain 1"),
        ('code: "1.2"', 'code: "1.1"', 1, "standard codes must be unique; repeated: 1.1"),
        ("summary: The first.", "sumary: The first.", 7, "did you mean 'summary'?"),
        ("number: 1", "number: one", 5, "expected a whole number"),
        ("version: tiny-1", "version: tiny-2", 1, "must be named tiny-2.yaml"),
    ],
)
def test_malformed_framework_files(
    write: Write, replace: str, by: str, line: int, message: str
) -> None:
    path = write("tiny-1.yaml", SMALL.replace(replace, by))
    with pytest.raises(TemplateError) as caught:
        read_framework_file(path)
    matching = [p for p in problems_of(caught.value) if message in str(p)]
    assert len(matching) == 1, str(caught.value)
    problem = matching[0]
    assert problem.source == str(path)
    assert problem.line == line, str(problem)
    assert message in str(problem)


def test_framework_file_that_is_a_list(write: Write) -> None:
    with pytest.raises(TemplateError, match="a framework file must be a mapping"):
        read_framework_file(write("x.yaml", "- 1\n"))
