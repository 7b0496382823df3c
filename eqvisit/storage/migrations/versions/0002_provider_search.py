"""provider full-text search (SQLite FTS5, kept in step with providers by triggers)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = "name, ods_code, postcode, region_code, icb_code"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE provider_search USING fts5("
        f"{COLUMNS}, content='providers', content_rowid='rowid', "
        "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')"
    )
    op.execute(
        f"INSERT INTO provider_search(rowid, {COLUMNS}) SELECT rowid, {COLUMNS} FROM providers"
    )
    op.execute(
        "CREATE TRIGGER provider_search_ai AFTER INSERT ON providers BEGIN "
        f"INSERT INTO provider_search(rowid, {COLUMNS}) "
        "VALUES (new.rowid, new.name, new.ods_code, new.postcode, new.region_code, new.icb_code); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER provider_search_ad AFTER DELETE ON providers BEGIN "
        f"INSERT INTO provider_search(provider_search, rowid, {COLUMNS}) "
        "VALUES ('delete', old.rowid, old.name, old.ods_code, old.postcode, old.region_code, "
        "old.icb_code); END"
    )
    op.execute(
        "CREATE TRIGGER provider_search_au AFTER UPDATE ON providers BEGIN "
        f"INSERT INTO provider_search(provider_search, rowid, {COLUMNS}) "
        "VALUES ('delete', old.rowid, old.name, old.ods_code, old.postcode, old.region_code, "
        "old.icb_code); "
        f"INSERT INTO provider_search(rowid, {COLUMNS}) "
        "VALUES (new.rowid, new.name, new.ods_code, new.postcode, new.region_code, new.icb_code); "
        "END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("provider_search_ai", "provider_search_ad", "provider_search_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS provider_search")
