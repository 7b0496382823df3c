"""docs/intelligence.md documents exactly the columns the importer reads, with valid examples."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from eqvisit.sync.server.importing.formats import FORMATS
from eqvisit.sync.server.importing.intelligence import _columns, _parse, _Problems

DOC = Path(__file__).resolve().parents[2] / "docs" / "intelligence.md"


def section(source: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"### `{source}`")
    end = text.find("\n### ", start + 1)
    return text[start : end if end != -1 else len(text)]


@pytest.mark.parametrize("source", FORMATS)
def test_the_documented_columns_are_the_formats(source: str) -> None:
    rows = re.findall(r"^\| (`[^|]+) \|", section(source), flags=re.MULTILINE)
    documented = [name for row in rows for name in re.findall(r"`([a-z_0-9]+)`", row)]
    assert documented == list(FORMATS[source].names)


@pytest.mark.parametrize("source", FORMATS)
def test_the_documented_example_is_valid(source: str) -> None:
    example = re.search(r"```csv\n(.*?)```", section(source), flags=re.DOTALL)
    assert example is not None
    header, *rows = list(csv.reader(example.group(1).splitlines()))
    fmt = FORMATS[source]
    positions = _columns(header, fmt, "example")
    problems = _Problems("example")
    parsed = [_parse(fmt, positions, row, line, problems) for line, row in enumerate(rows, 2)]
    assert problems.found == []
    assert rows and all(values is not None for values in parsed)
