"""The wire schema shared by client and server, with the protocol version (DESIGN §4).

Every request carries ``X-Eqvisit-Protocol``; a server answers 426 to a version it does not speak.
Models forbid unknown keys, so a malformed request is refused with the field that is wrong.

Protocol 2 added ``GET /v1/feed``, how laptops read the scopes the central store owns; a server
still answers protocol 1 (whose laptops read every scope through ``/v1/pull``).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PROTOCOL_VERSION = 2
SUPPORTED_PROTOCOLS = (1, 2)
PROTOCOL_HEADER = "X-Eqvisit-Protocol"
# On every pull and feed page: its cursor, and "1" if more follows ("0" if not), as in the body;
# a client may ask for the next page before it reads this one.
CURSOR_HEADER = "X-Eqvisit-Cursor"
MORE_HEADER = "X-Eqvisit-More"
MAX_PUSH_BATCH = 500
MAX_PULL_PAGE = 5_000
DEFAULT_PULL_PAGE = 2_000
MAX_FEED_PAGE = 20_000

Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:@-]+$")
]
RecordType = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]
Scope = Annotated[
    str, StringConstraints(min_length=1, max_length=80, pattern=r"^[a-z_]+(:[A-Za-z0-9-]+)?$")
]
Stamp = Annotated[str, StringConstraints(pattern=r"^\d{16}-\d{5}$")]
FieldName = Annotated[
    str, StringConstraints(min_length=1, max_length=60, pattern=r"^[a-z_][a-z0-9_]*$")
]


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Change(WireModel):
    """One change to one record, as written to a device's outbox."""

    change_id: Identifier
    record_type: RecordType
    record_id: Identifier
    scope: Scope
    fields: dict[FieldName, Any] = Field(min_length=1, max_length=64)
    base: dict[FieldName, Stamp | None] = Field(default_factory=dict)
    hlc: Stamp
    author_id: Identifier | None
    device_id: Identifier


class PushRequest(WireModel):
    """A batch of changes, and the pull cursor the device holds for each scope they are in."""

    changes: list[Change] = Field(min_length=1, max_length=MAX_PUSH_BATCH)
    cursors: dict[Scope, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, max_length=MAX_PUSH_BATCH
    )


class ChangeResult(WireModel):
    """The answer to one pushed change. ``restamped_hlc`` is set when the server replaced the
    change's stamp by its own (a laptop clock far ahead, or a value it rewrote); ``rewritten``
    holds field values the server changed (a reference number another laptop had issued first)."""

    change_id: str
    status: Literal["accepted", "rejected"]
    server_seq: int | None = None
    reason: str | None = None
    restamped_hlc: Stamp | None = None
    rewritten: dict[FieldName, Any] | None = None


class PushResponse(WireModel):
    """``caught_up[scope]`` is a head the device may move its cursor to without pulling: every
    change of the scope after the cursor it sent, up to that head, is one it just had accepted
    (a pull would bring back only its own changes, which it already holds)."""

    results: list[ChangeResult]
    server_hlc: Stamp
    caught_up: dict[Scope, int] = Field(default_factory=dict)


class PulledChange(Change):
    server_seq: int


class PullPage(WireModel):
    scope: Scope
    changes: list[PulledChange]
    cursor: int
    more: bool
    server_hlc: Stamp


@dataclass(frozen=True)
class ChangesPage:
    """A pull page in plain values: each change a dict with :class:`PulledChange`'s keys."""

    scope: str
    changes: list[dict[str, Any]]
    cursor: int
    more: bool
    server_hlc: str


_PULLED_KEYS = frozenset(PulledChange.model_fields)
_NULLABLE = frozenset({"author_id"})


def read_changes_page(content: bytes, scope: str) -> ChangesPage:
    """Parse a pull page, checking its shape (every key there, of the right JSON type, every
    change of ``scope``) without building a model per change. Raises ``ValueError``."""
    changes, cursor, more, server_hlc = _page_of(content, scope)
    for index, change in enumerate(changes):
        problem = _shape_problem(change, scope)
        if problem:
            raise ValueError(f"change {index} of the page: {problem}")
    return ChangesPage(scope, changes, cursor, more, server_hlc)


