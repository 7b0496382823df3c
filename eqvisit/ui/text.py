"""How domain values read on screen."""

from __future__ import annotations

from enum import StrEnum


def label(value: StrEnum) -> str:
    """An enum value as words: ``report_draft`` → ``Report draft``."""
    return value.value.replace("_", " ").capitalize()
