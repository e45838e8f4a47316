"""Hardening: API keys bound to the organisation's lifetime and the import lock in the database (issue 17).

PLACEHOLDER: reserved in the chain so that parallel work lands in order; filled by its change.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
