"""Scopes: how synced data is partitioned, and who orders the writes of each kind (DESIGN §4).

``reference`` (users, providers, learner groups, templates), ``provider:<id>`` (a provider's
intelligence) and ``visit:<id>`` (a visit and everything under it). Laptops write only visit
scopes; the other two are *owned by the central store*: administrators and imports write them
there, and laptops hold a copy. The central store orders every write to a scope it owns (each is
stamped after every stamp the record holds), so a laptop applies those scopes' changes in log
order without stamps of its own (docs/sync.md, "Scopes the central store owns").
"""

from __future__ import annotations

REFERENCE_SCOPE = "reference"
SERVER_OWNED_KINDS = frozenset({"reference", "provider"})


def scope_kind(scope: str) -> str:
    """``reference``, ``provider`` or ``visit`` (whatever precedes the colon)."""
    return scope.split(":", 1)[0]


def scope_id(scope: str) -> str | None:
    """The id of ``provider:<id>`` or ``visit:<id>``; None for ``reference`` or a malformed one."""
    kind, _, key = scope.partition(":")
    return key if kind in ("provider", "visit") and key else None


def visit_scope(visit_id: str) -> str:
    return f"visit:{visit_id}"


def provider_scope(provider_id: str) -> str:
    return f"provider:{provider_id}"


def server_owned(scope: str) -> bool:
    """Whether the central store owns (and orders) the writes of ``scope``."""
    return scope_kind(scope) in SERVER_OWNED_KINDS
