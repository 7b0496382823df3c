"""field_versions: no stamps for the scopes the central store owns

Reference data and provider intelligence are written only on the central store, which orders
those writes; from protocol 2 a laptop reads them through the feed and applies them in log
order, keeping no stamps for them (docs/sync.md, "Scopes the central store owns"). The ``*``
stamps earlier pulls wrote for them, one per record, are dropped: a profile that had pulled a
million intelligence rows held a million of them. The records stay, and so do the cursors: the
store's state at a cursor is the same however it was reached.

Revision ID: 0011_owned_without_stamps
Revises: 0010_fv_without_rowid
Create Date: 2026-12-08 00:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0011_owned_without_stamps"
down_revision = "0010_fv_without_rowid"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM field_versions WHERE scope = 'reference' OR scope LIKE 'provider:%'")


def downgrade() -> None:
    """The dropped stamps cannot be brought back from the laptop alone; nothing to undo."""
