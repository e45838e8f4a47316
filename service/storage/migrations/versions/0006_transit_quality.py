"""Transit quality from every stop: ``transit_class``, ``transit_stop``, ``transit_stops`` (matcher/transit).

Rows stored before this revision get the columns filled here from their stored location with the packaged
stop table (data/geo/transit_stops.csv) and the default ``TransitSettings``, so existing demo databases load
without a re-seed. A profile saved later is recomputed from its location as before.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_CHUNK = 5_000


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("transit_class", sa.String(4)))
        batch.add_column(sa.Column("transit_stop", sa.JSON()))
        batch.add_column(sa.Column("transit_stops", sa.JSON()))
    _fill()
    with op.batch_alter_table("organisations") as batch:
        batch.alter_column("transit_class", existing_type=sa.String(4), nullable=False)
        batch.alter_column("transit_stops", existing_type=sa.JSON(), nullable=False)


def _fill() -> None:
    connection = op.get_bind()
    table = sa.table(
        "organisations",
        sa.column("id", sa.String()),
        sa.column("location_lat", sa.Float()),
        sa.column("location_lon", sa.Float()),
        sa.column("municipality_ags", sa.String()),
        sa.column("transit_class", sa.String()),
        sa.column("transit_stop", sa.JSON()),
        sa.column("transit_stops", sa.JSON()),
    )
    rows = connection.execute(
        sa.select(table.c.id, table.c.location_lat, table.c.location_lon, table.c.municipality_ags)
    ).all()
    if not rows:
        return
    # Imported here: only a database with rows to fill needs the stop table (about 0.3 s to load).
    from matcher.resources import data_dir
    from matcher.settings import TransitSettings
    from matcher.transit.quality import transit_access
    from matcher.transit.stops import load_transit_stops

    directory = data_dir()
    stops = load_transit_stops(directory)
    municipalities = pd.read_csv(
        directory / "geo" / "municipalities.csv", dtype=str, usecols=["ags", "urbanisation_code"]
    )
    sparse_ags = set(municipalities.loc[municipalities["urbanisation_code"] == "03", "ags"])
    settings = TransitSettings()
    update = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values(
            transit_class=sa.bindparam("t_class"),
            transit_stop=sa.bindparam("t_stop", type_=sa.JSON()),
            transit_stops=sa.bindparam("t_stops", type_=sa.JSON()),
        )
    )
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        access = transit_access(
            stops, [r.location_lat for r in chunk], [r.location_lon for r in chunk], settings,
            sparse=[r.municipality_ags in sparse_ags for r in chunk],
        )  # fmt: skip
        connection.execute(
            update,
            [
                {
                    "row_id": row.id,
                    "t_class": a.transit_class.value,
                    "t_stop": None if a.best is None else a.best.model_dump(mode="json"),
                    "t_stops": [s.model_dump(mode="json") for s in a.stops],
                }
                for row, a in zip(chunk, access, strict=True)
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("transit_stops")
        batch.drop_column("transit_stop")
        batch.drop_column("transit_class")
