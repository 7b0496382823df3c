"""Writes a template as readable YAML that loads back to an equal template."""

from __future__ import annotations

import io
import re

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
)

from eqvisit.templates.schema import Template

# Words that YAML 1.1 readers (PyYAML, many editors) take for booleans or null; quoting them keeps
# a file meaning the same everywhere, although eqvisit itself reads YAML 1.2.
_AMBIGUOUS = frozenset({"yes", "no", "y", "n", "on", "off", "true", "false", "null", "~"})
#: Text written unquoted inside ``[...]``/``{...}``; anything else is double-quoted there.
_FLOW_SAFE = re.compile(r"[A-Za-z_][A-Za-z0-9_.+-]*")
#: Keys whose values are written on one line (``[...]``/``{...}``) to keep files short.
_FLOW_KEYS = frozenset({"standards", "show_if"})


#: Long text is written as a folded block (``>-``) with lines of about this many characters.
_FOLD_WIDTH = 88


def _folded(value: str) -> object:
    """``value`` as a folded block, broken only at single spaces between words (lossless)."""
    folds: list[int] = []
    line_start = 0
    last_space = -1
    for index, char in enumerate(value):
        if (
            char == " "
            and 0 < index < len(value) - 1
            and value[index - 1] not in " \t"
            and value[index + 1] not in " \t"
        ):
            last_space = index
        if index - line_start >= _FOLD_WIDTH and last_space > line_start:
            folds.append(last_space)
            line_start = last_space + 1
    if not folds:
        return value
    folded = FoldedScalarString(value)
    folded.fold_pos = folds
    return folded


def _scalar(value: object, flow: bool) -> object:
    if not isinstance(value, str):
        return value
    if flow:
        # ruamel's emitter leaves some plain scalars in flow style ambiguous (such as "?x"),
        # so anything but a simple word is quoted there.
        if not _FLOW_SAFE.fullmatch(value) or value.lower() in _AMBIGUOUS:
            return DoubleQuotedScalarString(value)
        return value
    if "\n" in value:
        return LiteralScalarString(value)
    if value.lower() in _AMBIGUOUS:
        return DoubleQuotedScalarString(value)
    if len(value) > _FOLD_WIDTH:
        return _folded(value)
    return value


def _node(value: object, flow: bool = False) -> object:
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            if key == "options" and isinstance(item, list):
                # One option per line, each written as {value: x, label: X}.
                mapping[key] = CommentedSeq(_node(option, flow=True) for option in item)
            else:
                mapping[key] = _node(item, flow or key in _FLOW_KEYS)
        if flow:
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list | tuple):
        sequence = CommentedSeq(_node(item, flow) for item in value)
        if flow:
            sequence.fa.set_flow_style()
        return sequence
    return _scalar(value, flow)


def dump_yaml(template: Template, header: str | None = None) -> str:
    """The YAML text of ``template`` (defaults left out); ``header`` becomes a leading comment."""
    plain = template.model_dump(mode="json", exclude_defaults=True)
    document = _node(plain)
    assert isinstance(document, CommentedMap)
    yaml = YAML(typ="rt", pure=True)
    yaml.width = 4096  # long text is folded by _folded, never wrapped by ruamel
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    if header:
        for line in header.splitlines():
            stream.write(f"# {line}".rstrip() + "\n")
    yaml.dump(document, stream)
    return stream.getvalue()
