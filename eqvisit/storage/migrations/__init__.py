"""Alembic migrations of the local store (script location for :mod:`eqvisit.storage.migrate`)."""
