"""Departures per stop and hour from an imported GTFS feed (issue 11, bmm transit import).

PLACEHOLDER: reserved in the chain so that parallel work lands in order; filled by its change.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