def _shape_problem(change: Any, scope: str) -> str | None:
    if not isinstance(change, dict) or change.keys() != _PULLED_KEYS:
        return f"expected the keys {sorted(_PULLED_KEYS)}"
    if change["scope"] != scope:
        return f"it belongs to {change['scope']!r}"
    if not isinstance(change["fields"], dict) or not isinstance(change["base"], dict):
        return "fields and base must be objects"
    if not isinstance(change["server_seq"], int):
        return "server_seq must be an integer"
    for key in _PULLED_KEYS - {"fields", "base", "server_seq"}:
        value = change[key]
        if not isinstance(value, str) and not (value is None and key in _NULLABLE):
            return f"{key} must be text"
    return None


class FeedPage(WireModel):
    """A page of a scope the central store owns (``reference``, ``provider:<id>``): its changes
    in log order, each ``[record type, record id, fields]``. The store orders these scopes'
    writes (each is stamped after every stamp its record holds), so every field of every change
    took effect, in this order: a laptop applies them as they come, and keeps no stamps."""

    scope: Scope
    changes: list[tuple[RecordType, Identifier, dict[FieldName, Any]]]
    cursor: int
    more: bool
    server_hlc: Stamp


@dataclass(frozen=True)
class FeedChanges:
    """A feed page in plain values: ``changes`` as ``[record type, record id, fields]`` lists."""

    scope: str
    changes: list[list[Any]]
    cursor: int
    more: bool
    server_hlc: str


def read_feed_page(content: bytes, scope: str) -> FeedChanges:
    """Parse a feed page, checking its shape (each change a record type, an id and an object of
    fields) without building a model per change. Raises ``ValueError``."""
    changes, cursor, more, server_hlc = _page_of(content, scope)
    if not _all_feed_changes(changes):
        index = next(i for i, change in enumerate(changes) if not _all_feed_changes([change]))
        raise ValueError(f"change {index} of the page is not [record type, id, fields]")
    return FeedChanges(scope, changes, cursor, more, server_hlc)


def _all_feed_changes(changes: list[Any]) -> bool:
    """Whether every change is ``[text, text, object]``: each test one ``map`` over the page, no
    Python code per change (a page holds 20,000)."""
    if set(map(type, changes)) - {list} or set(map(len, changes)) - {3}:
        return False
    shapes = ((0, str), (1, str), (2, dict))
    return not any(set(map(type, map(itemgetter(i), changes))) - {kind} for i, kind in shapes)


def _page_of(content: bytes, scope: str) -> tuple[list[Any], int, bool, str]:
    """A page's changes (not yet checked one by one), its cursor, whether more follows, and the
    server's stamp, the page's own shape checked."""
    page = orjson.loads(content)
    if not isinstance(page, dict):
        raise ValueError("a page is a JSON object")
    changes, cursor, more = page.get("changes"), page.get("cursor"), page.get("more")
    if page.get("scope") != scope:
        raise ValueError(f"asked for {scope}, got a page of {page.get('scope')!r}")
    if not isinstance(changes, list):
        raise ValueError("changes must be a list")
    if not isinstance(cursor, int) or not isinstance(more, bool):
        raise ValueError("cursor and more must be an integer and a boolean")
    if not isinstance(page.get("server_hlc"), str):
        raise ValueError("server_hlc must be a stamp")
    return changes, cursor, more, page["server_hlc"]


class ScopeGrant(WireModel):
    """A scope the user holds; ``head`` is the sequence number of its newest change (0: none),
    so a laptop whose cursor is already there skips pulling it."""

    scope: Scope
    role: str
    head: int = 0


class ScopeList(WireModel):
    scopes: list[ScopeGrant]
    server_hlc: Stamp


class LoginRequest(WireModel):
    username: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    device_name: Annotated[str, StringConstraints(min_length=1, max_length=120)]


class UserInfo(WireModel):
    id: str
    username: str
    display_name: str
    role: str


class LoginResponse(WireModel):
    token: str
    device_id: str
    user: UserInfo


class Receipt(WireModel):
    """What the server holds of a scope: a digest over every field's winning stamp."""

    scope: Scope
    digest: str
    records: int


class ErrorBody(WireModel):
    error: str
    detail: str
