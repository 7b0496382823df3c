"""Alembic environment: runs on the connection handed over by :mod:`eqvisit.storage.migrate`."""

from __future__ import annotations

from alembic import context

from eqvisit.storage.migration_hooks import include_name, render_item
from eqvisit.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through eqvisit.storage.migrate, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
    render_item=render_item,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
