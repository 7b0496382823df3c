"""What the provider list is narrowed to: a value the UI builds and the storage layer queries by.

It lives in the domain, apart from the query code, so the window's provider page can be built
(and typed into) before SQLAlchemy is imported at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eqvisit.domain.enums import OrgStatus, ProviderKind


@dataclass(frozen=True)
class ProviderFilter:
    """What the provider list is narrowed to, besides the words typed (empty means any)."""

    kinds: Sequence[ProviderKind] = ()
    region_code: str | None = None
    icb_code: str | None = None
    status: OrgStatus | None = None
    red_flags_only: bool = False
