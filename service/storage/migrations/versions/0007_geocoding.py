"""Geocoding of street addresses: a geocode cache table and location_precision (issue 13).

``geocode_cache`` holds the geocoder's answer per normalised address (a point, "not found" or a failed
request, with source and date). ``location_precision`` (created in 0001 with ``exact`` | ``postcode``) now
says ``coordinates`` | ``address`` | ``postcode`` | ``municipality``. Stored rows are decided from what is
stored, by the rule the resolver applies to new rows (matcher/geo/resolver.py, docs/geography.md):

- ``postcode`` stays ``postcode`` (the row had no coordinates: it sits on its postcode's centroid);
- ``exact`` (coordinates were given) becomes ``postcode`` where the given point is its postcode's centroid
  (within 10 m: a list exported by a tool that knew only the postcode), ``municipality`` where it is the
  centre of its municipality, else ``coordinates``.

No stored row can be ``address``: nothing was geocoded before this revision. The downgrade restores the
old rule: ``exact`` where coordinates were given, else ``postcode`` (a geocoded point stays stored until
the row is next saved).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_CHUNK = 5_000


def upgrade() -> None:
    op.create_table(
        "geocode_cache",
        sa.Column("address_key", sa.String(320), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("precision", sa.String(16)),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("geocoded_on", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address_key", name="pk_geocode_cache"),
    )
    _decide_given_coordinates()


def _table() -> sa.TableClause:
    return sa.table(
        "organisations",
        sa.column("id", sa.String()),
        sa.column("lat", sa.Float()),
        sa.column("lon", sa.Float()),
        sa.column("postcode", sa.String()),
        sa.column("municipality_ags", sa.String()),
        sa.column("location_precision", sa.String()),
    )


def _decide_given_coordinates() -> None:
    connection = op.get_bind()
    table = _table()
    rows = connection.execute(
        sa.select(table.c.id, table.c.lat, table.c.lon, table.c.postcode, table.c.municipality_ags).where(
            table.c.location_precision == "exact"
        )
    ).all()
    if not rows:
        return
    # Imported here: only a database with rows to decide needs the reference tables.
    import numpy as np
    import pandas as pd

    from matcher.geo.distance import haversine_km
    from matcher.geo.resolver import SAME_POINT_KM
    from matcher.resources import data_dir

    geo = data_dir() / "geo"
    postcodes = pd.read_csv(geo / "postcodes.csv", dtype={"plz": str}, usecols=["plz", "lat", "lon"]).set_index("plz")
    centres = pd.read_csv(geo / "municipalities.csv", dtype={"ags": str}, usecols=["ags", "lat", "lon"]).set_index(
        "ags"
    )
    update = (
        table.update().where(table.c.id == sa.bindparam("row_id")).values(location_precision=sa.bindparam("precision"))
    )
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        lat = np.array([r.lat for r in chunk], dtype=np.float64)
        lon = np.array([r.lon for r in chunk], dtype=np.float64)
        plz = postcodes.reindex([r.postcode or "" for r in chunk])
        centre = centres.reindex([r.municipality_ags for r in chunk])
        at_postcode = haversine_km(lat, lon, plz["lat"].to_numpy(), plz["lon"].to_numpy()) <= SAME_POINT_KM
        at_centre = haversine_km(lat, lon, centre["lat"].to_numpy(), centre["lon"].to_numpy()) <= SAME_POINT_KM
        precision = np.where(at_postcode, "postcode", np.where(at_centre, "municipality", "coordinates"))
        connection.execute(
            update, [{"row_id": r.id, "precision": str(p)} for r, p in zip(chunk, precision.tolist(), strict=True)]
        )


def downgrade() -> None:
    table = _table()
    connection = op.get_bind()
    # Before 0007, a row with given coordinates was 'exact' and any other 'postcode'.
    connection.execute(table.update().where(table.c.lat.is_not(None)).values(location_precision="exact"))
    connection.execute(table.update().where(table.c.lat.is_(None)).values(location_precision="postcode"))
    op.drop_table("geocode_cache")
