"""Freshness across workers (issue 15): the change log's readers and how far the log was pruned.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_readers",
        sa.Column("reader_id", sa.String(64), nullable=False),
        sa.Column("applied_revision", sa.Integer(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reader_id", name="pk_change_readers"),
    )
    pruned = op.create_table(
        "change_log_pruned",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_change_log_pruned"),
    )
    op.bulk_insert(pruned, [{"id": 1, "revision": 0}])


def downgrade() -> None:
    op.drop_table("change_log_pruned")
    op.drop_table("change_readers")
