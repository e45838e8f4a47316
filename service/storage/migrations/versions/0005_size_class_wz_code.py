"""Employee size classes and WZ 2008 codes from member lists: ``employees_estimated``, ``size_class``, ``wz_code``.

A chamber's list often gives a size class ("50 bis 249") instead of a head count, and a WZ 2008 class
("25.62.0") instead of the section letter; the head count is then an estimate inside the class and the
code is kept beside the section. Rows stored before this revision hold counts and sections only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("employees_estimated", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("size_class", sa.String(20)))
        batch.add_column(sa.Column("wz_code", sa.String(7)))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("wz_code")
        batch.drop_column("size_class")
        batch.drop_column("employees_estimated")
