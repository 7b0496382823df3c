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
from eqvisit.storage import feed_pages, wire_values
from eqvisit.storage import models as m
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


def test_fed_records_are_stored_as_sqlalchemy_stores_their_values(store: Store) -> None:
    """A feed page's whole records (one conversion per column, short cuts for enum text and UTC
    times, then executemany) are stored exactly as an ordinary insert of the same values,
    converted from the wire one by one, stores them; fed again with other values (the upsert),
    exactly as an ordinary update stores them."""
    table = cast(Table, m.IntelligenceItem.__table__)
    model = m.IntelligenceItem
    provider_id = new_id()
    wire = [_wire_item(provider_id, i) for i in range(8)]
    edited = [{**_wire_item(provider_id, i + 1), "provider_id": provider_id} for i in range(8)]
    fed = [new_id() for _ in wire]
    usual = [new_id() for _ in wire]
    scope = f"provider:{provider_id}"

    def feed(fields: list[dict[str, Any]]) -> int:
        with store.unit_of_work() as uow:
            page = feed_pages.prepare(
                scope,
                [["intelligence_items", i, f] for i, f in zip(fed, fields, strict=True)],
                store.engine.dialect,
            )
            written = feed_pages.apply(uow.session, page)
            uow.commit()
        return written

    def python_values(fields: dict[str, Any]) -> dict[str, Any]:
        return {k: wire_values.from_wire(model, k, v) for k, v in fields.items()}

    with store.unit_of_work() as uow:
        uow.session.add(
            m.Provider(id=provider_id, ods_code="RZY", name="T", kind=ProviderKind.TRUST)
        )
        uow.commit()
    assert feed(wire) == len(wire)
    with store.unit_of_work() as uow:
        uow.session.execute(
            insert(table),
            [{"id": i, **python_values(f)} for i, f in zip(usual, wire, strict=True)],
        )
        uow.commit()
    first = _stored(store, table, fed)
    assert first == _stored(store, table, usual)

    assert feed(edited) == len(edited)
    with store.unit_of_work() as uow:
        for record_id, fields in zip(usual, edited, strict=True):
            record = uow.session.get(model, record_id)
            for name, value in python_values(fields).items():
                setattr(record, name, value)
        uow.commit()
    assert _stored(store, table, fed) == _stored(store, table, usual)
    assert _stored(store, table, fed) != first
