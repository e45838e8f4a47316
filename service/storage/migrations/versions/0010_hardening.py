"""Hardening: API keys bound to the organisation's lifetime and the import lock in the database (issue 17).

``api_keys.revoked_reason`` says why a key was revoked (``manual`` by ``bmm keys revoke``,
``organisation_deleted`` when the organisation it belongs to was deleted); keys revoked before this
revision were revoked by hand. ``import_locks`` holds one row per running import (owner and expiry), so
that two processes or machines never import at once.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("revoked_reason", sa.String(32)))
    api_keys = sa.table("api_keys", sa.column("revoked_at", sa.DateTime()), sa.column("revoked_reason", sa.String()))
    op.execute(api_keys.update().where(api_keys.c.revoked_at.is_not(None)).values(revoked_reason="manual"))
    op.create_table(
        "import_locks",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_import_locks"),
    )


def downgrade() -> None:
    op.drop_table("import_locks")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("revoked_reason")
