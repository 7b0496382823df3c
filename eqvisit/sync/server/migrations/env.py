"""Alembic environment of the central store: runs on the connection passed by the caller."""

from __future__ import annotations

from alembic import context

from eqvisit.storage.migration_hooks import render_item
from eqvisit.sync.server.models import ServerBase

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through eqvisit.storage.migrate, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=ServerBase.metadata,
    render_as_batch=True,
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
