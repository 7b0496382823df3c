"""receipt_blocks and receipt_stale: a visit's receipt reads one kept block per record

Triggers on field_versions mark a visit record stale on every insert, update or delete of one of
its stamps; the next receipt rebuilds the stale blocks and hashes the blocks in key order. Every
record already in a visit starts stale, so the first receipt after the upgrade builds them all.

Revision ID: 0009_receipt_blocks
Revises: 0008_digest
Create Date: 2026-11-23 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_receipt_blocks"
down_revision = "0008_digest"
branch_labels = None
depends_on = None



def key_columns() -> list[sa.Column[str]]:
    return [
        sa.Column("scope", sa.String(80), primary_key=True),
        sa.Column("record_type", sa.String(40), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
    ]


# Receipts are kept for visit scopes only: a pull of a million intelligence rows pays one
# failed LIKE per stamp, nothing more.
TRIGGERS = {
    "field_versions_receipt_insert": """
        CREATE TRIGGER field_versions_receipt_insert AFTER INSERT ON field_versions
        WHEN NEW.scope LIKE 'visit:%'
        BEGIN
            INSERT OR IGNORE INTO receipt_stale (scope, record_type, record_id)
            VALUES (NEW.scope, NEW.record_type, NEW.record_id);
        END
    """,
    "field_versions_receipt_update": """
        CREATE TRIGGER field_versions_receipt_update AFTER UPDATE ON field_versions
        WHEN NEW.scope LIKE 'visit:%' OR OLD.scope LIKE 'visit:%'
        BEGIN
            INSERT OR IGNORE INTO receipt_stale (scope, record_type, record_id)
            SELECT NEW.scope, NEW.record_type, NEW.record_id WHERE NEW.scope LIKE 'visit:%';
            INSERT OR IGNORE INTO receipt_stale (scope, record_type, record_id)
            SELECT OLD.scope, OLD.record_type, OLD.record_id WHERE OLD.scope LIKE 'visit:%';
        END
    """,
    "field_versions_receipt_delete": """
        CREATE TRIGGER field_versions_receipt_delete AFTER DELETE ON field_versions
        WHEN OLD.scope LIKE 'visit:%'
        BEGIN
            INSERT OR IGNORE INTO receipt_stale (scope, record_type, record_id)
            VALUES (OLD.scope, OLD.record_type, OLD.record_id);
        END
    """,
}


def upgrade() -> None:
    op.create_table(
        "receipt_blocks",
        *key_columns(),
        sa.Column("lines", sa.Text(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table("receipt_stale", *key_columns(), sqlite_with_rowid=False)
    for statement in TRIGGERS.values():
        op.execute(statement)
    op.execute(
        "INSERT INTO receipt_stale (scope, record_type, record_id) "
        "SELECT DISTINCT scope, record_type, record_id FROM field_versions "
        "WHERE scope LIKE 'visit:%'"
    )


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("receipt_stale")
    op.drop_table("receipt_blocks")
