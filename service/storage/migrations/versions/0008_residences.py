"""Staff home postcodes per organisation and the share_residence_aggregates consent (issue 14).

``residence_uploads``: one row per organisation with the upload time, the head count and the people per postcode
(a JSON object): only aggregates, never a row per person. ``organisations.share_residence_aggregates`` is the
consent to pool them; existing profiles get false (privacy by default).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Compared with organisations.id in joins: the same collation on PostgreSQL (see 0004).
_ID = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(
            sa.Column("share_residence_aggregates", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "residence_uploads",
        sa.Column("organisation_id", _ID, nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", name="pk_residence_uploads"),
    )


def downgrade() -> None:
    op.drop_table("residence_uploads")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("share_residence_aggregates")
