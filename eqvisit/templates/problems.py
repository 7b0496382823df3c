"""Located template problems: paths inside a template, and the errors that collect them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from eqvisit.errors import TemplateError

#: A path inside a template document, e.g. ``("sections", 0, "questions", 2, "prompt")``.
Loc = tuple[str | int, ...]


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def format_loc(loc: Loc) -> str:
    """Render a path as ``sections[0].questions[2].prompt`` (empty for the document itself).

    Keys that are not plain words (an author's typo may hold spaces or control characters) are
    quoted, ``sections[0]['my key']``, so the path always stays on one line.
    """
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(part):
            text += f"[{part!r}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a template, at a path; a :class:`Locator` turns it into an error."""

    loc: Loc
    message: str


class Locator(Protocol):
    """Turns a path inside the template document into an error that names file, place and field."""

    def error(self, loc: Loc, message: str) -> TemplateError: ...


class TemplateValidationError(TemplateError):
    """Several problems found in one template; ``str()`` gives one ``FILE:LINE: field: what`` each.

    ``source``, ``line``, ``field`` and ``detail`` are those of the first problem, so code that
    handles a plain :class:`TemplateError` still shows something precise.
    """

    def __init__(self, problems: Sequence[TemplateError]) -> None:
        if not problems:
            raise ValueError("TemplateValidationError needs at least one problem")
        first = problems[0]
        super().__init__(first.source, first.detail, line=first.line, field=first.field)
        self.problems: list[TemplateError] = list(problems)
        self.args = ("\n".join(str(problem) for problem in self.problems),)


def problems_of(error: TemplateError) -> list[TemplateError]:
    """The individual problems inside ``error`` (itself when it holds just one)."""
    if isinstance(error, TemplateValidationError):
        return list(error.problems)
    return [error]


class XlsxCellError(TemplateError):
    """A problem in a workbook, located as ``FILE:SHEET!CELL: column: what is wrong``.

    ``cell`` is an A1 reference (``F12``), a row reference (``12:12``) when no single cell is at
    fault, or empty for the sheet as a whole. ``line`` holds the row number when there is one.
    """

    def __init__(
        self,
        source: str,
        message: str,
        *,
        sheet: str,
        row: int | None = None,
        column: str | None = None,
        column_letter: str | None = None,
    ) -> None:
        super().__init__(source, message, line=row, field=column)
        self.sheet = sheet
        self.row = row
        self.column = column
        if row is None:
            self.cell = ""
        elif column_letter is None:
            self.cell = f"{row}:{row}"
        else:
            self.cell = f"{column_letter}{row}"
        where = f"{source}:{sheet}!{self.cell}" if self.cell else f"{source}:{sheet}"
        what = message if column is None else f"{column}: {message}"
        self.args = (f"{where}: {what}",)


class UnlocatedLocator:
    """Locator for templates that come from no file (a stored body): the field path only."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, loc: Loc, message: str) -> TemplateError:
        return TemplateError(self.source, message, field=format_loc(loc) or None)


def raise_problems(problems: Sequence[Problem], locator: Locator) -> None:
    """Raise a :class:`TemplateValidationError` for ``problems`` if there are any."""
    if problems:
        raise TemplateValidationError([locator.error(p.loc, p.message) for p in problems])
