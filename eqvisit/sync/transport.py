"""A synchronous httpx transport that calls an ASGI app in-process (no sockets).

httpx's own ``ASGITransport`` serves only async clients; this bridge lets the ordinary sync
:class:`~eqvisit.sync.client.SyncClient` talk to the real server app, so tests exercise the full
HTTP stack (middleware, validation, JSON, gzip) without a port.
"""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import ASGIApp


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp) -> None:
        self._transport = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def call() -> httpx.Response:
            response = await self._transport.handle_async_request(request)
            # Raw bytes: the body is still gzip-encoded if the server compressed it, and the
            # client decodes it once, as it would off the network.
            body = b"".join([chunk async for chunk in response.aiter_raw()])
            return httpx.Response(response.status_code, headers=response.headers, content=body)

        return asyncio.run(call())
