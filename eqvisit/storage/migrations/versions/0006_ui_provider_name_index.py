"""providers get an index on name: the provider list is ordered by name on every keystroke

Revision ID: 0006_ui
Revises: 0005
Create Date: 2026-11-23 02:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0006_ui"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_providers_name", "providers", ["name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_providers_name", table_name="providers")
