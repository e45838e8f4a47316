"""The members' transit situation in a cluster's description, at real places (docs/planning.md, Clusters)."""

from __future__ import annotations

import math
from datetime import date

import pytest

from matcher.index import OrganisationIndex
from matcher.models import Organisation, OrganisationProfile
from matcher.planning.clusters.finding import Cluster, find_clusters
from matcher.planning.clusters.transit import distance_span
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.vectorise import fit_vectoriser

REMOTE = (51.52, 7.78)  # open country at Fröndenberg/Ruhr: no stop within walking distance
KAMPSTRASSE = (51.5136, 7.4635)  # Dortmund centre: Stadtbahn, S-Bahn and the main station nearby
STUTTGART = (48.8300, 9.1600)  # Feuerbach


def _site(origin: tuple[float, float], i: int) -> tuple[float, float]:
    """Six firms 100 m apart in a 3 x 2 grid."""
    east, north = 0.1 * (i % 3), 0.1 * (i // 3)
    return origin[0] + north / 111.195, origin[1] + east / (111.195 * math.cos(math.radians(origin[0])))


@pytest.fixture(scope="module")
def clusters(builder: ProfileBuilder, reference: ReferenceData) -> dict[str, Cluster]:
    groups = {
        "remote": (REMOTE, ["poor_transit_access", "shift_work"]),
        "central": (KAMPSTRASSE, ["poor_transit_access", "parking_shortage"]),
        "parking": (STUTTGART, ["parking_shortage"]),
    }
    organisations: list[Organisation] = []
    for group, (origin, issues) in groups.items():
        for i in range(6):
            lat, lon = _site(origin, i)
            profile = OrganisationProfile(
                kind="company", name=f"{group}{i}", sector="C", employees=80, lat=lat, lon=lon, issues=issues
            )
            organisations.append(builder.build(profile, f"{group}{i}"))
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    answer = find_clusters(index, reference, MatcherSettings(), as_of=date(2026, 12, 6))
    return {cluster.members[0].rstrip("0123456789"): cluster for cluster in answer.clusters}


def test_poorly_served_members_and_the_stop_most_of_them_have_nearest(clusters: dict[str, Cluster]) -> None:
    remote = clusters["remote"]
    assert [(c.transit_class, c.members) for c in remote.transit_classes] == [("none", 6)]
    assert remote.transit_note == "überwiegend ÖV-Güteklasse D/keine (6 von 6 Betrieben)"
    assert remote.transit_stop_note is not None
    assert remote.transit_stop_note.startswith("häufigste nächste Haltestelle: Bushaltestelle ")
    assert "(für 6 Betriebe, " in remote.transit_stop_note


def test_well_served_members_point_to_timetable_or_last_mile(clusters: dict[str, Cluster]) -> None:
    central = clusters["central"]
    assert {c.transit_class for c in central.transit_classes} <= {"A", "B"}
    assert central.transit_note is not None
    assert central.transit_note.startswith("überwiegend mit Haltestelle in Gehweite (ÖV-Güteklasse D/keine nur bei 0")
    assert central.transit_note.endswith("– eher Takt, Fahrplan oder letzte Meile prüfen")
    assert central.transit_stop_note is None


def test_no_transit_note_without_a_transit_problem(clusters: dict[str, Cluster]) -> None:
    parking = clusters["parking"]
    assert parking.transit_note is None
    assert parking.transit_stop_note is None
    assert sum(c.members for c in parking.transit_classes) == parking.size


@pytest.mark.parametrize(
    ("distances", "text"),
    [([0.3, 0.3], "300 m"), ([0.3, 0.8], "300–800 m"), ([1.7, 1.8], "1,7–1,8 km"), ([0.54, 1.1], "540 m–1,1 km")],
)
def test_distance_spans(distances: list[float], text: str) -> None:
    assert distance_span(distances) == text
