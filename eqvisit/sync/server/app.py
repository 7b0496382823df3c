"""The central store's HTTP API (FastAPI on uvicorn). Stateless apart from the database.

Every ``/v1`` request must carry the protocol header (426 otherwise) and, except sign-in, a bearer
token; bodies are JSON (415 otherwise) and bounded in size (413). Refusals are JSON
``{"error", "detail"}`` bodies with 401/403/404/429 as fits. Tokens never appear in URLs or logs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eqvisit import __version__
from eqvisit.errors import AuthError
from eqvisit.sync.protocol import (
    CURSOR_HEADER,
    DEFAULT_PULL_PAGE,
    MAX_FEED_PAGE,
    MAX_PULL_PAGE,
    MORE_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SUPPORTED_PROTOCOLS,
    Change,
    ChangeResult,
    FeedPage,
    LoginRequest,
    LoginResponse,
    PullPage,
    PushRequest,
    PushResponse,
    Receipt,
    ScopeList,
    UserInfo,
)
from eqvisit.sync.server import auth, blobs, exchange, reading
from eqvisit.sync.server.access import Actor, Refused
from eqvisit.sync.server.auth import TooManyAttempts
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.deps import ApiError, Authenticated, current_actor
from eqvisit.sync.server.grouping import GroupCommit
from eqvisit.sync.server.transactions import Transactions

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 8 * 1024 * 1024
# Changes that concurrent pushes may share one transaction with (a batch holds up to 500).
MAX_GROUPED_CHANGES = 2_000
BLOB_PREFIX = "/v1/blobs/"
BLOB_MEDIA_TYPE = "application/octet-stream"


_SPOKEN = frozenset(str(version) for version in SUPPORTED_PROTOCOLS)
_SPEAKS = (
    "this server speaks protocol "
    + " and ".join(str(version) for version in SUPPORTED_PROTOCOLS)
    + "; update eqvisit"
)


class GuardMiddleware:
    """Refuses oversized bodies, non-JSON bodies and a missing or wrong protocol version."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get(PROTOCOL_HEADER.lower()) not in _SPOKEN:
            await _reply(send, 426, "protocol", _SPEAKS)
            return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            content_type = headers.get("content-type", "").split(";")[0].strip()
            allowed = (
                BLOB_MEDIA_TYPE
                if str(scope["path"]).startswith(BLOB_PREFIX)
                else "application/json"
            )
            if content_type != allowed:
                await _reply(send, 415, "media_type", f"request bodies here must be {allowed}")
                return
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await _reply(
                send, 413, "too_large", f"request bodies are limited to {self.max_body} bytes"
            )
            return
        # Read the body here, up to the limit, so an oversized chunked body (no Content-Length)
        # is answered 413 before any route sees it; bodies are small (8 MiB at most).
        body = bytearray()
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_body:
                await _reply(
                    send, 413, "too_large", f"request bodies are limited to {self.max_body} bytes"
                )
                return
            more_body = bool(message.get("more_body", False))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _reply(send: Send, status: int, error: str, detail: str) -> None:
    body = JSONResponse({"error": error, "detail": detail}, status_code=status)
    await send({"type": "http.response.start", "status": status, "headers": body.raw_headers})
    await send({"type": "http.response.body", "body": body.body})


def _body_of(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of a route that reads and validates its body itself (the
    models it refers to written in place: they are not among the document's components)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref", "")
            if reference.startswith("#/$defs/"):
                return inline(definitions[reference.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline(schema)}},
        }
    }


