"""field_versions: a WITHOUT ROWID table, and an index on (scope, record) instead of a covering one

Every write of the store (an edit, a pulled row) writes stamps. As a rowid table, field_versions
was two B-trees (the rows and its primary key's index) plus the scope index; keyed by its primary
key it is one, and the scope index no longer carries hlc and device (since 0009 a receipt reads
kept blocks; only a stale record's few stamps are read again, by primary key). Writing 200,000
stamps went from ~1.5 s to ~0.7 s (bench/bench_sync_pull.py's store, encrypted).

SQLite cannot change a table to WITHOUT ROWID in place: this is its "generalized ALTER TABLE"
procedure. The new table is filled from the old, the old dropped, the new renamed, then the
triggers the old table had (0009's receipt marks) are created again from their saved text.

Revision ID: 0010_fv_without_rowid
Revises: 0009_receipt_blocks
Create Date: 2026-11-23 15:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_fv_without_rowid"
down_revision = "0009_receipt_blocks"
branch_labels = None
depends_on = None

COLUMNS = "record_type, record_id, field, hlc, device_id, author_id, scope"
COVERING = ["scope", "record_type", "record_id", "field", "hlc", "device_id"]
BY_RECORD = ["scope", "record_type", "record_id", "field"]


def _rebuild(*, with_rowid: bool) -> None:
    bind = op.get_bind()
    triggers = bind.execute(
        sa.text(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'field_versions'"
        )
    ).scalars().all()
    op.create_table(
        "field_versions_rebuilt",
        sa.Column("record_type", sa.String(40), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("hlc", sa.String(24), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("scope", sa.String(80), nullable=True),
        sa.PrimaryKeyConstraint("record_type", "record_id", "field", name="pk_field_versions"),
        sqlite_with_rowid=with_rowid,
    )
    op.execute(
        f"INSERT INTO field_versions_rebuilt ({COLUMNS}) "  # noqa: S608 constants only
        f"SELECT {COLUMNS} FROM field_versions"
    )
    op.drop_table("field_versions")  # its indexes and triggers go with it
    op.rename_table("field_versions_rebuilt", "field_versions")
    for statement in triggers:
        op.execute(statement)


def upgrade() -> None:
    _rebuild(with_rowid=False)
    op.create_index("ix_field_versions_scope_record", "field_versions", BY_RECORD)


def downgrade() -> None:
    _rebuild(with_rowid=True)
    op.create_index("ix_field_versions_scope_order", "field_versions", COVERING)
