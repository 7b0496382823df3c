"""The fast bulk insert writes exactly what SQLAlchemy's own executemany writes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

import pytest
from sqlalchemy import Table, Text, insert, select
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Session

from eqvisit.domain.enums import IntelligenceSource, NtsFlag, ProviderKind
from eqvisit.domain.ids import new_id
from eqvisit.storage import models as m
from eqvisit.storage import pulled_pages, wire_values
from eqvisit.storage.bulk import insert_rows
from eqvisit.storage.store import Store
from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.server.models import ChangeLogEntry


def _stored(store: Store, table: Table, ids: list[str]) -> list[tuple[Any, ...]]:
    """Each row's column values as SQLite holds them (as text, no type conversion on the way
    out), without the id, in ``ids`` order."""
    columns = [cast_(c, Text) for c in table.columns if c.name != "id"]
    with store.engine.connect() as connection:
        return [
            tuple(connection.execute(select(*columns).where(table.c.id == record_id)).one())
            for record_id in ids
        ]


def _intelligence(provider_id: str, index: int) -> dict[str, Any]:
    return {
        "id": new_id(),
        "provider_id": provider_id,
        "source": IntelligenceSource.NTS,
        "period": "2025",
        "indicator": f"Indicator é–{index}",
        # None in a JSON column is JSON null: once written as SQL NULL here, breaking NOT NULL.
        "dimensions": {"programme": "Foundation", "n": index}
        if index % 2
        else [{}, None][index // 2],
        "n": None if index == 2 else index,
        "value": 61.5 + index,
        "benchmark": None,
        "flag": NtsFlag.RED if index % 2 else None,
        "text": None,
        "created_at": datetime(2025, 3, 1, 9, 30, index, tzinfo=UTC),
        "updated_at": datetime(2025, 3, 1, 9, 30, index, tzinfo=UTC),
        "deleted_at": None,
    }


def test_rows_stored_byte_for_byte_as_sqlalchemy_stores_them(store: Store) -> None:
    table = cast(Table, m.IntelligenceItem.__table__)
    provider_id = new_id()
    with store.unit_of_work() as uow:
        uow.session.add(
            m.Provider(
                id=provider_id,
                ods_code="RZZ",
                name="T",
                kind=ProviderKind.TRUST,
                opened_on=date(2001, 4, 1),
            )
        )
        fast = [_intelligence(provider_id, i) for i in range(4)]
        usual = [{**row, "id": new_id()} for row in fast]
        insert_rows(uow.session, table, fast)
        uow.session.execute(insert(table), usual)
        uow.commit()
    stored_fast = _stored(store, table, [row["id"] for row in fast])
    stored_usual = _stored(store, table, [row["id"] for row in usual])
    assert stored_fast == stored_usual
    assert any(value is None for row in stored_fast for value in row)


def test_rows_leaving_columns_to_defaults_get_the_defaults(store: Store) -> None:
    provider_id = new_id()
    table = cast(Table, m.Provider.__table__)
    with store.unit_of_work() as uow:
        insert_rows(
            uow.session,
            table,
            [{"id": provider_id, "ods_code": "RYY", "name": "T", "kind": ProviderKind.TRUST}],
        )
        uow.commit()
    with store.unit_of_work() as uow:
        provider = uow.session.scalars(select(m.Provider).where(m.Provider.id == provider_id)).one()
        assert provider.address_lines == []
        assert provider.created_at is not None


@pytest.mark.postgres
def test_copy_on_postgresql_stores_what_sqlalchemy_stores(pg_url: str) -> None:
    """The central store's change log on PostgreSQL: JSON (null, nested, text with accents and
    tabs/newlines, which COPY's text format must escape), times, NULLs and the sequence."""
    engine = open_central_store(pg_url)
    table = cast(Table, ChangeLogEntry.__table__)

    def entry(n: int) -> dict[str, Any]:
        return {
            "change_id": new_id(),
            "record_type": "intelligence_items",
            "record_id": f"rec-{n}",
            "scope": "provider:x",
            "fields": {"text": "Tab\there,\nnew line \\ back-slash é–", "n": n, "list": [None]},
            "base": {} if n % 2 else {"text": None},
            "hlc": f"0000000000000-0000-{n:04d}",
            "author_id": None if n % 2 else "someone",
            "device_id": "server",
            "received_at": datetime(2026, 11, 23, 5, 30, n, tzinfo=UTC),
        }

    fast = [entry(n) for n in range(5)]
    usual = [{**row, "change_id": new_id()} for row in fast]
    with Session(engine) as session, session.begin():
        insert_rows(session, table, fast)
        session.execute(insert(table), usual)
    columns = [cast_(c, Text) for c in table.columns if c.name not in ("seq", "change_id")]
    with engine.connect() as connection:

        def stored(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
            return [
                tuple(
                    connection.execute(
                        select(*columns).where(table.c.change_id == row["change_id"])
                    ).one()
                )
                for row in rows
            ]

        assert stored(fast) == stored(usual)
        sequence = connection.scalars(select(table.c.seq).order_by(table.c.seq)).all()
    assert len(set(sequence)) == 10 and sequence == sorted(sequence)
    engine.dispose()


def _wire_item(provider_id: str, index: int) -> dict[str, Any]:
    """An intelligence record's fields as a pull page carries them (ISO text, enum values)."""
    times = [
        "2025-03-01T09:30:07.123456+00:00",  # the usual form: the short cut
        "2025-03-01T09:30:07+00:00",  # no microseconds
        "2025-03-01T10:30:07.500000+01:00",  # another offset
        "2025-12-31T23:59:59.999999+00:00",
    ]
    return {
        "provider_id": provider_id,
        "source": IntelligenceSource.NTS.value,
        "period": "2025",
        "indicator": f"Indicator é–{index}",
        "dimensions": {"programme": "Foundation", "n": index} if index % 2 else [],
        "n": None if index == 2 else index,
        "value": 61.5 + index,
        "benchmark": None,
        "flag": NtsFlag.RED.value if index % 2 else None,
        "text": None,
        "created_at": times[index % len(times)],
        "updated_at": times[(index + 1) % len(times)],
    }


def test_pulled_new_records_are_stored_as_sqlalchemy_stores_their_values(store: Store) -> None:
    """A pull's fresh-record path (one conversion per column, short cuts for enum text and UTC
    times) writes exactly what an ordinary insert of the same values, converted from the wire
    one by one, writes."""
    table = cast(Table, m.IntelligenceItem.__table__)
    provider_id = new_id()
    wire = [_wire_item(provider_id, i) for i in range(8)]
    pulled = [new_id() for _ in wire]
    usual = [new_id() for _ in wire]
    with store.unit_of_work() as uow:
        uow.session.add(
            m.Provider(id=provider_id, ods_code="RZY", name="T", kind=ProviderKind.TRUST)
        )
        uow.session.flush()
        changes: list[pulled_pages.IncomingChange] = [
            {
                "change_id": new_id(),
                "record_type": "intelligence_items",
                "record_id": record_id,
                "scope": f"provider:{provider_id}",
                "fields": fields,
                "hlc": f"{1_700_000_000_000 + index:016d}-00000",
                "author_id": None,
                "device_id": "server",
            }
            for index, (record_id, fields) in enumerate(zip(pulled, wire, strict=True))
        ]
        applied = pulled_pages.apply_page(uow.session, changes, per_field_versions=False)
        model = m.IntelligenceItem
        uow.session.execute(
            insert(table),
            [
                {"id": record_id, **{k: wire_values.from_wire(model, k, v) for k, v in f.items()}}
                for record_id, f in zip(usual, wire, strict=True)
            ],
        )
        uow.commit()
    assert applied == len(wire)
    assert _stored(store, table, pulled) == _stored(store, table, usual)
