"""providers get (region, name) and (ICB, name) indexes: a filtered provider list is read in order

Revision ID: 0007_filters
Revises: 0006_reports
Create Date: 2026-11-23 05:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0007_filters"
down_revision = "0006_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_providers_region_name", "providers", ["region_code", "name"])
    op.create_index("ix_providers_icb_name", "providers", ["icb_code", "name"])


def downgrade() -> None:
    op.drop_index("ix_providers_icb_name", table_name="providers")
    op.drop_index("ix_providers_region_name", table_name="providers")
