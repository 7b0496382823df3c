"""Reference numbers for findings (IMR1, MR1, R1, GP1, AFI1), stable once issued.

A number is issued once and never reused within a visit, even if the finding it named is withdrawn
or deleted: reports and action plans quote these numbers, so reusing one would make an old PDF
point at the wrong requirement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from eqvisit.domain.enums import FindingKind
from eqvisit.errors import InvalidValue

PREFIXES: dict[FindingKind, str] = {
    FindingKind.IMMEDIATE_MANDATORY_REQUIREMENT: "IMR",
    FindingKind.MANDATORY_REQUIREMENT: "MR",
    FindingKind.RECOMMENDATION: "R",
    FindingKind.GOOD_PRACTICE: "GP",
    FindingKind.AREA_FOR_IMPROVEMENT: "AFI",
}

_REFERENCE = re.compile(r"^(IMR|MR|R|GP|AFI)([1-9][0-9]*)$")


def parse_reference(reference: str) -> tuple[str, int]:
    """Split ``"MR12"`` into ``("MR", 12)``; raise :class:`InvalidValue` for anything else."""
    match = _REFERENCE.match(reference)
    if match is None:
        raise InvalidValue("reference", f"'{reference}' is not a reference such as IMR1, MR2 or R3")
    return match.group(1), int(match.group(2))


def next_reference(kind: FindingKind, issued: Iterable[str]) -> str:
    """The next number for ``kind`` after every reference already issued in the visit."""
    prefix = PREFIXES[kind]
    highest = 0
    for reference in issued:
        ref_prefix, number = parse_reference(reference)
        if ref_prefix == prefix:
            highest = max(highest, number)
    return f"{prefix}{highest + 1}"
