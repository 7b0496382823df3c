"""Record edits together with their outbox entries, in the caller's transaction (DESIGN §4).

Every write to a synced record goes through :class:`ChangeRecorder`: it sets the fields on the ORM
object, stamps each field with a new HLC reading in ``field_versions``, and appends the change to
the outbox with the *base* (the stamps the author edited on top of). Because all of it happens in
the unit of work's one transaction, an edit and its change are on disk together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from eqvisit.domain.hlc import HybridClock, Stamp
from eqvisit.domain.ids import new_id
from eqvisit.storage.base import Base, SyncedRecord
from eqvisit.storage.models.sync import Conflict, FieldVersion, LocalSetting, OutboxChange

HLC_SETTING = "hlc_last"
DEVICE_SETTING = "device_id"
USER_SETTING = "current_user_id"

R = TypeVar("R", bound=SyncedRecord)


def wire_value(value: Any) -> Any:
    """A JSON-safe form of a field value: dates as ISO text, enums as their value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [wire_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): wire_value(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Identity:
    """Who writes: the signed-in user (None before sign-in) on this device."""

    user_id: str | None
    device_id: str


class ChangeRecorder:
    """Writes fields of synced records and their outbox entries in one session.

    Not thread-safe; one per unit of work.
    """

    def __init__(
        self,
        session: Session,
        identity: Identity,
        clock: HybridClock,
        wall_ms: Callable[[], int],
    ) -> None:
        self._session = session
        self._identity = identity
        self._clock = clock
        self._wall_ms = wall_ms

    def create(self, record: R, fields: Mapping[str, Any], scope: str) -> R:
        """Add a new record with ``fields`` and record them as one change."""
        if not getattr(record, "id", None):
            record.id = new_id()
        self._session.add(record)
        self.write(record, fields, scope)
        return record

    def write(
        self, record: SyncedRecord | Conflict, fields: Mapping[str, Any], scope: str
    ) -> OutboxChange:
        """Set ``fields`` on ``record`` and append the change to the outbox (a conflict record
        is written only to resolve it)."""
        if not fields:
            raise ValueError("a change must write at least one field")
        record_type = _table_of(record)
        for name, value in fields.items():
            if not hasattr(type(record), name):
                raise AttributeError(f"{record_type} has no field {name!r}")
            setattr(record, name, value)
        stamp = self._clock.now(self._wall_ms())
        base = self._stamp_fields(record_type, record.id, fields.keys(), stamp, scope)
        change = OutboxChange(
            change_id=new_id(),
            record_type=record_type,
            record_id=record.id,
            fields={name: wire_value(value) for name, value in fields.items()},
            base=base,
            hlc=str(stamp),
            author_id=self._identity.user_id,
            device_id=self._identity.device_id,
            scope=scope,
        )
        self._session.add(change)
        self._session.merge(LocalSetting(key=HLC_SETTING, value=str(stamp)))
        return change

    def _stamp_fields(
        self, record_type: str, record_id: str, names: Any, stamp: Stamp, scope: str
    ) -> dict[str, str | None]:
        existing = {
            version.field: version
            for version in self._session.scalars(
                select(FieldVersion).where(
                    FieldVersion.record_type == record_type,
                    FieldVersion.record_id == record_id,
                )
            )
        }
        base: dict[str, str | None] = {}
        for name in names:
            version = existing.get(name)
            base[name] = version.hlc if version is not None else None
            if version is None:
                version = FieldVersion(record_type=record_type, record_id=record_id, field=name)
                self._session.add(version)
            version.hlc = str(stamp)
            version.device_id = self._identity.device_id
            version.author_id = self._identity.user_id
            version.scope = scope
        return base


def _table_of(record: SyncedRecord | Conflict) -> str:
    if not isinstance(record, Base):
        raise TypeError(f"{type(record).__name__} is not a stored record")
    return str(record.__tablename__)


def load_setting(session: Session, key: str) -> str | None:
    setting = session.get(LocalSetting, key)
    return setting.value if setting is not None else None


def save_setting(session: Session, key: str, value: str) -> None:
    session.merge(LocalSetting(key=key, value=value))


def load_or_create_device_id(session: Session) -> str:
    """This store's device id, created on first use and never changed after."""
    device_id = load_setting(session, DEVICE_SETTING)
    if device_id is None:
        device_id = new_id()
        save_setting(session, DEVICE_SETTING, device_id)
    return device_id


def load_clock(session: Session) -> HybridClock:
    """The hybrid clock, resumed from the last stamp this store issued."""
    last = load_setting(session, HLC_SETTING)
    return HybridClock(Stamp.parse(last)) if last else HybridClock()
