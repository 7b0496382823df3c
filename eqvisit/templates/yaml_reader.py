"""Reads a YAML file defensively into plain data, remembering the line of every key and item."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.parser import RoundTripParser

from eqvisit.errors import TemplateError
from eqvisit.templates.limits import MAX_NESTING, MAX_NODES, MAX_YAML_BYTES
from eqvisit.templates.problems import Loc, format_loc

#: Plain data as read from YAML: dicts with text keys, lists, str, int, float, bool, None.
PlainData = object


@dataclass(frozen=True)
class YamlDocument:
    """The plain data of a document and the 1-based line of each path in it."""

    source: str
    data: PlainData
    lines: dict[Loc, int]


class LineLocator:
    """Locates a path by the line of the deepest part of it that exists in the document."""

    def __init__(self, source: str, lines: dict[Loc, int]) -> None:
        self.source = source
        self.lines = lines

    def line_of(self, loc: Loc) -> int | None:
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return None

    def error(self, loc: Loc, message: str) -> TemplateError:
        return TemplateError(
            self.source, message, line=self.line_of(loc), field=format_loc(loc) or None
        )


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"


def read_bytes(path: Path, source: str, limit: int) -> bytes:
    """The bytes of ``path``, refusing files over ``limit`` before reading them whole."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise TemplateError(source, "no such file") from None
    except IsADirectoryError:
        raise TemplateError(source, "is a folder, not a file") from None
    except OSError as exc:
        raise TemplateError(source, f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise TemplateError(
            source, f"the file is larger than the limit of {_human_size(limit)}; it was not read"
        )
    return data


def decode_utf8(data: bytes, source: str) -> str:
    """UTF-8 text (an optional byte-order mark is dropped); other encodings are refused."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TemplateError(
            source,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
            line=line,
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise TemplateError(source, "contains NUL bytes; it is not a text file", line=line)
    return text


def _parse_error(source: str, exc: Exception) -> TemplateError:
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line = None if mark is None else mark.line + 1
        return TemplateError(source, f"invalid YAML: {problem}", line=line)
    if isinstance(exc, YAMLError):
        first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        return TemplateError(source, f"invalid YAML: {first}")
    if isinstance(exc, RecursionError):
        return TemplateError(source, "invalid YAML: nesting is far too deep")
    return TemplateError(source, f"invalid YAML: {type(exc).__name__}: {exc}")


def _key_line(node: CommentedMap, key: object, default: int) -> int:
    try:
        return int(node.lc.key(key)[0]) + 1
    except (KeyError, TypeError, AttributeError):  # keys brought in by a merge (<<) have no mark
        return default


class _Converter:
    """Copies ruamel's round-trip nodes into plain data with limits on depth and size."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: dict[Loc, int] = {}
        self.nodes = 0

    def convert(self, node: object, loc: Loc, line: int) -> PlainData:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise TemplateError(
                self.source,
                f"the document has more than {MAX_NODES} values (are aliases expanding it?)",
                line=line,
            )
        if len(loc) > MAX_NESTING:
            raise TemplateError(
                self.source,
                f"nesting is deeper than {MAX_NESTING} levels",
                line=line,
                field=format_loc(loc),
            )
        if isinstance(node, CommentedMap):
            return self._mapping(node, loc, line)
        if isinstance(node, CommentedSeq):
            return self._sequence(node, loc)
        return self._scalar(node, loc, line)

    def _mapping(self, node: CommentedMap, loc: Loc, line: int) -> PlainData:
        result: dict[str, PlainData] = {}
        for key, value in node.items():
            key_line = _key_line(node, key, line)
            if not isinstance(key, str):
                raise TemplateError(
                    self.source,
                    f"keys must be text, found {key!r}",
                    line=key_line,
                    field=format_loc(loc) or None,
                )
            child: Loc = (*loc, str(key))
            self.lines.setdefault(child, key_line)
            result[str(key)] = self.convert(value, child, key_line)
        return result

    def _sequence(self, node: CommentedSeq, loc: Loc) -> PlainData:
        result: list[PlainData] = []
        for index, value in enumerate(node):
            item_line = node.lc.item(index)[0] + 1
            child: Loc = (*loc, index)
            self.lines.setdefault(child, item_line)
            result.append(self.convert(value, child, item_line))
        return result

    def _scalar(self, node: object, loc: Loc, line: int) -> PlainData:
        if node is None or isinstance(node, bool):
            return node
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return float(node)
        if isinstance(node, str):
            return str(node)
        if isinstance(node, dt.date):
            return node.isoformat()
        tag = getattr(getattr(node, "tag", None), "value", None)
        described = f"tag {tag}" if tag else type(node).__name__
        raise TemplateError(
            self.source,
            f"unsupported YAML value ({described}); use plain text, numbers, lists and mappings",
            line=line,
            field=format_loc(loc) or None,
        )


class _ShapeError(Exception):
    """Raised from inside the parser when a document is too deep or too big."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _GuardedParser(RoundTripParser):
    """ruamel's round-trip parser, refusing deep nesting and huge documents as events are read.

    Events are produced lazily, so a hostile document is abandoned early: after a few dozen levels
    of nesting (ruamel's composer recurses, and its scanner slows sharply with flow depth) or
    after :data:`MAX_NODES` events (ruamel parses about 100 KB a second).
    """

    def __init__(self, loader: Any) -> None:
        super().__init__(loader)
        self._depth = 0
        self._events = 0

    def get_event(self) -> Any:
        event = super().get_event()
        self._events += 1
        if self._events > MAX_NODES:
            raise _ShapeError(
                f"the document has more than {MAX_NODES} values; a template needs far fewer",
                _line_of(event),
            )
        if isinstance(event, CollectionStartEvent):
            self._depth += 1
            if self._depth > MAX_NESTING:
                raise _ShapeError(f"nesting is deeper than {MAX_NESTING} levels", _line_of(event))
        elif isinstance(event, CollectionEndEvent):
            self._depth -= 1
        return event


def _line_of(event: Any) -> int | None:
    mark = getattr(event, "start_mark", None)
    return None if mark is None else int(mark.line) + 1


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse one YAML document into plain data and line numbers; any failure is a TemplateError."""
    yaml = YAML(typ="rt", pure=True)
    yaml.Parser = _GuardedParser
    try:
        raw = yaml.load(text)
    except _ShapeError as exc:
        raise TemplateError(source, exc.message, line=exc.line) from None
    except Exception as exc:  # ruamel raises many types for hostile input; all are the author's
        raise _parse_error(source, exc) from None
    converter = _Converter(source)
    converter.lines[()] = 1
    try:
        data = converter.convert(raw, (), 1)
    except RecursionError:
        raise TemplateError(source, "nesting is far too deep") from None
    return YamlDocument(source=source, data=data, lines=converter.lines)


def load_yaml_file(path: Path, source: str | None = None) -> YamlDocument:
    """Read, decode and parse ``path`` within :data:`MAX_YAML_BYTES`."""
    name = str(path) if source is None else source
    text = decode_utf8(read_bytes(path, name, MAX_YAML_BYTES), name)
    return parse_yaml(text, name)
