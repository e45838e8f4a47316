"""PostgreSQL: organisation ids sort and compare by code point (collation "C"), as in Python and SQLite.

The service pages through ids in SQL (``ORDER BY id``, ``id > last``) and sorts them in Python; with the
database's collation (e.g. de_DE or ICU de-DE, which sort 'a_b' < 'A-1' < 'a-b' < 'a1') the two orders
disagree. SQLite compares text by code point already, so this revision changes nothing there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The primary key and the foreign keys referencing it: one collation for the columns that are compared.
ID_COLUMNS = (
    ("organisation_issues", "organisation_id"),
    ("organisation_measures", "organisation_id"),
    ("organisations", "id"),
)


def _set_collation(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in ID_COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.String(64, collation=collation),
            existing_type=sa.String(64),
            existing_nullable=False,
        )


def upgrade() -> None:
    _set_collation("C")


def downgrade() -> None:
    _set_collation(None)  # the database's default collation
