"""Providers and sites: lookup, full-text search (FTS5) and bulk upsert."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Row,
    Select,
    String,
    Table,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    type_coerce,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session

from eqvisit.domain.enums import NtsFlag
from eqvisit.domain.provider_filter import ProviderFilter
from eqvisit.storage.models import IntelligenceItem, Provider

_TOKEN = re.compile(r"\w+", re.UNICODE)
_SEARCH = table("provider_search", column("rowid"))
_PROVIDER_ROWID: ColumnClause[int] = literal_column("providers.rowid")
# Red flags are counted from the partial index of red flags alone (ix_intelligence_red_flags),
# whose condition is written here as the same literal. Intelligence is replaced by import rather
# than deleted, so a tombstoned red result is rare enough not to pay for checking ``deleted_at``
# (a row lookup per flag) on every keystroke.
RED_FLAG = IntelligenceItem.flag == literal_column(f"'{NtsFlag.RED.value}'")


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


SEARCH_COLUMNS = (
    Provider.id,
    Provider.ods_code,
    Provider.name,
    Provider.kind,
    Provider.region_code,
    Provider.icb_code,
    Provider.postcode,
    Provider.status,
)


# A match of at least this many providers is "broad" (a letter or two typed): the list is then
# read in name order off the name index, testing each row against the matches, and stops at
# ``limit``; a narrower match is fetched whole and sorted. Either plan alone was slow for the
# other kind of search (a one-letter prefix sorted ~20,000 rows; three words walked 30,000).
BROAD_MATCHES = 2_000

_Select = TypeVar("_Select", bound=Select[*tuple[Any, ...]])


def search(
    session: Session,
    query: str,
    narrowed: ProviderFilter = ProviderFilter(),
    *,
    limit: int = 200,
    broad_at: int = BROAD_MATCHES,
) -> Sequence[Row[Any]]:
    """Providers matching every word of ``query`` (name, ODS code, postcode, region, ICB).

    Rows of the list columns plus ``red_flags``, first ``limit`` by name (then by row, so ties
    come out the same whichever plan runs). Only those columns go through the sort, and red
    flags are counted for the rows kept, not for every match: this runs on each keystroke at
    30,000 providers and a million intelligence rows.
    """
    match = fts_query(query)
    statement = select(*SEARCH_COLUMNS, _PROVIDER_ROWID.label("row_order")).where(
        Provider.deleted_at.is_(None)
    )
    walk_names = True
    if match is not None:
        walk_names = _matches_at_least(session, match, broad_at)
        matching = select(_SEARCH.c.rowid).where(
            text("provider_search MATCH :match").bindparams(match=match)
        )
        code = query.strip().upper()
        if walk_names:
            # Wrapped so SQLite cannot look the matches up by rowid and the code by its index
            # (and then sort them all): it walks the name index and tests each row instead.
            matched = (_PROVIDER_ROWID + 0).in_(matching)
            same_code = type_coerce(Provider.ods_code, String()).concat("") == code
        else:
            matched, same_code = _PROVIDER_ROWID.in_(matching), Provider.ods_code == code
        statement = statement.where(or_(matched, same_code))
    statement = _narrowed(statement, narrowed, indexed=walk_names)
    # ``|| ''`` keeps SQLite from walking the name index when the matches are few.
    order = Provider.name if walk_names else Provider.name.concat("")
    page = statement.order_by(order, _PROVIDER_ROWID).limit(limit).subquery("page")
    red_flags = (
        select(func.count())
        .where(IntelligenceItem.provider_id == page.c.id, RED_FLAG)
        .scalar_subquery()
        .label("red_flags")
    )
    return session.execute(select(page, red_flags).order_by(page.c.name, page.c.row_order)).all()


def _matches_at_least(session: Session, match: str, count: int) -> bool:
    """Whether ``match`` finds ``count`` providers or more; reads no further than that."""
    first = (
        select(_SEARCH.c.rowid)
        .where(text("provider_search MATCH :match").bindparams(match=match))
        .limit(count)
        .subquery()
    )
    return (session.scalar(select(func.count()).select_from(first)) or 0) >= count


def _narrowed(statement: _Select, narrowed: ProviderFilter, *, indexed: bool) -> _Select:
    """``statement`` with the filters. Where a few matches drive the query, the filter columns
    are wrapped (``|| ''``) so SQLite tests them per match rather than scanning every provider
    of a kind or region through its index and probing the matches (30 ms for "leeds" among
    GP practices)."""

    def column(attribute: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
        if indexed:
            return attribute.expression
        return type_coerce(attribute, String()).concat("")

    if narrowed.kinds:
        kinds = [kind.value for kind in narrowed.kinds]
        statement = statement.where(column(Provider.kind).in_(kinds))
    if narrowed.region_code:
        statement = statement.where(column(Provider.region_code) == narrowed.region_code)
    if narrowed.icb_code:
        statement = statement.where(column(Provider.icb_code) == narrowed.icb_code)
    if narrowed.status is not None:
        statement = statement.where(column(Provider.status) == narrowed.status.value)
    if narrowed.red_flags_only:
        statement = statement.where(
            exists().where(IntelligenceItem.provider_id == Provider.id, RED_FLAG)
        )
    return statement


def distinct_codes(session: Session) -> tuple[list[str], list[str]]:
    """The region codes and ICB codes of live providers, sorted (for filter choices)."""
    return _distinct(session, Provider.region_code), _distinct(session, Provider.icb_code)


def _distinct(session: Session, code: InstrumentedAttribute[str | None]) -> list[str]:
    values = session.scalars(
        select(code)
        .where(code.is_not(None), Provider.deleted_at.is_(None))
        .distinct()
        .order_by(code)
    ).all()
    return [v for v in values if v]


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
        .where(RED_FLAG)
        .group_by(IntelligenceItem.provider_id)
    )
    return dict(rows.all())


def sites_of(session: Session, parent_code: str) -> Sequence[Provider]:
    return session.scalars(
        select(Provider)
        .where(Provider.parent_code == parent_code, Provider.deleted_at.is_(None))
        .order_by(Provider.name)
    ).all()
