"""Fixtures for template tests: small valid templates and a helper to write files."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest

MINIMAL_YAML = """\
id: demo
version: 1
title: Demo template
audience: learners
framework: eqf-2024
sections:
  - id: intro
    title: Introduction
    questions:
      - id: q1
        type: yes_no_unsure
        prompt: Did you receive an induction?
        standards: ["3.1"]
      - id: q2
        type: text
        prompt: What was missing?
        show_if: {equals: {question: q1, value: "no"}}
"""

MINIMAL_DATA: dict[str, object] = {
    "id": "demo",
    "version": 1,
    "title": "Demo template",
    "audience": "learners",
    "framework": "eqf-2024",
    "sections": [
        {
            "id": "intro",
            "title": "Introduction",
            "questions": [
                {
                    "id": "q1",
                    "type": "yes_no_unsure",
                    "prompt": "Did you receive an induction?",
                    "standards": ["3.1"],
                },
                {
                    "id": "q2",
                    "type": "text",
                    "prompt": "What was missing?",
                    "show_if": {"equals": {"question": "q1", "value": "no"}},
                },
            ],
        }
    ],
}


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write text or bytes to a file in the test's folder and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def minimal_data() -> dict[str, object]:
    """A fresh copy of a small valid template as plain data."""
    return copy.deepcopy(MINIMAL_DATA)
