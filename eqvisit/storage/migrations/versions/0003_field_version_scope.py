"""field versions know their record's scope (for per-visit receipts)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("field_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f("ix_field_versions_scope"), ["scope"], unique=False)
    # Local edits already stamped: their scope is the one their outbox change named.
    op.execute(
        "UPDATE field_versions SET scope = (SELECT o.scope FROM outbox o"
        " WHERE o.record_type = field_versions.record_type AND o.record_id = field_versions.record_id"
        " ORDER BY o.seq DESC LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("field_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_versions_scope"))
        batch_op.drop_column("scope")
