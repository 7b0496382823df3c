"""The central store's models and its migrations describe the same schema."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.server.models import ServerBase


def test_server_models_and_migrations_agree(tmp_path: Path) -> None:
    engine = open_central_store(str(tmp_path / "central.sqlite3"))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, ServerBase.metadata) == []
    finally:
        engine.dispose()
