"""The CSV format of each intelligence source (documented in docs/intelligence.md).

A format lists its columns (name, parser, required or not), the columns that identify a row (its
natural key: the same key in a later file updates the row instead of adding one) and how parsed
values become an intelligence item's fields. Parsers raise ``ValueError`` with a message for a
person; the importer adds the file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from eqvisit.domain.enums import IntelligenceSource, NtsFlag

Parser = Callable[[str], Any]
Values = Mapping[str, Any]

NTS_TRAINEE_INDICATORS = (
    "Overall satisfaction",
    "Clinical supervision",
    "Clinical supervision out of hours",
    "Reporting systems",
    "Work load",
    "Teamwork",
    "Handover",
    "Supportive environment",
    "Induction",
    "Adequate experience",
    "Curriculum coverage",
    "Educational governance",
    "Educational supervision",
    "Feedback",
    "Local teaching",
    "Regional teaching",
    "Study leave",
    "Rota design",
)
NETS_THEMES = (
    "Induction",
    "Clinical supervision",
    "Facilities",
    "Learning opportunities",
    "Teamwork",
)
CQC_DOMAINS = ("Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led")
CQC_RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
CONCERN_SOURCES = ("learner", "ftsu", "guardian_of_safe_working", "regulator", "other")
CONCERN_STATUSES = ("open", "monitoring", "closed")
OUTCOME_KINDS = (
    "immediate_mandatory_requirement",
    "mandatory_requirement",
    "recommendation",
    "good_practice",
)
OUTCOME_STATUSES = ("open", "in_progress", "overdue", "closed")
_PERIOD = re.compile(r"^\d{4}(-\d{2})?$")


def text(max_length: int) -> Parser:
    def parse(raw: str) -> str:
        if len(raw) > max_length:
            raise ValueError(f"is {len(raw)} characters long; at most {max_length}")
        return raw

    return parse


def choice(allowed: tuple[str, ...]) -> Parser:
    """One of ``allowed``, matched ignoring case, spaces and hyphens vs underscores."""

    def key(value: str) -> str:
        return re.sub(r"[\s_]+", " ", value.strip().lower())

    lookup = {key(value): value for value in allowed}

    def parse(raw: str) -> str:
        found = lookup.get(key(raw))
        if found is None:
            raise ValueError(f"'{raw}' is not one of: {', '.join(allowed)}")
        return found

    return parse


def integer(minimum: int = 0) -> Parser:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"'{raw}' is not a whole number") from None
        if value < minimum:
            raise ValueError(f"{value} is below {minimum}")
        return value

    return parse


def number(low: float, high: float) -> Parser:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"'{raw}' is not a number") from None
        if not low <= value <= high:  # also refuses nan
            raise ValueError(f"{raw} is outside {low:g}–{high:g}")
        return value

    return parse


def iso_date(raw: str) -> str:
    try:
        return date.fromisoformat(raw).isoformat() if len(raw) == 10 else _bad_date(raw)
    except ValueError:
        return _bad_date(raw)


def _bad_date(raw: str) -> str:
    raise ValueError(f"'{raw}' is not a date in YYYY-MM-DD form")


def year(raw: str) -> str:
    if not (len(raw) == 4 and raw.isdigit() and 1990 <= int(raw) <= 2100):
        raise ValueError(f"'{raw}' is not a year (YYYY)")
    return raw


def period(raw: str) -> str:
    if not _PERIOD.match(raw):
        raise ValueError(f"'{raw}' is not a period (YYYY or YYYY-YY)")
    return raw


def ods_code(raw: str) -> str:
    code = raw.upper()
    if not (code.isascii() and code.isalnum() and len(code) <= 12):
        raise ValueError(f"'{raw}' is not an ODS code")
    return code


@dataclass(frozen=True)
class Column:
    name: str
    parse: Parser
    required: bool = True


@dataclass(frozen=True)
class SourceFormat:
    """``build`` turns parsed values into the item's fields; ``check`` raises
    ``(column, message)`` as :class:`RowProblem` for rules across columns."""

    source: IntelligenceSource
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    build: Callable[[Values], dict[str, Any]]
    check: Callable[[Values], None] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


class RowProblem(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _item(
    period_: str,
    indicator: str,
    dimensions: dict[str, Any],
    *,
    n: int | None = None,
    value: float | None = None,
    benchmark: float | None = None,
    flag: str | None = None,
    text_: str | None = None,
) -> dict[str, Any]:
    return {
        "period": period_,
        "indicator": indicator,
        "dimensions": dimensions,
        "n": n,
        "value": value,
        "benchmark": benchmark,
        "flag": flag,
        "text": text_,
    }


def _check_nts(v: Values) -> None:
    n, flag = v["n"], v["flag"]
    if n == 0 and flag != NtsFlag.NONE.value:
        raise RowProblem("flag", f"must be 'none' when n is 0, not '{flag}'")
    if 0 < n < 3 and flag != NtsFlag.GREY.value:
        raise RowProblem("flag", f"must be 'grey' when n is below 3, not '{flag}'")
    if n >= 3:
        if flag in (NtsFlag.GREY.value, NtsFlag.NONE.value):
            raise RowProblem("flag", f"'{flag}' is only for n below 3")
        if v["mean"] is None:
            raise RowProblem("mean", "is required when n is 3 or more")
    if v["survey"] == "trainee" and v["indicator"] not in NTS_TRAINEE_INDICATORS:
        raise RowProblem("indicator", f"'{v['indicator']}' is not a trainee indicator")


def _build_nts(v: Values) -> dict[str, Any]:
    return _item(
        v["year"],
        v["indicator"],
        {
            "survey": v["survey"],
            "programme": v["programme"],
            "level": v["level"],
            "ci_lower": v["ci_lower"],
            "ci_upper": v["ci_upper"],
            "benchmark_q1": v["benchmark_q1"],
            "benchmark_q3": v["benchmark_q3"],
        },
        n=v["n"],
        value=v["mean"],
        benchmark=v["benchmark_median"],
        flag=v["flag"],
    )


_flag = choice(tuple(f.value for f in NtsFlag))  # "light green" and "Light_Green" both match
_score = number(0, 100)


NTS = SourceFormat(
    IntelligenceSource.NTS,
    (
        Column("year", year),
        Column("ods_code", ods_code),
        Column("survey", choice(("trainee", "trainer"))),
        Column("programme", text(120)),
        Column("level", text(40), required=False),
        Column("indicator", text(120)),
        Column("n", integer()),
        Column("mean", _score, required=False),
        Column("ci_lower", _score, required=False),
        Column("ci_upper", _score, required=False),
        Column("benchmark_q1", _score, required=False),
        Column("benchmark_median", _score, required=False),
        Column("benchmark_q3", _score, required=False),
        Column("flag", _flag),
    ),
    key=("year", "ods_code", "survey", "programme", "level", "indicator"),
    build=_build_nts,
    check=_check_nts,
)


def _check_nets(v: Values) -> None:
    if v["n"] > 0 and v["percent_positive"] is None:
        raise RowProblem("percent_positive", "is required when n is above 0")


NETS = SourceFormat(
    IntelligenceSource.NETS,
    (
        Column("period", period),
        Column("ods_code", ods_code),
        Column("profession", text(80)),
        Column("theme", choice(NETS_THEMES)),
        Column("question", text(300)),
        Column("n", integer()),
        Column("percent_positive", _score, required=False),
    ),
    key=("period", "ods_code", "profession", "theme", "question"),
    build=lambda v: _item(
        v["period"],
        v["theme"],
        {"profession": v["profession"], "question": v["question"]},
        n=v["n"],
        value=v["percent_positive"],
    ),
    check=_check_nets,
)

CQC = SourceFormat(
    IntelligenceSource.CQC,
    (
        Column("ods_code", ods_code),
        Column("rating_date", iso_date),
        Column("domain", choice(CQC_DOMAINS)),
        Column("rating", choice(CQC_RATINGS)),
    ),
    key=("ods_code", "rating_date", "domain"),
    build=lambda v: _item(
        v["rating_date"],
        v["domain"],
        {"rating": v["rating"]},
        # Outstanding 4 … Inadequate 1, so ratings sort and compare.
        value=float(len(CQC_RATINGS) - CQC_RATINGS.index(v["rating"])),
        text_=v["rating"],
    ),
)

CONCERNS = SourceFormat(
    IntelligenceSource.CONCERN,
    (
        Column("reference", text(60)),
        Column("ods_code", ods_code),
        Column("raised_on", iso_date),
        Column("raised_by", choice(CONCERN_SOURCES)),
        Column("summary", text(2000)),
        Column("status", choice(CONCERN_STATUSES)),
    ),
    key=("reference",),
    build=lambda v: _item(
        v["raised_on"],
        v["raised_by"],
        {"reference": v["reference"], "status": v["status"]},
        text_=v["summary"],
    ),
)

OUTCOMES = SourceFormat(
    IntelligenceSource.OUTCOME,
    (
        Column("ods_code", ods_code),
        Column("visit_date", iso_date),
        Column("reference", text(12)),
        Column("kind", choice(OUTCOME_KINDS)),
        Column("text", text(4000)),
        Column("status", choice(OUTCOME_STATUSES)),
        Column("due_on", iso_date, required=False),
        Column("standard", text(20), required=False),
    ),
    key=("ods_code", "visit_date", "reference"),
    build=lambda v: _item(
        v["visit_date"],
        v["kind"],
        {
            "reference": v["reference"],
            "status": v["status"],
            "due_on": v["due_on"],
            "standard": v["standard"],
        },
        text_=v["text"],
    ),
)

FORMATS: dict[str, SourceFormat] = {f.source.value: f for f in (NTS, NETS, CQC, CONCERNS, OUTCOMES)}
