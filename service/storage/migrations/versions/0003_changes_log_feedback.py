"""Change log for the in-memory indexes, recommendation log and feedback.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation_changes",
        sa.Column("revision", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(64)),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("revision", name="pk_organisation_changes"),
    )
    op.create_table(
        "recommendation_log",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("endpoint", sa.String(32), nullable=False),
        sa.Column("item_type", sa.String(16), nullable=False),
        sa.Column("organisation_id", sa.String(64)),
        sa.Column("key_id", sa.String(32)),
        sa.Column("role", sa.String(16)),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recommendation_log"),
    )
    op.create_index("ix_recommendation_log_served_at", "recommendation_log", ["served_at"])
    op.create_index("ix_recommendation_log_organisation_id", "recommendation_log", ["organisation_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.String(64), nullable=False),
        sa.Column("item_type", sa.String(16), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("key_id", sa.String(32)),
        sa.Column("role", sa.String(16)),
        sa.Column("recommendation_id", sa.String(32)),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation_log.id"],
            name="fk_feedback_recommendation_id_recommendation_log",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_organisation_id", "feedback", ["organisation_id"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("recommendation_log")
    op.drop_table("organisation_changes")
