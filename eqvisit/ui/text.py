"""How domain values read on screen."""

from __future__ import annotations

from enum import StrEnum


def label(value: StrEnum) -> str:
    """An enum value as words: ``report_draft`` → ``Report draft``."""
    return value.value.replace("_", " ").capitalize()


SOURCE_NAMES = {
    "nts": "NTS",
    "nets": "NETS",
    "cqc": "CQC",
    "concerns": "Concerns",
    "outcomes": "Earlier visit outcomes",
    "attrition": "Attrition",
    "self_assessment": "Self-assessment",
}


def source_label(source: StrEnum) -> str:
    """An intelligence source as people name it (``nts`` → ``NTS``)."""
    return SOURCE_NAMES.get(source.value, label(source))
