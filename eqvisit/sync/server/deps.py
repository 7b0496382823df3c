"""Dependencies shared by the central store's routes: errors as JSON, and who is calling."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.exc import OperationalError

from eqvisit.errors import AuthError
from eqvisit.sync.server import auth
from eqvisit.sync.server.access import Actor
from eqvisit.sync.server.transactions import Transactions

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail


def current_actor(request: Request, authorization: Annotated[str | None, Header()] = None) -> Actor:
    """The signed-in user and device behind the bearer token (401 otherwise)."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthenticated", "Sign in first: no bearer token was sent.")
    transactions = store_transactions(request)
    with transactions.read_one() as connection:
        try:
            caller = auth.authenticate(connection, token.strip())
        except AuthError as exc:
            revoked = "revoked" in str(exc)
            raise ApiError(401, "revoked" if revoked else "unauthenticated", str(exc)) from exc
    if caller.seen_at is not None:
        try:
            with transactions.write() as session:
                auth.mark_seen(session, caller.actor.device_id, caller.seen_at)
        except OperationalError:
            # Informational only (shown by list-devices): a store busy past its timeout with
            # another process's write must not turn this request away.
            log.warning("could not record when device %s was last seen", caller.actor.device_id)
    return caller.actor


def store_transactions(request: Request) -> Transactions:
    transactions: Transactions = request.app.state.transactions
    return transactions


Authenticated = Annotated[Actor, Depends(current_actor)]
