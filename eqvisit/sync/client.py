"""The HTTP client of the central store (httpx), with an injectable transport for tests.

Every call retries connection failures, 5xx and 429 answers with exponential backoff; that is
safe because pushes are idempotent by change id and everything else only reads. Errors map to
:class:`~eqvisit.errors.AuthError` (401, with ``revoked`` set when the device was revoked),
:class:`~eqvisit.errors.NetworkError` (unreachable) and :class:`~eqvisit.errors.SyncError`.
"""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from eqvisit.errors import AuthError, NetworkError, SyncError
from eqvisit.sync.attachments import MAX_CHUNK_BYTES, BlobRefused, BlobStatus, is_sha256
from eqvisit.sync.protocol import (
    CURSOR_HEADER,
    DEFAULT_PULL_PAGE,
    MAX_FEED_PAGE,
    MORE_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    Change,
    ChangesPage,
    FeedChanges,
    FeedPage,
    LoginRequest,
    LoginResponse,
    PullPage,
    PushRequest,
    PushResponse,
    Receipt,
    ScopeList,
    read_changes_page,
    read_feed_page,
)

M = TypeVar("M", bound=BaseModel)
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class DeviceRevoked(AuthError):
    """The server revoked this device's token: stop syncing and tell the user."""


class SyncClient:
    def __init__(
        self,
        base_url: str,
        device_id: str,
        *,
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        attempts: int = 4,
        backoff: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
        protocol: int = PROTOCOL_VERSION,
    ) -> None:
        """``protocol``: the version this client says it speaks (tests of another version)."""
        headers = {PROTOCOL_HEADER: str(protocol), "X-Eqvisit-Device": device_id}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            transport=transport,
            timeout=timeout,
            verify=_tls_context(),
        )
        self._token = token
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def login(self, username: str, password: str, device_name: str) -> LoginResponse:
        request = LoginRequest(username=username, password=password, device_name=device_name)
        response = self._call(
            "POST", "/v1/login", LoginResponse, json=request.model_dump(), retry=False
        )
        self._token = response.token
        return response

    def scopes(self) -> ScopeList:
        return self._call("GET", "/v1/scopes", ScopeList)

    def push(
        self, changes: Sequence[Change], cursors: Mapping[str, int] | None = None
    ) -> PushResponse:
        """Push a batch; ``cursors`` (this device's pull cursor per scope of the batch) lets the
        server answer which scopes need no pull afterwards (``PushResponse.caught_up``)."""
        body = PushRequest(changes=list(changes), cursors=dict(cursors or {})).model_dump(
            mode="json"
        )
        return self._call("POST", "/v1/push", PushResponse, json=body)

    def pull(self, scope: str, after: int, limit: int = DEFAULT_PULL_PAGE) -> PullPage:
        """One page, every change validated field by field (for tools and tests)."""
        params = {"scope": scope, "after": after, "limit": limit}
        return self._call("GET", "/v1/pull", PullPage, params=params)

    def pull_page(self, scope: str, after: int, limit: int = DEFAULT_PULL_PAGE) -> ChangesPage:
        """One page as plain values, its shape checked but no model built per change: what a
        sync applies, where a million rows must not cost a million validations."""
        return read_changes(self.fetch_pull(scope, after, limit), scope)

    def fetch_pull(self, scope: str, after: int, limit: int = DEFAULT_PULL_PAGE) -> RawPage:
        """One pull page as received, not yet read (:func:`read_changes`)."""
        return self._fetch_page("/v1/pull", scope, after, limit)

    def feed(self, scope: str, after: int, limit: int = MAX_FEED_PAGE) -> FeedPage:
        """One page of a scope the central store owns, validated change by change (for tools
        and tests)."""
        params = {"scope": scope, "after": after, "limit": limit}
        return self._call("GET", "/v1/feed", FeedPage, params=params)

    def feed_page(self, scope: str, after: int, limit: int = MAX_FEED_PAGE) -> FeedChanges:
        """One page of a scope the central store owns as plain values, its shape checked but no
        model built per change (what a sync applies)."""
        return read_feed(self.fetch_feed(scope, after, limit), scope)

    def fetch_feed(self, scope: str, after: int, limit: int = MAX_FEED_PAGE) -> RawPage:
        """One feed page as received, not yet read (:func:`read_feed`)."""
        return self._fetch_page("/v1/feed", scope, after, limit)

    def _fetch_page(self, path: str, scope: str, after: int, limit: int) -> RawPage:
        response = self._send("GET", path, params={"scope": scope, "after": after, "limit": limit})
        cursor = response.headers.get(CURSOR_HEADER, "")
        more = response.headers.get(MORE_HEADER)
        if not cursor.isdigit() or more not in ("0", "1"):
            raise SyncError(
                "The central store sent a page this version cannot read: "
                f"no {CURSOR_HEADER} and {MORE_HEADER} headers"
            )
        return RawPage(response.content, int(cursor), more == "1")

    def receipt(self, scope: str) -> Receipt:
        return self._call("GET", "/v1/receipt", Receipt, params={"scope": scope})

    def _call(
        self, method: str, path: str, model: type[M], *, retry: bool = True, **kwargs: Any
    ) -> M:
        return _parsed(self._send(method, path, retry=retry, **kwargs), model)

    def _send(self, method: str, path: str, *, retry: bool = True, **kwargs: Any) -> httpx.Response:
        """The response to a request, retried with backoff; refusals raised as errors."""
        response = self._with_retries(method, path, retry=retry, **kwargs)
        _raise_for_refusal(response)
        return response

    def _with_retries(
        self,
        method: str,
        path: str,
        *,
        retry: bool = True,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """The last response, after retrying connection failures, 5xx and 429 with backoff."""
        sent = {
            **(headers or {}),
            **({"Authorization": f"Bearer {self._token}"} if self._token else {}),
        }
        delay = self._backoff
        attempts = self._attempts if retry else 1
        for attempt in range(1, attempts + 1):
            try:
                response = self._http.request(method, path, headers=sent, **kwargs)
            except httpx.TransportError as exc:
                if attempt == attempts:
                    raise NetworkError(
                        f"The central store cannot be reached ({type(exc).__name__})."
                    ) from exc
            else:
                if response.status_code not in RETRYABLE_STATUS or attempt == attempts:
                    return response
            self._sleep(delay)
            delay *= 2
        raise NetworkError(
            "The central store cannot be reached."
        )  # pragma: no cover - loop returns

    # Attachment blobs: raw octet-stream bodies, refusals raised as BlobRefused.

    def blob_status(self, sha256: str, scope: str) -> BlobStatus:
        """How much of a blob the central store holds (where an upload resumes)."""
        response = self._blob_request("GET", f"{self._blob_path(sha256)}/status", {"scope": scope})
        return _parsed(response, BlobStatus)

    def upload_chunk(
        self, sha256: str, scope: str, offset: int, data: bytes, *, size: int, media_type: str
    ) -> BlobStatus:
        """Send ``data`` as the blob's bytes from ``offset`` (which must be its resume point)."""
        params: dict[str, str | int] = {
            "scope": scope,
            "offset": offset,
            "size": size,
            "media_type": media_type,
        }
        response = self._blob_request("PUT", self._blob_path(sha256), params, content=data)
        return _parsed(response, BlobStatus)

    def download_chunk(
        self, sha256: str, scope: str, offset: int, length: int = MAX_CHUNK_BYTES
    ) -> bytes:
        """Up to ``length`` bytes of a complete blob from ``offset``."""
        params: dict[str, str | int] = {"scope": scope, "offset": offset, "length": length}
        return self._blob_request("GET", self._blob_path(sha256), params).content

    def _blob_request(
        self,
        method: str,
        path: str,
        params: dict[str, str | int],
        *,
        content: bytes | None = None,
    ) -> httpx.Response:
        headers = {"Content-Type": "application/octet-stream"} if content is not None else {}
        response = self._with_retries(method, path, params=params, content=content, headers=headers)
        if response.status_code == 401:
            _raise_for_refusal(response)  # AuthError or DeviceRevoked
        if response.status_code >= 400:
            error, detail = _error_of(response)
            raise BlobRefused(response.status_code, error, detail)
        return response

    @staticmethod
    def _blob_path(sha256: str) -> str:
        """The URL path of a blob; the name is checked, never taken from input as it stands."""
        if not is_sha256(sha256):
            raise ValueError(f"{sha256!r} is not a SHA-256 in lowercase hex")
        return f"/v1/blobs/{sha256}"


@dataclass(frozen=True)
class RawPage:
    """A pull or feed page as received: its body, not yet read, and where it leaves the cursor
    (from its headers), so the next page can be asked for while this one is read."""

    content: bytes
    cursor: int
    more: bool


def read_feed(page: RawPage, scope: str) -> FeedChanges:
    """Read a fetched feed page (its shape checked; it must say what its headers said)."""
    return _read(page, lambda: read_feed_page(page.content, scope))


def read_changes(page: RawPage, scope: str) -> ChangesPage:
    """Read a fetched pull page (its shape checked; it must say what its headers said)."""
    return _read(page, lambda: read_changes_page(page.content, scope))


P = TypeVar("P", FeedChanges, ChangesPage)


def _read(page: RawPage, read: Callable[[], P]) -> P:
    try:
        changes = read()
        if (changes.cursor, changes.more) != (page.cursor, page.more):
            raise ValueError("the page and its headers disagree on where it ends")
    except ValueError as exc:
        raise SyncError(
            f"The central store sent an answer this version cannot read: {exc}"
        ) from exc
    return changes


def _raise_for_refusal(response: httpx.Response) -> None:
    if response.status_code == 401:
        error, detail = _error_of(response)
        if error == "revoked":
            raise DeviceRevoked(detail)
        raise AuthError(detail)
    if response.status_code == 426:
        _error, detail = _error_of(response)
        raise SyncError(
            f"The central store and this app speak different versions of the sync protocol "
            f"(this app speaks {PROTOCOL_VERSION}; the store says: {detail}). Update whichever "
            "is older: usually the central store, after an update of the app."
        )
    if response.status_code >= 400:
        error, detail = _error_of(response)
        raise SyncError(f"The central store refused the request ({response.status_code}): {detail}")


def _parsed(response: httpx.Response, model: type[M]) -> M:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise SyncError(
            f"The central store sent an answer this version cannot read: {exc}"
        ) from exc


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA bundle costs ~25 ms a time."""
    return httpx.create_ssl_context()


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
        return str(body.get("error", "")), str(body.get("detail", response.text))
    except ValueError:
        return "", response.text[:200]
