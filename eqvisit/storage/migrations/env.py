"""Alembic environment of the laptop store (run through :mod:`eqvisit.storage.migrate`)."""

from __future__ import annotations

from eqvisit.storage.migration_hooks import run_migrations
from eqvisit.storage.models import Base

run_migrations(Base.metadata, skip_search_tables=True)
