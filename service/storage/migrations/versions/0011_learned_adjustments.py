"""Learned re-ranking adjustments from advisors' feedback, versioned with model cards (issue 16).

PLACEHOLDER: reserved in the chain so that parallel work lands in order; filled by its change.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
