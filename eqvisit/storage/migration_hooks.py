"""Autogenerate hooks shared by the Alembic environment and the models-match-migrations test."""

from __future__ import annotations

from typing import Any, Literal

from alembic.autogenerate.api import AutogenContext
from sqlalchemy.types import TypeDecorator

SEARCH_TABLE_PREFIX = "provider_search"


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our column types as their plain database types, so migrations never import models."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave out the FTS5 search tables, which migrations manage by hand and models do not know."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE_PREFIX))
