"""The providers the central store already holds, by ODS code (imports look rows up here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eqvisit.sync.server.models import ServerRecord


@dataclass(frozen=True)
class KnownProvider:
    record_id: str
    values: dict[str, Any]


def provider_index(session: Session) -> dict[str, KnownProvider]:
    """Every provider record's current values, keyed by upper-case ODS code (one query)."""
    index: dict[str, KnownProvider] = {}
    rows = session.execute(
        select(ServerRecord.record_id, ServerRecord.state).where(
            ServerRecord.record_type == "providers"
        )
    )
    for record_id, state in rows:
        values = {name: entry["value"] for name, entry in state.items()}
        code = values.get("ods_code")
        if code:
            index[str(code).upper()] = KnownProvider(record_id, values)
    return index
