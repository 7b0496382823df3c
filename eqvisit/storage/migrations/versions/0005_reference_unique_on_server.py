"""reference numbers: unique per visit on the central store, a plain index on the laptop

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 23:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index("uq_findings_visit_reference")
        batch_op.create_index("ix_findings_visit_reference", ["visit_id", "reference"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index("ix_findings_visit_reference")
        batch_op.create_index(
            "uq_findings_visit_reference",
            ["visit_id", "reference"],
            unique=True,
            sqlite_where="reference IS NOT NULL",
        )
