"""Dependencies shared by the central store's routes: errors as JSON, and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session, sessionmaker

from eqvisit.errors import AuthError
from eqvisit.sync.server import auth
from eqvisit.sync.server.access import Actor


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
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session, session.begin():
        try:
            return auth.authenticate(session, token.strip())
        except AuthError as exc:
            revoked = "revoked" in str(exc)
            raise ApiError(401, "revoked" if revoked else "unauthenticated", str(exc)) from exc


Authenticated = Annotated[Actor, Depends(current_actor)]
