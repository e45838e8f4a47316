"""Organisations with their issues and measures in place.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sector", sa.String(1)),
        sa.Column("employees", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("postcode", sa.String(5)),
        sa.Column("address", sa.String(300)),
        sa.Column("estate", sa.String(200)),
        sa.Column("shift_work", sa.Boolean(), nullable=False),
        sa.Column("visible_to_peers", sa.Boolean(), nullable=False),
        sa.Column("contact_shareable", sa.Boolean(), nullable=False),
        sa.Column("contact_name", sa.String(200)),
        sa.Column("contact_email", sa.String(254)),
        sa.Column("contact_phone", sa.String(32)),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("location_lat", sa.Float(), nullable=False),
        sa.Column("location_lon", sa.Float(), nullable=False),
        sa.Column("location_precision", sa.String(16), nullable=False),
        sa.Column("municipality_ags", sa.String(8), nullable=False),
        sa.Column("municipality_name", sa.String(200), nullable=False),
        sa.Column("kreis_code", sa.String(5), nullable=False),
        sa.Column("kreis_name", sa.String(200), nullable=False),
        sa.Column("state", sa.String(5), nullable=False),
        sa.Column("station_distance_km", sa.Float(), nullable=False),
        sa.Column("nearest_station", sa.String(200), nullable=False),
        sa.Column("urbanisation", sa.String(16), nullable=False),
        sa.Column("population_density", sa.Float(), nullable=False),
        sa.Column("kreis_commuter_balance", sa.Integer(), nullable=False),
        sa.Column("kreis_commuter_balance_per_1000", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
    )
    for column in ("kind", "estate", "synthetic", "municipality_ags", "kreis_code", "state"):
        op.create_index(f"ix_organisations_{column}", "organisations", [column])
    for table, column in (("organisation_issues", "issue"), ("organisation_measures", "measure_id")):
        op.create_table(
            table,
            sa.Column("organisation_id", sa.String(64), nullable=False),
            sa.Column(column, sa.String(64), nullable=False),
            sa.ForeignKeyConstraint(
                ["organisation_id"],
                ["organisations.id"],
                ondelete="CASCADE",
                name=f"fk_{table}_organisation_id_organisations",
            ),
            sa.PrimaryKeyConstraint("organisation_id", column, name=f"pk_{table}"),
        )
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    op.drop_table("organisation_measures")
    op.drop_table("organisation_issues")
    op.drop_table("organisations")
