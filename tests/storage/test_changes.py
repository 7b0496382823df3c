"""Edits and their outbox changes are written together, or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eqvisit.domain.enums import ProviderKind, UserRole, VisitStatus, VisitType
from eqvisit.domain.hlc import Stamp
from eqvisit.domain.ids import new_id
from eqvisit.services.context import ServiceContext
from eqvisit.storage import models as m


def _provider_and_user(context: ServiceContext) -> str:
    provider_id, user_id = new_id(), new_id()
    with context.store.unit_of_work() as uow:
        uow.session.add(
            m.Provider(id=provider_id, ods_code="RAA", name="T", kind=ProviderKind.TRUST)
        )
        uow.session.add(
            m.User(id=user_id, username="u", display_name="U", role=UserRole.QUALITY_LEAD)
        )
        uow.commit()
    context.set_current_user(user_id)
    return provider_id


def _visit_fields(provider_id: str) -> dict[str, object]:
    return {
        "provider_id": provider_id,
        "visit_type": VisitType.DESKTOP_REVIEW,
        "title": "A",
        "status": VisitStatus.PLANNED,
    }


def test_a_create_writes_the_record_its_change_and_field_versions(context: ServiceContext) -> None:
    provider_id = _provider_and_user(context)
    with context.action() as (uow, recorder):
        visit = recorder.create(m.Visit(), _visit_fields(provider_id), "visit:x")
        uow.commit()
    with context.store.unit_of_work() as uow:
        change = uow.session.scalars(select(m.OutboxChange)).one()
        assert change.record_type == "visits" and change.record_id == visit.id
        assert change.fields["visit_type"] == "desktop_review"
        assert change.base == dict.fromkeys(_visit_fields(provider_id))
        assert change.author_id == context.identity.user_id
        assert change.device_id == context.identity.device_id
        versions = uow.session.scalars(
            select(m.FieldVersion).where(m.FieldVersion.record_id == visit.id)
        ).all()
        assert {v.field for v in versions} == set(_visit_fields(provider_id))
        assert {v.hlc for v in versions} == {change.hlc}


def test_an_edit_records_the_base_it_was_made_on(context: ServiceContext) -> None:
    provider_id = _provider_and_user(context)
    with context.action() as (uow, recorder):
        visit = recorder.create(m.Visit(), _visit_fields(provider_id), "visit:x")
        uow.commit()
    with context.action() as (uow, recorder):
        loaded = uow.session.get(m.Visit, visit.id)
        assert loaded is not None
        second = recorder.write(loaded, {"title": "B"}, "visit:x")
        uow.commit()
    with context.store.unit_of_work() as uow:
        first, edit = uow.session.scalars(select(m.OutboxChange).order_by(m.OutboxChange.seq)).all()
        assert edit.change_id == second.change_id
        assert edit.base == {"title": first.hlc}
        assert Stamp.parse(edit.hlc) > Stamp.parse(first.hlc)


def test_a_rolled_back_action_leaves_neither_edit_nor_change(context: ServiceContext) -> None:
    provider_id = _provider_and_user(context)

    def failing_action() -> None:
        with context.action() as (uow, recorder):
            recorder.create(m.Visit(), _visit_fields(provider_id), "visit:x")
            uow.session.flush()
            raise RuntimeError("the user's action failed half way")

    with pytest.raises(RuntimeError):
        failing_action()
    with context.store.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(m.Visit)) == 0
        assert uow.session.scalar(select(func.count()).select_from(m.OutboxChange)) == 0
        assert uow.session.scalar(select(func.count()).select_from(m.FieldVersion)) == 0


def test_the_clock_resumes_after_reopening(context: ServiceContext) -> None:
    provider_id = _provider_and_user(context)
    with context.action() as (uow, recorder):
        change = recorder.write(
            recorder.create(m.Visit(), _visit_fields(provider_id), "s"), {"title": "B"}, "s"
        )
        uow.commit()
    reopened = ServiceContext.open(context.store, wall_ms=lambda: 0)  # a wall clock far in the past
    assert reopened.identity.device_id == context.identity.device_id
    assert reopened.clock.now(0) > Stamp.parse(change.hlc)


def test_unknown_fields_are_refused(context: ServiceContext) -> None:
    provider_id = _provider_and_user(context)
    with (
        context.action() as (_uow, recorder),
        pytest.raises(AttributeError, match="no field 'colour'"),
    ):
        recorder.create(m.Visit(), {**_visit_fields(provider_id), "colour": "red"}, "s")
