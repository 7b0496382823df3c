"""Providers and sites: lookup, full-text search (FTS5) and bulk upsert."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnClause,
    Table,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from eqvisit.domain.enums import NtsFlag, OrgStatus, ProviderKind
from eqvisit.storage.models import IntelligenceItem, Provider

_TOKEN = re.compile(r"\w+", re.UNICODE)
_SEARCH = table("provider_search", column("rowid"))
_PROVIDER_ROWID: ColumnClause[int] = literal_column("providers.rowid")


def get(session: Session, provider_id: str) -> Provider | None:
    return session.get(Provider, provider_id)


def get_by_code(session: Session, ods_code: str) -> Provider | None:
    return session.scalar(select(Provider).where(Provider.ods_code == ods_code.upper()))


def ids_by_code(session: Session, codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted({c.upper() for c in codes})
    result: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(
            select(Provider.ods_code, Provider.id).where(Provider.ods_code.in_(chunk))
        )
        result.update(rows.all())
    return result


def fts_query(user_text: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query: every word as a quoted prefix."""
    tokens = _TOKEN.findall(user_text)
    if not tokens:
        return None
    return " ".join(f'"{token}"*' for token in tokens)


@dataclass(frozen=True)
class ProviderFilter:
    """What the provider list is narrowed to, besides the words typed (empty means any)."""

    kinds: Sequence[ProviderKind] = ()
    region_code: str | None = None
    icb_code: str | None = None
    status: OrgStatus | None = None
    red_flags_only: bool = False


def search(
    session: Session,
    query: str,
    narrowed: ProviderFilter = ProviderFilter(),
    *,
    limit: int = 200,
) -> Sequence[Provider]:
    """Providers matching every word of ``query`` (name, ODS code, postcode, region, ICB)."""
    statement = select(Provider).where(Provider.deleted_at.is_(None))
    match = fts_query(query)
    if match is not None:
        matching = select(_SEARCH.c.rowid).where(
            text("provider_search MATCH :match").bindparams(match=match)
        )
        statement = statement.where(
            or_(_PROVIDER_ROWID.in_(matching), Provider.ods_code == query.strip().upper())
        )
    if narrowed.kinds:
        statement = statement.where(Provider.kind.in_(list(narrowed.kinds)))
    if narrowed.region_code:
        statement = statement.where(Provider.region_code == narrowed.region_code)
    if narrowed.icb_code:
        statement = statement.where(Provider.icb_code == narrowed.icb_code)
    if narrowed.status is not None:
        statement = statement.where(Provider.status == narrowed.status)
    if narrowed.red_flags_only:
        statement = statement.where(
            exists().where(
                IntelligenceItem.provider_id == Provider.id,
                IntelligenceItem.flag == NtsFlag.RED,
                IntelligenceItem.deleted_at.is_(None),
            )
        )
    statement = statement.order_by(Provider.name).limit(limit)
    return session.scalars(statement).all()


def distinct_codes(session: Session) -> tuple[list[str], list[str]]:
    """The region codes and ICB codes of live providers, sorted (for filter choices)."""
    regions = session.scalars(
        select(Provider.region_code)
        .where(Provider.region_code.is_not(None), Provider.deleted_at.is_(None))
        .distinct()
        .order_by(Provider.region_code)
    ).all()
    icbs = session.scalars(
        select(Provider.icb_code)
        .where(Provider.icb_code.is_not(None), Provider.deleted_at.is_(None))
        .distinct()
        .order_by(Provider.icb_code)
    ).all()
    return [r for r in regions if r], [i for i in icbs if i]


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Provider)) or 0


def upsert_many(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert providers, or update them in place by ODS code (the local store is SQLite)."""
    if not rows:
        return
    statement = sqlite_insert(cast(Table, Provider.__table__))
    updatable = [k for k in rows[0] if k not in ("id", "ods_code", "created_at")]
    statement = statement.on_conflict_do_update(
        index_elements=["ods_code"], set_={k: statement.excluded[k] for k in updatable}
    )
    session.execute(statement, list(rows))


def red_flag_counts(session: Session, provider_ids: Sequence[str]) -> dict[str, int]:
    if not provider_ids:
        return {}
    rows = session.execute(
        select(IntelligenceItem.provider_id, func.count())
        .where(IntelligenceItem.provider_id.in_(list(provider_ids)))
        .where(IntelligenceItem.flag == NtsFlag.RED, IntelligenceItem.deleted_at.is_(None))
        .group_by(IntelligenceItem.provider_id)
    )
    return dict(rows.all())


def sites_of(session: Session, parent_code: str) -> Sequence[Provider]:
    return session.scalars(
        select(Provider)
        .where(Provider.parent_code == parent_code, Provider.deleted_at.is_(None))
        .order_by(Provider.name)
    ).all()