def create_app(
    engine: Engine, *, clock: ServerClock | None = None, max_body: int = MAX_BODY_BYTES
) -> FastAPI:
    """The ASGI app over ``engine`` (whose schema is already at head)."""
    transactions = Transactions(engine)
    server_clock = clock or ServerClock()
    app = FastAPI(title="eqvisit central store", version=__version__)
    app.state.transactions = transactions
    # Level 1: pages are JSON of ids and stamps, which the fastest level already shrinks about
    # twelvefold; the default (9) costs several times the CPU for a few per cent more.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=1)
    app.add_middleware(GuardMiddleware, max_body=max_body)

    app.include_router(blobs.router)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.error, "detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return JSONResponse(
            {"error": "invalid", "detail": f"{where}: {first.get('msg')}"}, status_code=422
        )

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "protocol": PROTOCOL_VERSION,
            "protocols": list(SUPPORTED_PROTOCOLS),
        }

    @app.post("/v1/login")
    def login(request: LoginRequest, x_eqvisit_device: Annotated[str, Header()]) -> LoginResponse:
        try:
            with transactions.write() as session:
                token, device, user = auth.login(
                    session,
                    request.username,
                    request.password,
                    request.device_name,
                    x_eqvisit_device,
                )
        except TooManyAttempts as exc:
            raise ApiError(429, "rate_limited", str(exc)) from exc
        except AuthError as exc:
            with transactions.write() as session:  # the failure counts towards the rate limit
                auth.record_failure(session, request.username)
            raise ApiError(401, "unauthenticated", str(exc)) from exc
        log.info("device %s signed in for user %s", device.id, user.id)
        return LoginResponse(
            token=token,
            device_id=device.id,
            user=UserInfo(
                id=user.id, username=user.username, display_name=user.display_name, role=user.role
            ),
        )

    @app.post("/v1/logout")
    def logout(who: Authenticated) -> dict[str, str]:
        with transactions.write() as session:
            device = auth.device(session, who.device_id)
            auth.revoke(session, device)
        return {"status": "signed out"}

    @app.get("/v1/scopes")
    def scopes(who: Authenticated) -> ScopeList:
        with transactions.read() as session:
            return ScopeList(
                scopes=reading.scopes_for(session, who), server_hlc=str(server_clock.now())
            )

    pushes: GroupCommit[tuple[Actor, Sequence[Change]], list[ChangeResult]] = GroupCommit(
        transactions,
        lambda session, jobs: exchange.push_many(session, jobs, server_clock),
        size=lambda job: len(job[1]),
        max_size=MAX_GROUPED_CHANGES,
    )

    @app.post("/v1/push", response_model=PushResponse, openapi_extra=_body_of(PushRequest))
    async def push(request: Request) -> Response:
        body = await request.body()

        def answer() -> bytes:
            # One trip to a worker thread for the whole request (a dependency would be a second):
            # the token first, as for every route, then the body, then the push, which shares a
            # transaction with pushes arriving at the same time (grouping.py).
            who = current_actor(request, request.headers.get("authorization"))
            try:
                pushed = PushRequest.model_validate_json(body)
            except ValidationError as exc:
                raise RequestValidationError(
                    [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
                ) from exc
            results = pushes((who, pushed.changes))
            caught_up: dict[str, int] = {}
            if pushed.cursors:
                scope_of = {change.change_id: change.scope for change in pushed.changes}
                with transactions.read() as session:
                    caught_up = reading.caught_up(session, pushed.cursors, results, scope_of)
            answered = PushResponse(
                results=results, server_hlc=str(server_clock.now()), caught_up=caught_up
            )
            return answered.model_dump_json().encode()

        return Response(await run_in_threadpool(answer), media_type="application/json")

    @app.get("/v1/pull", response_model=PullPage)
    def pull(
        who: Authenticated,
        scope: str,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_PAGE)] = DEFAULT_PULL_PAGE,
    ) -> Response:
        return page_of(
            lambda session: reading.pull(session, who, scope, after, limit, server_clock)
        )

    @app.get("/v1/feed", response_model=FeedPage)
    def feed(
        who: Authenticated,
        scope: str,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_FEED_PAGE)] = MAX_FEED_PAGE,
    ) -> Response:
        """A scope the central store owns, in log order (what protocol 2 laptops read there)."""
        return page_of(
            lambda session: reading.feed(session, who, scope, after, limit, server_clock)
        )

    def page_of(read: Callable[[Session], reading.LogPage]) -> Response:
        """A pull or feed page read in a read transaction, its cursor and whether more follows
        also in headers; refusals as 403, a visit asked of the feed as 422."""
        with transactions.read() as session:
            try:
                page = read(session)
            except Refused as exc:
                raise ApiError(403, "forbidden", exc.reason) from exc
            except reading.NotServerOwned as exc:
                raise ApiError(422, "invalid", str(exc)) from exc
        headers = {CURSOR_HEADER: str(page.cursor), MORE_HEADER: "1" if page.more else "0"}
        return Response(page.body, media_type="application/json", headers=headers)

    @app.get("/v1/receipt")
    def receipt(who: Authenticated, scope: str) -> Receipt:
        with transactions.read() as session:
            try:
                return reading.receipt(session, who, scope)
            except Refused as exc:
                raise ApiError(403, "forbidden", exc.reason) from exc

    return app
