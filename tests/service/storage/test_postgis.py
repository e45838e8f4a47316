"""The PostGIS candidate query of the scale benchmark (benchmarks/scale_postgis.py) finds what the product's
peer candidate search finds: within the radius, visible to peers only, the query's peer group, nearest first,
plus the nearest ones sharing the query's rarest problem. Runs on the session's throwaway PostgreSQL; without
the PostGIS extension (Debian postgresql-15-postgis-3) it is skipped, saying how to install it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from benchmarks.scale_postgis import CandidateRow, candidates, conninfo, load, postgis_available, rarest_problems
from matcher.index import PEER_GROUPS, OrganisationIndex
from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.vectorise import PROBLEMS, fit_vectoriser
from tests.service.postgres import PostgresServer

pytestmark = pytest.mark.postgresql

CENTRE = (51.5136, 7.4653)  # Dortmund
KM_PER_DEGREE_LAT = 111.2
RARE, COMMON = "parking_shortage", "long_commutes"

# id -> (km north of the centre, kind, visible to peers, problems)
LAYOUT: dict[str, tuple[float, str, bool, list[str]]] = {
    "q0": (0.0, "company", True, [RARE, COMMON]),  # the query itself (visible, so its own first candidate)
    "e1": (1.0, "company", True, [COMMON]),
    "e2": (2.0, "craft_business", True, [COMMON]),  # same peer group as companies
    "e3": (3.0, "company", True, [COMMON]),
    "h1": (0.5, "company", False, [RARE, COMMON]),  # nearest of all, but hidden
    "m1": (1.5, "municipality", True, [RARE, COMMON]),  # near, but another peer group
    "p1": (8.0, "company", True, [RARE]),  # beyond the nearest three, shares the rare problem
    "p2": (9.0, "company", True, [RARE]),
    "far": (15.0, "company", True, [RARE, COMMON]),  # outside the 10 km radius
}


@pytest.fixture(scope="module")
def layout(builder: ProfileBuilder, reference: ReferenceData) -> tuple[list[Organisation], OrganisationIndex, Any]:
    organisations = []
    for organisation_id, (north_km, kind, visible, issues) in LAYOUT.items():
        profile = OrganisationProfile.model_validate(
            {"kind": kind, "name": f"Betrieb {organisation_id}", "sector": "O" if kind == "municipality" else "C",
             "employees": 50, "lat": CENTRE[0] + north_km / KM_PER_DEGREE_LAT, "lon": CENTRE[1],
             "issues": issues, "visible_to_peers": visible}
        )  # fmt: skip
        organisations.append(builder.build(profile, organisation_id))
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    return organisations, OrganisationIndex.build(organisations, vectoriser, reference.catalog), vectoriser


@pytest.fixture
def postgis(postgres: PostgresServer) -> Iterator[Any]:
    import psycopg

    url = postgres.create_database()
    try:
        with psycopg.connect(conninfo(url)) as connection:
            if not postgis_available(connection):
                pytest.skip("PostGIS nicht installiert: scripts/install_postgis.sh")
            yield connection
    finally:
        postgres.drop_database(url)


def _rows(organisations: list[Organisation], index: OrganisationIndex) -> list[CandidateRow]:
    bits = (index.issues.astype(np.int64) << np.arange(index.issues.shape[1])).sum(axis=1)
    return [
        CandidateRow(o.id, PEER_GROUPS[o.kind], o.location.lat, o.location.lon, o.visible_to_peers, int(bits[i]))
        for i, o in enumerate(organisations)
    ]


@pytest.mark.parametrize(
    ("radius_km", "nearest", "per_problem", "problems", "expected"),
    [
        (10.0, 4, 0, 0, ["q0", "e1", "e2", "e3"]),
        (10.0, 4, 2, 1, ["q0", "e1", "e2", "e3", "p1"]),  # q0 and p1 are the two nearest with the rare problem
        (2.5, 10, 0, 0, ["q0", "e1", "e2"]),
        (10.0, 10, 3, 1, ["q0", "e1", "e2", "e3", "p1", "p2"]),
    ],
)
def test_postgis_finds_the_products_candidates(
    layout: tuple[list[Organisation], OrganisationIndex, Any],
    postgis: Any,
    radius_km: float,
    nearest: int,
    per_problem: int,
    problems: int,
    expected: list[str],
) -> None:
    organisations, index, vectoriser = layout
    assert load(postgis, _rows(organisations, index)) == len(LAYOUT)
    query = index.query_point(organisations[0], vectoriser)
    found = index.peer_candidates(query, radius_km, nearest, per_problem, problems, visible_only=True)
    product = [str(i) for i in index.ids[found.positions]]
    rarest = rarest_problems(query.issues, index.issue_weights, problems)
    assert [PROBLEMS[p] for p in rarest] == [RARE][:problems]
    location = organisations[0].location
    from_postgis = candidates(
        postgis, lat=location.lat, lon=location.lon, group=query.group, radius_km=radius_km, nearest=nearest,
        per_problem=per_problem, problems=rarest,
    )  # fmt: skip
    assert product == expected
    assert from_postgis == expected
