"""The product's peer candidate search as a PostGIS query, for the comparison in bench_scale.py.

The same blocking as ``OrganisationIndex.peer_candidates`` with ``visible_only`` (what an organisation's own
key gets): within ``radius_km`` on the sphere, the ``nearest`` closest organisations of the query's peer
group that are visible to peers, plus the ``per_problem`` closest ones reporting each given problem (the
query's rarest ones), nearest first. Organisations are (id, peer group, visible, problem bit mask,
``geography(Point)``) with a GiST index on the point; each part is a kNN scan of that index (``<->``)
filtered by group and visibility and bounded by ``ST_DWithin``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import make_url

TABLE = "peer_candidates"


@dataclass(frozen=True)
class CandidateRow:
    id: str
    group: str
    lat: float
    lon: float
    visible: bool
    issue_bits: int  # bit i set: the organisation reports PROBLEMS[i]


def conninfo(url: str) -> str:
    """A psycopg connection string for an SQLAlchemy ``postgresql+psycopg://`` URL (host may be a socket)."""
    parsed = make_url(url)
    parts = {
        "host": parsed.query.get("host") or parsed.host,
        "port": parsed.query.get("port") or parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
    }
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


def postgis_available(connection: Any) -> bool:
    """Whether the server has the PostGIS extension installed (Debian: postgresql-15-postgis-3)."""
    row = connection.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone()
    return row is not None


def load(connection: Any, rows: Iterable[CandidateRow]) -> int:
    """Create the extension and the table, COPY ``rows`` in, build the GiST index and analyse; returns the count."""
    connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    connection.execute(f"DROP TABLE IF EXISTS {TABLE}")
    connection.execute(
        f"CREATE TABLE {TABLE} (id text PRIMARY KEY, peer_group text NOT NULL, visible boolean NOT NULL, "
        "issues integer NOT NULL, geog geography(Point, 4326) NOT NULL)"
    )
    count = 0
    with connection.cursor().copy(f"COPY {TABLE} (id, peer_group, visible, issues, geog) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((row.id, row.group, row.visible, row.issue_bits, f"SRID=4326;POINT({row.lon} {row.lat})"))
            count += 1
    connection.execute(f"CREATE INDEX {TABLE}_geog ON {TABLE} USING gist (geog)")
    connection.execute(f"ANALYZE {TABLE}")
    connection.commit()
    return count


def candidate_sql(problems: int) -> str:
    """The candidate query with ``problems`` per-problem parts (parameters: lon, lat, group, radius_m,
    nearest, per_problem, bit0..)."""
    point = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography"
    where = f"peer_group = %(group)s AND visible AND ST_DWithin(geog, {point}, %(radius_m)s, false)"
    parts = [f"(SELECT id, geog <-> {point} AS d FROM {TABLE} WHERE {where} ORDER BY d, id LIMIT %(nearest)s)"]
    parts += [
        f"(SELECT id, geog <-> {point} AS d FROM {TABLE} WHERE {where} AND issues & %(bit{i})s <> 0 "
        "ORDER BY d, id LIMIT %(per_problem)s)"
        for i in range(problems)
    ]
    return f"SELECT id, min(d) AS d FROM ({' UNION ALL '.join(parts)}) AS found GROUP BY id ORDER BY d, id"


def candidates(
    connection: Any,
    *,
    lat: float,
    lon: float,
    group: str,
    radius_km: float,
    nearest: int,
    per_problem: int = 0,
    problems: Sequence[int] = (),
) -> list[str]:
    """The candidate ids, nearest first (see the module docstring); ``problems`` are bit positions."""
    parameters: dict[str, Any] = {"lat": lat, "lon": lon, "group": group, "radius_m": radius_km * 1000,
                                  "nearest": nearest, "per_problem": per_problem}  # fmt: skip
    parameters.update({f"bit{i}": 1 << problem for i, problem in enumerate(problems)})
    return [row[0] for row in connection.execute(candidate_sql(len(problems)), parameters, prepare=True)]


def rarest_problems(issues: npt.NDArray[np.bool_], weights: npt.NDArray[np.float64], count: int) -> list[int]:
    """The query's ``count`` rarest problems (highest IDF weight first), as the product's blocking picks them."""
    mine = np.flatnonzero(issues)
    return [int(p) for p in mine[np.argsort(-weights[mine], kind="stable")][:count]]
