"""field_versions: a covering (scope, type, id, field, hlc, device) index for receipts

Replaces the index on scope alone (its prefix), which made every receipt sort the visit's stamps.

Revision ID: 0008_digest
Revises: 0007_filters
Create Date: 2026-11-23 05:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0008_digest"
down_revision = "0007_filters"
branch_labels = None
depends_on = None

COLUMNS = ["scope", "record_type", "record_id", "field", "hlc", "device_id"]


def upgrade() -> None:
    op.create_index("ix_field_versions_scope_order", "field_versions", COLUMNS)
    op.drop_index("ix_field_versions_scope", table_name="field_versions")


def downgrade() -> None:
    op.create_index("ix_field_versions_scope", "field_versions", ["scope"])
    op.drop_index("ix_field_versions_scope_order", table_name="field_versions")
