"""Report versions (insert-only) and the reads a report needs in one query each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from eqvisit.storage.models import (
    ActionItem,
    ActionStatusChange,
    Finding,
    IntelligenceItem,
    ReportVersion,
)

T = TypeVar("T")


def versions(session: Session, visit_id: str) -> Sequence[ReportVersion]:
    """Every issued version of the visit's report, newest first."""
    return session.scalars(
        select(ReportVersion)
        .where(ReportVersion.visit_id == visit_id)
        .order_by(ReportVersion.number.desc())
    ).all()


def get(session: Session, version_id: str) -> ReportVersion | None:
    return session.get(ReportVersion, version_id)


def next_number(session: Session, visit_id: str) -> int:
    highest = session.scalar(
        select(func.max(ReportVersion.number)).where(ReportVersion.visit_id == visit_id)
    )
    return (highest or 0) + 1


def add(session: Session, values: dict[str, Any]) -> None:
    """Insert one version (a Core insert: versions are never loaded back to be changed)."""
    session.execute(insert(cast(Table, ReportVersion.__table__)), [values])


def actions_for_visit(session: Session, visit_id: str) -> dict[str, list[ActionItem]]:
    """The live action items of the visit's findings, by finding id, oldest first."""
    rows = session.scalars(
        select(ActionItem)
        .join(Finding, Finding.id == ActionItem.finding_id)
        .where(Finding.visit_id == visit_id, ActionItem.deleted_at.is_(None))
        .order_by(ActionItem.created_at)
    ).all()
    return _grouped(rows, lambda action: action.finding_id)


def history_for_visit(session: Session, visit_id: str) -> dict[str, list[ActionStatusChange]]:
    """Status history of the visit's action items, by action id, in date order."""
    rows = session.scalars(
        select(ActionStatusChange)
        .join(ActionItem, ActionItem.id == ActionStatusChange.action_item_id)
        .join(Finding, Finding.id == ActionItem.finding_id)
        .where(Finding.visit_id == visit_id, ActionStatusChange.deleted_at.is_(None))
        .order_by(ActionStatusChange.changed_at)
    ).all()
    return _grouped(rows, lambda change: change.action_item_id)


def _grouped(rows: Sequence[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    grouped: dict[str, list[T]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


def flag_counts(session: Session, provider_id: str) -> list[tuple[str, int]]:
    """How many of the provider's survey results carry each outlier flag."""
    rows = session.execute(
        select(IntelligenceItem.flag, func.count())
        .where(
            IntelligenceItem.provider_id == provider_id,
            IntelligenceItem.deleted_at.is_(None),
            IntelligenceItem.flag.isnot(None),
        )
        .group_by(IntelligenceItem.flag)
    ).all()
    return [(str(flag), int(count)) for flag, count in rows]
