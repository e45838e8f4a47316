"""Geocoding of street addresses: a geocode cache table and location_precision (issue 13).

PLACEHOLDER: reserved in the chain so that parallel work lands in order; filled by its change.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
