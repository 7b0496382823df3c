"""intelligence_items: an index of red flags alone instead of (provider_id, flag)

The provider list counts each listed provider's red flags on every keystroke, and the filter
"red flags only" asks whether a provider has one; both read ``provider_id`` where ``flag =
'red'``, which a partial index answers on its own. The full (provider_id, flag) index had an
entry for every intelligence row, so a first sync of a million rows paid a fourth index insert
per row; this one takes one row in six of the synthetic benchmark data, and fewer of real NTS
data (red outliers are rare). Other flags are read per provider, through the (provider_id,
source, period) index.

Revision ID: 0012_red_flags_index
Revises: 0011_owned_without_stamps
Create Date: 2026-12-08 01:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_red_flags_index"
down_revision = "0011_owned_without_stamps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_intelligence_provider_flag", table_name="intelligence_items")
    op.create_index(
        "ix_intelligence_red_flags",
        "intelligence_items",
        ["provider_id"],
        sqlite_where=sa.text("flag = 'red'"),
        postgresql_where=sa.text("flag = 'red'"),
    )


def downgrade() -> None:
    op.drop_index("ix_intelligence_red_flags", table_name="intelligence_items")
    op.create_index(
        "ix_intelligence_provider_flag", "intelligence_items", ["provider_id", "flag"]
    )
