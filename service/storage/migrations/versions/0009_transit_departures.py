"""Departures per stop and hour from an imported GTFS feed (issue 11, bmm transit import).

``transit_feeds``: one row per imported feed (name, service period, the representative weekday counted, how many
of its stops matched the packaged stop table, when). ``transit_departures``: per feed, packaged stop
(data/geo/transit_stops.csv) and mode group the departures per hour in the morning peak and around each
shift-change hour. Removing a feed removes its departures (cascade, and explicitly in the store).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transit_feeds",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("feed_stops", sa.Integer(), nullable=False),
        sa.Column("matched_by_name", sa.Integer(), nullable=False),
        sa.Column("matched_by_position", sa.Integer(), nullable=False),
        sa.Column("unmatched", sa.Integer(), nullable=False),
        sa.Column("stops_covered", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_transit_feeds"),
    )
    op.create_table(
        "transit_departures",
        sa.Column("feed", sa.String(100), nullable=False),
        sa.Column("stop_id", sa.String(32), nullable=False),
        sa.Column("mode_group", sa.String(16), nullable=False),
        sa.Column("peak_per_hour", sa.Float(), nullable=False),
        sa.Column("shift", sa.JSON(), nullable=False),
        sa.Column("feed_stop_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed"], ["transit_feeds.name"], name="fk_transit_departures_feed_transit_feeds", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("feed", "stop_id", "mode_group", name="pk_transit_departures"),
    )


def downgrade() -> None:
    op.drop_table("transit_departures")
    op.drop_table("transit_feeds")
