"""Import tests run against the sync tests' real central store (SQLite file and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eqvisit.sync.server.models import ChangeLogEntry, ServerRecord
from tests.sync.conftest import Central, central, central_url, laptop  # noqa: F401 fixtures

ETR = Path(__file__).resolve().parents[2] / "resources" / "data" / "ods" / "etr.csv"


def store_digest(store: Central) -> tuple[int, int, str]:
    """Change-log length, record count and a hash over every record's merged state."""
    with Session(store.engine) as session:
        log_rows = session.scalar(select(func.count()).select_from(ChangeLogEntry)) or 0
        digest = hashlib.sha256()
        records = 0
        for record_type, record_id, state in session.execute(
            select(ServerRecord.record_type, ServerRecord.record_id, ServerRecord.state).order_by(
                ServerRecord.record_type, ServerRecord.record_id
            )
        ):
            records += 1
            digest.update(f"{record_type}/{record_id}/".encode())
            digest.update(json.dumps(state, sort_keys=True).encode())
    return log_rows, records, digest.hexdigest()


def ods_row(
    code: str,
    name: str,
    *,
    region: str = "Y56",
    icb: str = "QMJ",
    postcode: str = "N1 1AA",
    opened: str = "20200101",
    closed: str = "",
    status: str = "",
    parent: str = "",
    setting: str = "",
    fields: int = 27,
    quoted: bool = True,
) -> str:
    """One row in the ODS positional layout (27 fields, or the older 24)."""
    values = [code, name, region, icb, "1 HIGH STREET", "", "", "LONDON", "", postcode]
    values += [opened, closed, status, "", parent, "", "", "020 7946 0000"]
    values += [""] * (fields - len(values))
    if fields == 27:
        values[25] = setting
    if quoted:
        return ",".join(f'"{v}"' for v in values)
    return ",".join(values)


def write_lines(path: Path, lines: Sequence[str], *, newline: str = "\n") -> Path:
    path.write_text("".join(line + newline for line in lines), encoding="utf-8", newline="")
    return path
