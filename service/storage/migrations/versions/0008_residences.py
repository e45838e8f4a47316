"""Staff home postcodes per organisation and the share_residence_aggregates consent (issue 14).

PLACEHOLDER: reserved in the chain so that parallel work lands in order; filled by its change.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
