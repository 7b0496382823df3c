"""issued report versions (PDF bytes and SHA-256), never changed or deleted

Revision ID: 0006_reports
Revises: 0006_ui
Create Date: 2026-11-23 01:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_reports"
down_revision = "0006_ui"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_versions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("visit_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("data_digest", sa.String(length=64), nullable=False),
        sa.Column("app_version", sa.String(length=40), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_by", sa.String(length=36), nullable=True),
        sa.Column("signed_off_by", sa.String(length=36), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attachment_id", sa.String(length=36), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'final')", name=op.f("ck_report_versions_status_known")),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_report_versions_sha256_length")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_report_versions_number_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_versions")),
        sa.UniqueConstraint("visit_id", "number", name=op.f("uq_report_versions_visit_id_number")),
    )
    with op.batch_alter_table("report_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_versions_visit_id"), ["visit_id"], unique=False)
    op.execute(
        "CREATE TRIGGER report_versions_never_change BEFORE UPDATE ON report_versions "
        "BEGIN SELECT RAISE(ABORT, 'an issued report version is never changed'); END"
    )
    op.execute(
        "CREATE TRIGGER report_versions_never_deleted BEFORE DELETE ON report_versions "
        "BEGIN SELECT RAISE(ABORT, 'an issued report version is never deleted'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS report_versions_never_deleted")
    op.execute("DROP TRIGGER IF EXISTS report_versions_never_change")
    with op.batch_alter_table("report_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_versions_visit_id"))
    op.drop_table("report_versions")
