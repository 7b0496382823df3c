"""Users, passwords and device tokens on the central store.

Passwords are Argon2id hashes. A sign-in issues a token of 256 random bits for one device; the
server stores only its SHA-256, so a leaked database holds no usable token. Tokens are listed and
revoked per device. Failed sign-ins are counted in the database (every instance sees them) and
a user is refused for a while after too many.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from eqvisit.domain.enums import UserRole
from eqvisit.domain.ids import new_id
from eqvisit.errors import AuthError, InvalidValue
from eqvisit.sync.server.access import Actor
from eqvisit.sync.server.models import Device, LoginFailure, ServerUser

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
LAST_SEEN_GRANULARITY = timedelta(minutes=1)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password, used to keep timing even")


class TooManyAttempts(AuthError):
    """Too many failed sign-ins for this user in the window."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _recent_failures(session: Session, username: str, now: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.username == username, LoginFailure.at > now - FAILURE_WINDOW)
        )
        or 0
    )


def login(
    session: Session, username: str, password: str, device_name: str, client_device_id: str
) -> tuple[str, Device, ServerUser]:
    """Check the password and issue a token for this device; the caller commits."""
    now = datetime.now(UTC)
    if _recent_failures(session, username, now) >= MAX_FAILURES:
        raise TooManyAttempts("Too many failed sign-ins; wait 15 minutes and try again.")
    user = session.scalar(select(ServerUser).where(ServerUser.username == username))
    try:
        _hasher.verify(user.password_hash if user is not None else _DUMMY_HASH, password)
        verified = user is not None and user.active
    except (VerificationError, InvalidHashError):
        verified = False
    if not verified or user is None:
        raise AuthError("Wrong user name or password.")
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    issued = Device(
        id=client_device_id,
        user_id=user.id,
        name=device_name,
        token_hash=token_digest(token),
        created_at=now,
        last_seen_at=now,
    )
    previous = session.get(Device, client_device_id)
    if previous is not None:
        if previous.user_id != user.id:
            raise AuthError("This device is registered to another user; ask an administrator.")
        previous.token_hash = issued.token_hash
        previous.name = device_name
        previous.revoked_at = None
        previous.created_at = now
        previous.last_seen_at = now
        issued = previous
    else:
        session.add(issued)
    return token, issued, user


def record_failure(session: Session, username: str) -> None:
    """Remember a failed sign-in (in its own transaction: the failed one is rolled back)."""
    session.add(LoginFailure(username=username, at=datetime.now(UTC)))


def device(session: Session, device_id: str) -> Device:
    found = session.get(Device, device_id)
    if found is None:
        raise AuthError(f"No device {device_id}.")
    return found


# Every request runs this; built once (building it costs about as much as running it).
_CALLER = (
    select(
        Device.id,
        Device.revoked_at,
        Device.last_seen_at,
        ServerUser.id,
        ServerUser.role,
        ServerUser.active,
    )
    .join(ServerUser, ServerUser.id == Device.user_id, isouter=True)
    .where(Device.token_hash == bindparam("token_hash"))
)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a valid token belongs to, and whether the device's last-seen time is due a write."""

    actor: Actor
    seen_at: datetime | None


def authenticate(session: Session | Connection, token: str) -> Caller:
    """The caller behind a bearer token; :class:`AuthError` if unknown or revoked. One query,
    and only reads: the last-seen time, written at most once a minute, is :func:`mark_seen`'s
    job."""
    found = session.execute(_CALLER, {"token_hash": token_digest(token)}).first()
    if found is None:
        raise AuthError("Not signed in: the token is unknown.")
    device_id, revoked_at, last_seen_at, user_id, role, active = found
    if revoked_at is not None:
        raise AuthError("This device's access was revoked; sign in again or ask an administrator.")
    if user_id is None or not active:
        raise AuthError("This user is no longer active.")
    now = datetime.now(UTC)
    due = last_seen_at is None or now - last_seen_at > LAST_SEEN_GRANULARITY
    actor = Actor(user_id=user_id, role=UserRole(role), device_id=device_id)
    return Caller(actor=actor, seen_at=now if due else None)


def mark_seen(session: Session, device_id: str, at: datetime) -> None:
    session.execute(update(Device).where(Device.id == device_id).values(last_seen_at=at))


def create_user(
    session: Session,
    username: str,
    display_name: str,
    role: UserRole,
    password: str,
    organisation: str | None = None,
) -> ServerUser:
    if session.scalar(select(ServerUser).where(ServerUser.username == username)) is not None:
        raise InvalidValue("user", f"'{username}' already exists")
    user = ServerUser(
        id=new_id(),
        username=username,
        display_name=display_name,
        organisation=organisation,
        role=role.value,
        password_hash=hash_password(password),
        active=True,
        created_at=datetime.now(UTC),
    )
    session.add(user)
    return user


def devices_of(session: Session, user_id: str) -> Sequence[Device]:
    return session.scalars(
        select(Device).where(Device.user_id == user_id).order_by(Device.created_at)
    ).all()


def revoke(session: Session, target: Device) -> None:
    target.revoked_at = datetime.now(UTC)
