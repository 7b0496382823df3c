"""Alembic environment of the central store (run through :mod:`eqvisit.storage.migrate`)."""

from __future__ import annotations

from eqvisit.storage.migration_hooks import run_migrations
from eqvisit.sync.server.models import ServerBase

run_migrations(ServerBase.metadata)
