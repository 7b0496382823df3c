"""templates get a record id (template_id@version) so they sync as reference data

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("templates", schema=None, recreate="always") as batch_op:
        batch_op.add_column(sa.Column("id", sa.String(length=100), nullable=True))
    op.execute("UPDATE templates SET id = template_id || '@' || version")
    with op.batch_alter_table("templates", schema=None, recreate="always") as batch_op:
        batch_op.alter_column("id", existing_type=sa.String(length=100), nullable=False)
        batch_op.drop_constraint("pk_templates", type_="primary")
        batch_op.create_primary_key("pk_templates", ["id"])
        batch_op.create_unique_constraint(
            batch_op.f("uq_templates_template_id_version"), ["template_id", "version"]
        )


def downgrade() -> None:
    with op.batch_alter_table("templates", schema=None, recreate="always") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_templates_template_id_version"), type_="unique")
        batch_op.drop_constraint("pk_templates", type_="primary")
        batch_op.create_primary_key("pk_templates", ["template_id", "version"])
        batch_op.drop_column("id")
