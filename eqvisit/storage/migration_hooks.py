"""What the Alembic environments share: autogenerate hooks and the migration run itself."""

from __future__ import annotations

from typing import Any, Literal

from alembic.autogenerate.api import AutogenContext
from sqlalchemy import MetaData
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


def run_migrations(target_metadata: MetaData, *, skip_search_tables: bool = False) -> None:
    """The body of every ``env.py``: migrate on the connection the caller handed to Alembic."""
    from alembic import context

    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run migrations through eqvisit.storage.migrate, which passes a connection"
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
        include_name=include_name if skip_search_tables else None,
    )
    with context.begin_transaction():
        context.run_migrations()
