"""The central store's receipts: kept per record between receipts and brought up to date from
the change log, they must always equal a digest worked out from scratch."""

from __future__ import annotations

from sqlalchemy import select

from eqvisit.domain.enums import UserRole
from eqvisit.domain.ids import new_id
from eqvisit.sync.server import reading
from eqvisit.sync.server.access import Actor
from eqvisit.sync.server.exchange import server_write
from eqvisit.sync.server.models import ServerRecord, ServerUser
from tests.sync.conftest import Central


def from_scratch(central: Central, scope: str) -> str:
    """The digest over every field's stamp in the scope, read whole, with nothing kept."""
    with central.session() as session:
        records = session.scalars(select(ServerRecord).where(ServerRecord.scope == scope)).all()
        return reading.digest_lines(
            (r.record_type, r.record_id, name, entry["hlc"], entry["device_id"])
            for r in records
            for name, entry in r.state.items()
        )


def lead_of(central: Central) -> Actor:
    with central.session() as session:
        lead = session.scalars(select(ServerUser).where(ServerUser.username == "lead")).one()
    return Actor(lead.id, UserRole(lead.role), "a-device")


def receipt(central: Central, actor: Actor, scope: str) -> reading.Receipt:
    with central.session() as session:
        return reading.receipt(session, actor, scope)


def test_a_kept_receipt_follows_every_change_to_the_scope(central: Central) -> None:
    scope = f"visit:{central.visit_id}"
    actor = lead_of(central)
    first = receipt(central, actor, scope)
    assert first.digest == from_scratch(central, scope)
    assert receipt(central, actor, scope) == first  # nothing changed: the kept lines serve

    session_id = new_id()
    with central.session() as session, session.begin():
        server_write(
            session,
            "sessions",
            session_id,
            scope,
            {"visit_id": central.visit_id, "title": "Trainees", "audience": "learners"},
            central.clock,
        )
    second = receipt(central, actor, scope)
    assert second.digest != first.digest
    assert second.digest == from_scratch(central, scope)
    assert second.records == first.records + 1

    with central.session() as session, session.begin():  # an edit of a record already kept
        server_write(session, "sessions", session_id, scope, {"title": "F1s"}, central.clock)
    third = receipt(central, actor, scope)
    assert third.digest not in (first.digest, second.digest)
    assert third.digest == from_scratch(central, scope)
    assert third.records == second.records
