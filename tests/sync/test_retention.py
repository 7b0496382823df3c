"""Closed visits leave the laptop once the server holds all of them, and are not pulled back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from eqvisit.app_services import Services
from eqvisit.domain.enums import VisitStatus
from eqvisit.errors import NotFound
from eqvisit.storage import retention
from eqvisit.storage.models import OutboxChange, OutboxState
from tests.sync.conftest import Central, Laptop

MAIN_LINE = (
    VisitStatus.BRIEFING,
    VisitStatus.FIELDWORK,
    VisitStatus.FINDINGS,
    VisitStatus.REPORT_DRAFT,
    VisitStatus.REPORT_FINAL,
    VisitStatus.CLOSED,
)


def close_visit(services: Services, visit_id: str) -> None:
    for status in MAIN_LINE:
        services.visits.transition(visit_id, status)


def test_a_closed_visit_the_server_holds_leaves_and_is_not_pulled_again(
    central: Central, laptop: Laptop
) -> None:
    lead, lead_sync = laptop("lead", purge_closed_after_days=0)
    lead_sync.sync_once()
    close_visit(lead, central.visit_id)
    scope = f"visit:{central.visit_id}"

    report = lead_sync.sync_once()
    assert report.accepted == len(MAIN_LINE)
    assert report.retired == (scope,)
    with pytest.raises(NotFound):
        lead.visits.get(central.visit_id)
    assert {v.id for v in lead.visits.list_visits()} == set(), "the other visit is not the lead's"

    again = lead_sync.sync_once()
    assert again.pulled == 0 and again.retired == ()
    with pytest.raises(NotFound):
        lead.visits.get(central.visit_id)
    assert scope not in {r.scope for r in again.receipts}


def test_a_visit_closed_within_the_retention_period_stays(central: Central, laptop: Laptop) -> None:
    lead, lead_sync = laptop("lead")  # the default: 30 days
    lead_sync.sync_once()
    close_visit(lead, central.visit_id)
    report = lead_sync.sync_once()
    assert report.retired == ()
    assert lead.visits.get(central.visit_id).summary.status is VisitStatus.CLOSED


def test_pending_changes_block_retirement(central: Central, laptop: Laptop) -> None:
    lead, lead_sync = laptop("lead", purge_closed_after_days=0)
    lead_sync.sync_once()
    close_visit(lead, central.visit_id)
    scope = f"visit:{central.visit_id}"
    with lead.context.store.unit_of_work() as uow:
        unsent = uow.session.scalar(
            select(func.count())
            .select_from(OutboxChange)
            .where(OutboxChange.scope == scope, OutboxChange.state == OutboxState.PENDING)
        )
        assert unsent == len(MAIN_LINE)
        (closed,) = retention.closed_before(uow.session, lead.context.corrected_wall_ms() + 1)
        assert closed == central.visit_id
        assert not retention.retire_visit(uow.session, central.visit_id, scope)
        uow.commit()
    assert lead.visits.get(central.visit_id).summary.status is VisitStatus.CLOSED

    # Refused changes count as unsent too: they stay until someone deals with them.
    with lead.context.store.unit_of_work() as uow:
        first = uow.session.scalars(
            select(OutboxChange).where(OutboxChange.scope == scope).order_by(OutboxChange.seq)
        ).first()
        assert first is not None
        for change in uow.session.scalars(select(OutboxChange).where(OutboxChange.scope == scope)):
            change.state = OutboxState.ACCEPTED
        first.state = OutboxState.REJECTED
        uow.commit()
    with lead.context.store.unit_of_work() as uow:
        assert not retention.retire_visit(uow.session, central.visit_id, scope)


def test_an_attachment_not_yet_uploaded_blocks_retirement(
    central: Central, laptop: Laptop, tmp_path: Path
) -> None:
    """This laptop's sync sends records but no blobs, so the server never holds the file."""
    lead, lead_sync = laptop("lead", purge_closed_after_days=0)
    lead_sync.sync_once()
    document = tmp_path / "evidence.pdf"
    document.write_bytes(b"%PDF-1.4 evidence " * 100)
    lead.attachments.attach(central.visit_id, document)
    close_visit(lead, central.visit_id)
    scope = f"visit:{central.visit_id}"

    report = lead_sync.sync_once()
    (receipt,) = [r for r in report.receipts if r.scope == scope]
    assert receipt.matches, "every record of the visit is on the server…"
    assert report.retired == (), "…but not the attachment's content, so the visit stays"
    with lead.context.store.unit_of_work() as uow:
        assert retention.unsent_blobs(uow.session, central.visit_id) == 1
    assert lead.visits.get(central.visit_id).summary.status is VisitStatus.CLOSED
