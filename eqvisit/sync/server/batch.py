"""The records and change-log entries one write transaction touches, held in memory and written
by Core statements: a few multi-row statements per push instead of an ORM unit of work.

A push merges each change into its record in memory and queues the entry and the record here;
:meth:`WriteBatch.write` sends what is queued — the log entries numbered in the order they were
queued and inserted at once (``executemany`` on SQLite, ``COPY`` on PostgreSQL), new records
likewise, changed ones in one ``executemany`` update, the membership index — and can run more
than once in a transaction, so
a check that must read the database (a role, a finding's number) first writes what came before
it in the batch. Nothing here checks permissions: :mod:`eqvisit.sync.server.exchange` does.

The ORM session stays the transaction's one connection. The records and memberships it holds
are expired after each write, so its reads (:func:`~eqvisit.sync.server.access.role_in_scope`,
the admin commands) see what was written here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from eqvisit.storage.bulk import insert_rows
from eqvisit.sync.server.models import ChangeLogEntry, Membership, ServerRecord

LOG = cast(Table, ChangeLogEntry.__table__)
RECORDS = cast(Table, ServerRecord.__table__)
MEMBERSHIPS = cast(Table, Membership.__table__)
_CHUNK = 400  # keys per ``IN`` list: well inside every driver's limit on bound parameters

# Statements built once: building one costs more than running it on a small batch.
_LOGGED = select(LOG.c.change_id, LOG.c.seq, LOG.c.hlc, LOG.c.fields).where(
    LOG.c.change_id.in_(bindparam("change_ids", expanding=True))
)
# Types × ids (a few types, so a handful of rows more at most, dropped in Python): one plain
# index lookup per pair, where a row-value IN costs more to compile than to run.
_RECORDS = select(
    RECORDS.c.record_type,
    RECORDS.c.record_id,
    RECORDS.c.scope,
    RECORDS.c.created_by,
    RECORDS.c.state,
).where(
    RECORDS.c.record_type.in_(bindparam("types", expanding=True)),
    RECORDS.c.record_id.in_(bindparam("ids", expanding=True)),
)
_MEMBERSHIPS = select(
    MEMBERSHIPS.c.user_id, MEMBERSHIPS.c.scope, MEMBERSHIPS.c.panel_role, MEMBERSHIPS.c.active
).where(
    MEMBERSHIPS.c.user_id.in_(bindparam("users", expanding=True)),
    MEMBERSHIPS.c.scope.in_(bindparam("scopes", expanding=True)),
)
_TOP_SEQ = select(func.coalesce(func.max(LOG.c.seq), 0))
_NEXT_SEQS = select(func.nextval(func.pg_get_serial_sequence(LOG.name, "seq"))).select_from(
    func.generate_series(1, bindparam("count"))
)
_UPDATE_STATE = (
    update(RECORDS)
    .where(
        RECORDS.c.record_type == bindparam("key_type"),
        RECORDS.c.record_id == bindparam("key_id"),
    )
    .values(state=bindparam("new_state", type_=RECORDS.c.state.type))
)
# PostgreSQL only, what _LOGGED, _RECORDS and _MEMBERSHIPS read, in one statement (each set of
# rows as a JSON array of arrays); every value is bound.
_READ_ALL = text(
    """
    SELECT
        (
            SELECT coalesce(json_agg(json_build_array(change_id, seq, hlc, fields)), '[]')
            FROM sv_change_log WHERE change_id = ANY(CAST(:change_ids AS text[]))
        ),
        (
            SELECT coalesce(
                json_agg(json_build_array(record_type, record_id, scope, created_by, state)), '[]'
            )
            FROM sv_records
            WHERE record_type = ANY(CAST(:types AS text[]))
                AND record_id = ANY(CAST(:ids AS text[]))
        ),
        (
            SELECT coalesce(json_agg(json_build_array(user_id, scope, panel_role, active)), '[]')
            FROM sv_memberships
            WHERE user_id = ANY(CAST(:users AS text[])) AND scope = ANY(CAST(:scopes AS text[]))
        ),
        (
            SELECT coalesce(json_agg(nextval(pg_get_serial_sequence('sv_change_log', 'seq'))), '[]')
            FROM generate_series(1, :count)
        )
    """
)
# PostgreSQL only. Every value is bound (each set of rows as one JSON text); the columns are
# those of models.ChangeLogEntry and models.ServerRecord.
_WRITE_ALL = text(
    """
    WITH logged AS (
        INSERT INTO sv_change_log (
            seq, change_id, record_type, record_id, scope, fields, base, hlc, author_id,
            device_id, received_at
        )
        SELECT
            seq, change_id, record_type, record_id, scope, fields, base, hlc, author_id,
            device_id, received_at
        FROM json_populate_recordset(NULL::sv_change_log, CAST(:log AS json))
    ), created AS (
        INSERT INTO sv_records (record_type, record_id, scope, created_by, state)
        SELECT record_type, record_id, scope, created_by, state
        FROM json_populate_recordset(NULL::sv_records, CAST(:created AS json))
    )
    UPDATE sv_records SET state = changed.state
    FROM json_populate_recordset(NULL::sv_records, CAST(:changed AS json)) AS changed
    WHERE sv_records.record_type = changed.record_type
        AND sv_records.record_id = changed.record_id
    """
)
_UPDATE_MEMBERSHIP = (
    update(MEMBERSHIPS)
    .where(
        MEMBERSHIPS.c.user_id == bindparam("key_user"),
        MEMBERSHIPS.c.scope == bindparam("key_scope"),
    )
    .values(panel_role=bindparam("new_role"), active=bindparam("new_active"))
)


@dataclass(slots=True)
class HeldRecord:
    """A record's merged state as read from ``sv_records`` (or new in this transaction).
    ``state[field]`` = value, hlc, device id, author id, base, change id."""

    record_type: str
    record_id: str
    scope: str
    created_by: str | None
    state: dict[str, Any]


@dataclass(slots=True)
class LogRow:
    """A change-log entry to append; ``seq`` is set once it is written."""

    change_id: str
    record_type: str
    record_id: str
    scope: str
    fields: dict[str, Any]
    base: dict[str, Any]
    hlc: str
    author_id: str | None
    device_id: str
    received_at: datetime
    seq: int | None = field(default=None)

    def values(self) -> dict[str, Any]:
        return {
            "change_id": self.change_id,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "scope": self.scope,
            "fields": self.fields,
            "base": self.base,
            "hlc": self.hlc,
            "author_id": self.author_id,
            "device_id": self.device_id,
            "received_at": self.received_at,
        }


def _record_values(record: HeldRecord) -> dict[str, Any]:
    return {
        "record_type": record.record_type,
        "record_id": record.record_id,
        "scope": record.scope,
        "created_by": record.created_by,
        "state": record.state,
    }


def _json_rows(rows: list[dict[str, Any]]) -> str:
    return orjson.dumps(rows).decode()


class WriteBatch:
    """Records read once per transaction, and the writes queued against them.

    Not thread-safe; one per write transaction, which must hold the writers' lock
    (:func:`~eqvisit.sync.server.exchange.lock_writers`) before the first read.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._held: dict[tuple[str, str], HeldRecord] = {}
        self._absent: set[tuple[str, str]] = set()
        self._log: list[LogRow] = []
        self._new: dict[tuple[str, str], HeldRecord] = {}
        self._changed: dict[tuple[str, str], HeldRecord] = {}
        self._members: dict[tuple[str, str], tuple[str, bool] | None] = {}
        self._memberships: dict[tuple[str, str], tuple[str, bool]] = {}
        self._numbers: list[int] = []  # PostgreSQL: sequence numbers drawn, not yet used

    @property
    def session(self) -> Session:
        return self._session

    def read(
        self,
        change_ids: Sequence[str],
        keys: Iterable[tuple[str, str]],
        members: Iterable[tuple[str, str]],
    ) -> dict[str, tuple[int, str, Any]]:
        """What a push reads before it checks anything: the log entries of these change ids
        (as :meth:`logged`), these records (:meth:`load`) and places on panels
        (:meth:`load_memberships`). One statement on PostgreSQL (a round trip the whole group
        waits on is worth saving), three on SQLite."""
        if self._session.get_bind().dialect.name != "postgresql":
            found = self.logged(change_ids)
            self.load(keys)
            self.load_memberships(members)
            return found
        wanted = set(keys) - self._held.keys() - self._absent
        places = set(members) - self._members.keys()
        entries, records, memberships, numbers = self._session.execute(
            _READ_ALL,
            {
                "count": len(change_ids),
                "change_ids": sorted(set(change_ids)),
                "types": sorted({record_type for record_type, _id in wanted}),
                "ids": sorted({record_id for _type, record_id in wanted}),
                "users": sorted({user_id for user_id, _scope in places}),
                "scopes": sorted({scope for _user, scope in places}),
            },
        ).one()
        for record_type, record_id, scope, created_by, state in records:
            if (record_type, record_id) in wanted:
                self._held[(record_type, record_id)] = HeldRecord(
                    record_type, record_id, scope, created_by, state
                )
        self._absent.update(wanted - self._held.keys())
        self._members.update(dict.fromkeys(places))
        for user_id, scope, panel_role, active in memberships:
            if (user_id, scope) in places:
                self._members[(user_id, scope)] = (panel_role, bool(active))
        # Numbers for the entries to come, drawn now under the writers' lock (one per change: a
        # change refused or sent before leaves a gap, as a rolled-back transaction would).
        self._numbers.extend(sorted(int(number) for number in numbers))
        return {change_id: (seq, hlc, fields) for change_id, seq, hlc, fields in entries}

    def logged(self, change_ids: Sequence[str]) -> dict[str, tuple[int, str, Any]]:
        """Changes the log already holds, of these ids: sequence, stamp and fields of each."""
        found: dict[str, tuple[int, str, Any]] = {}
        unique = sorted(set(change_ids))
        for start in range(0, len(unique), _CHUNK):
            rows = self._session.execute(_LOGGED, {"change_ids": unique[start : start + _CHUNK]})
            found.update((change_id, (seq, hlc, fields)) for change_id, seq, hlc, fields in rows)
        return found

    def load(self, keys: Iterable[tuple[str, str]]) -> None:
        """Read these records (``(record_type, record_id)``) in a few queries."""
        wanted = sorted(set(keys) - self._held.keys() - self._absent)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = self._session.execute(
                _RECORDS,
                {
                    "types": sorted({record_type for record_type, _id in chunk}),
                    "ids": sorted({record_id for _type, record_id in chunk}),
                },
            )
            asked = set(chunk)
            for record_type, record_id, scope, created_by, state in rows:
                if (record_type, record_id) in asked:
                    self._held[(record_type, record_id)] = HeldRecord(
                        record_type, record_id, scope, created_by, state
                    )
            self._absent.update(key for key in chunk if key not in self._held)

    def load_memberships(self, keys: Iterable[tuple[str, str]]) -> None:
        """Read these users' places on these visits' panels (``(user_id, scope)``)."""
        wanted = sorted(set(keys) - self._members.keys())
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            self._members.update(dict.fromkeys(chunk))
            rows = self._session.execute(
                _MEMBERSHIPS,
                {
                    "users": sorted({user_id for user_id, _scope in chunk}),
                    "scopes": sorted({scope for _user, scope in chunk}),
                },
            )
            asked = set(chunk)
            for user_id, scope, panel_role, active in rows:
                if (user_id, scope) in asked:
                    self._members[(user_id, scope)] = (panel_role, bool(active))

    def membership(self, user_id: str, scope: str) -> tuple[str, bool] | None:
        """``(panel role, still on the panel)`` of a user on a visit, or None if never on it."""
        key = (user_id, scope)
        if key not in self._members:
            self.load_memberships([key])
        return self._members[key]

    def get(self, record_type: str, record_id: str) -> HeldRecord | None:
        key = (record_type, record_id)
        if key not in self._held and key not in self._absent:
            self.load([key])
        return self._held.get(key)

    def create(
        self, record_type: str, record_id: str, scope: str, created_by: str | None
    ) -> HeldRecord:
        """A new, empty record, inserted at the next write (with whatever state it has then)."""
        record = HeldRecord(record_type, record_id, scope, created_by, {})
        key = (record_type, record_id)
        self._held[key] = record
        self._absent.discard(key)
        self._new[key] = record
        return record

    def changed(self, record: HeldRecord) -> None:
        """``record.state`` was replaced: write it at the next write."""
        key = (record.record_type, record.record_id)
        if key not in self._new:
            self._changed[key] = record

    def append(self, row: LogRow) -> None:
        self._log.append(row)

    def set_membership(self, user_id: str, scope: str, panel_role: str, active: bool) -> None:
        self._members[(user_id, scope)] = (panel_role, active)
        self._memberships[(user_id, scope)] = (panel_role, active)

    def write(self) -> None:
        """Send everything queued; number the log entries in the order they were appended."""
        if not (self._log or self._new or self._changed or self._memberships):
            return
        session = self._session
        session.flush()  # ORM objects the caller added first (an admin command's user, say)
        if session.get_bind().dialect.name == "postgresql":
            self._write_in_one_statement()
        else:
            self._write_each()
        if self._memberships:
            self._write_memberships()
        # The session may hold a record or membership it read before these writes.
        for held in list(session.identity_map.values()):
            if isinstance(held, ServerRecord | Membership):
                session.expire(held)

    def _write_in_one_statement(self) -> None:
        """PostgreSQL: the log entries numbered from the column's own sequence (drawn by
        :meth:`read`, more if need be; this transaction holds the writers' advisory lock, so no
        other writer draws between them, and numbers drawn later are higher), then entries, new
        records and changed ones in one statement, each set as one JSON parameter.

        Each statement is a round trip, and the leader of a group commit waits on every one
        while the whole group waits on it. COPY and executemany took two to four each, and a
        multi-row INSERT … RETURNING is text psycopg parses afresh every time (it changes with
        the row count), which cost more than the rest of the push.
        """
        session = self._session
        if len(self._log) > len(self._numbers):  # conflict records, or nothing drawn yet
            more = len(self._log) - len(self._numbers)
            self._numbers.extend(sorted(session.scalars(_NEXT_SEQS, {"count": more})))
        for row, number in zip(self._log, self._numbers, strict=False):
            row.seq = int(number)
        del self._numbers[: len(self._log)]
        session.execute(
            _WRITE_ALL,
            {
                "log": _json_rows([{"seq": row.seq, **row.values()} for row in self._log]),
                "created": _json_rows([_record_values(r) for r in self._new.values()]),
                "changed": _json_rows([_record_values(r) for r in self._changed.values()]),
            },
        )
        self._log.clear()
        self._new.clear()
        self._changed.clear()

    def _write_each(self) -> None:
        """SQLite: a statement each for entries, new records and changed ones (no round trips
        to save: SQLite runs in this process)."""
        session = self._session
        if self._log:
            self._write_log()
        if self._new:
            insert_rows(session, RECORDS, [_record_values(r) for r in self._new.values()])
            self._new.clear()
        if self._changed:
            session.execute(
                _UPDATE_STATE,
                [
                    {"key_type": r.record_type, "key_id": r.record_id, "new_state": r.state}
                    for r in self._changed.values()
                ],
            )
            self._changed.clear()

    def _write_log(self) -> None:
        """Insert the queued entries, numbered in the order they were queued."""
        session = self._session
        # SQLite cannot hand back the numbers of a multi-row insert in order (SQLAlchemy then
        # sends a statement per row). It needs not: this transaction began IMMEDIATE and holds
        # the one write lock, so the numbers are the ones SQLite itself would give, the highest
        # so far plus one, two, …
        top = session.execute(_TOP_SEQ).scalar_one()
        for number, row in enumerate(self._log, start=top + 1):
            row.seq = number
        insert_rows(session, LOG, [{"seq": row.seq, **row.values()} for row in self._log])
        self._log.clear()

    def _write_memberships(self) -> None:
        session = self._session
        for (user_id, scope), (panel_role, active) in self._memberships.items():
            updated = session.execute(
                _UPDATE_MEMBERSHIP,
                {
                    "key_user": user_id,
                    "key_scope": scope,
                    "new_role": panel_role,
                    "new_active": active,
                },
            )
            if updated.rowcount == 0:  # type: ignore[attr-defined]
                session.execute(
                    insert(MEMBERSHIPS).values(
                        user_id=user_id, scope=scope, panel_role=panel_role, active=active
                    )
                )
        self._memberships.clear()
