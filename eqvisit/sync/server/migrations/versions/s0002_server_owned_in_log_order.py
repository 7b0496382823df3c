"""scopes the central store owns read in log order

From this revision the central store stamps every write to a scope it owns (``reference``,
``provider:<id>``) after every stamp the record holds, so a record's state there is always the
last write of each field in log order, and laptops apply those scopes in log order, holding no
stamps of their own (docs/sync.md). Before it, a write stamped by a clock behind the store's (an
import run elsewhere, an administrator's laptop) could lose the merge although logged later.

For each such record whose log, replayed in order, ends at other values than its merged state,
this appends one change written by the server that sets the diverging fields to their merged
values, stamped after the record's stamps: afterwards every record of those scopes replays in
log order to its state. Records written once (nearly all) are not read.

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-07 23:50:00.000000
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None

SERVER_DEVICE = "server"
_KEYS_PER_READ = 200
_MISSING = object()

log_table = sa.table(
    "sv_change_log",
    sa.column("seq", sa.BigInteger),
    sa.column("change_id", sa.String),
    sa.column("record_type", sa.String),
    sa.column("record_id", sa.String),
    sa.column("scope", sa.String),
    sa.column("fields", sa.JSON),
    sa.column("base", sa.JSON),
    sa.column("hlc", sa.String),
    sa.column("author_id", sa.String),
    sa.column("device_id", sa.String),
    sa.column("received_at", sa.DateTime(timezone=True)),
)
_OWNED = sa.or_(log_table.c.scope == "reference", log_table.c.scope.like("provider:%"))
records_table = sa.table(
    "sv_records",
    sa.column("record_type", sa.String),
    sa.column("record_id", sa.String),
    sa.column("scope", sa.String),
    sa.column("state", sa.JSON),
)


def upgrade() -> None:
    bind = op.get_bind()
    owned = sa.select(log_table.c.record_type, log_table.c.record_id).where(_OWNED)
    keys = bind.execute(
        owned.group_by(log_table.c.record_type, log_table.c.record_id).having(
            sa.func.count() > 1
        )
    ).all()
    last = (0, 0)
    for start in range(0, len(keys), _KEYS_PER_READ):
        chunk = [(t, i) for t, i in keys[start : start + _KEYS_PER_READ]]
        for record_type, record_id, scope, state, replayed in _replays(bind, chunk):
            diverging = {
                name: entry
                for name, entry in state.items()
                if replayed.get(name, _MISSING) != entry["value"]
            }
            if diverging:
                last = _reassert(bind, record_type, record_id, scope, state, diverging, last)


def _replays(
    bind: sa.Connection, keys: list[tuple[str, str]]
) -> list[tuple[str, str, str, dict[str, Any], dict[str, Any]]]:
    """Each record's merged state beside its log replayed in order, last write of a field wins."""
    types = sorted({t for t, _ in keys})
    ids = sorted({i for _, i in keys})
    entries = bind.execute(
        sa.select(log_table.c.record_type, log_table.c.record_id, log_table.c.fields)
        .where(log_table.c.record_type.in_(types), log_table.c.record_id.in_(ids))
        .order_by(log_table.c.seq)
    ).all()
    replayed: dict[tuple[str, str], dict[str, Any]] = {}
    for record_type, record_id, fields in entries:
        replayed.setdefault((record_type, record_id), {}).update(_json(fields))
    states = bind.execute(
        sa.select(
            records_table.c.record_type,
            records_table.c.record_id,
            records_table.c.scope,
            records_table.c.state,
        ).where(records_table.c.record_type.in_(types), records_table.c.record_id.in_(ids))
    ).all()
    wanted = set(keys)
    return [
        (t, i, scope, _json(state), replayed.get((t, i), {}))
        for t, i, scope, state in states
        if (t, i) in wanted
    ]


def _reassert(
    bind: sa.Connection,
    record_type: str,
    record_id: str,
    scope: str,
    state: dict[str, Any],
    diverging: dict[str, Any],
    last: tuple[int, int],
) -> tuple[int, int]:
    newest = max([last, *(_parse(entry["hlc"]) for entry in state.values())])
    wall = time.time_ns() // 1_000_000
    stamp = (wall, 0) if wall > newest[0] else (newest[0], newest[1] + 1)
    hlc = f"{stamp[0]:016d}-{stamp[1]:05d}"
    change_id = str(uuid.uuid4())
    bind.execute(
        sa.insert(log_table).values(
            change_id=change_id,
            record_type=record_type,
            record_id=record_id,
            scope=scope,
            fields={name: entry["value"] for name, entry in diverging.items()},
            base={name: entry["hlc"] for name, entry in diverging.items()},
            hlc=hlc,
            author_id=None,
            device_id=SERVER_DEVICE,
            received_at=datetime.now(UTC),
        )
    )
    for name, entry in diverging.items():
        state[name] = {
            **entry,
            "hlc": hlc,
            "device_id": SERVER_DEVICE,
            "author_id": None,
            "base": entry["hlc"],
            "change_id": change_id,
        }
    bind.execute(
        sa.update(records_table)
        .where(
            records_table.c.record_type == record_type, records_table.c.record_id == record_id
        )
        .values(state=state)
    )
    return stamp


def _parse(hlc: str) -> tuple[int, int]:
    wall, counter = hlc.split("-")
    return int(wall), int(counter)


def _json(value: Any) -> Any:
    """A JSON column as read by a plain select: text on SQLite, already decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def downgrade() -> None:
    """Nothing to undo: the appended changes are ordinary server writes."""
