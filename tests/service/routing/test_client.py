"""The routing client against stand-in OSRM and Valhalla servers on loopback: distances, batching, cache, fallback."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.reference import ReferenceData
from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.analysis import Site, analyse
from matcher.residences.distances import PostcodeTable
from matcher.transit.model import TransitClass
from service.config import RoutingEngine, ServiceSettings
from service.routing import road_distances, routing_client
from service.routing.client import BATCH, RETRY_AFTER_SECONDS, RoutingClient
from service.routing.engines import USER_AGENT
from tests.service.routing.standin import StandIn, key, refused_url, serve

SITE = (51.51392, 7.47731)  # Dortmund city centre; routed to (51.514, 7.477)
ROUNDED_SITE = (51.514, 7.477)
HOMES = {"44135": (51.51390, 7.47727), "44139": (51.49707, 7.45824), "44803": (51.46914, 7.26188)}
PLANTED = {key(*HOMES["44135"]): 0.4, key(*HOMES["44139"]): 3.1, key(*HOMES["44803"]): 14.2}


def _client(url: str, engine: str = "osrm", **settings: Any) -> RoutingClient:
    return RoutingClient(ServiceSettings(routing_engine=RoutingEngine(engine), routing_url=url, **settings))


class FakeClock:
    def __init__(self, step: float = 0.0) -> None:
        self.now, self.step = 1000.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture(scope="module")
def postcode_table(reference: ReferenceData) -> PostcodeTable:
    return PostcodeTable.build(reference.geo)


def test_osrm_table_service_gives_the_planted_distances() -> None:
    with serve(StandIn("osrm", PLANTED)) as osrm:
        road = _client(osrm.url).road_distances(SITE, HOMES)
    assert road.km == {"44135": 0.4, "44139": 3.1, "44803": 14.2}
    assert road.failure is None
    assert road.source == "OSRM, 127.0.0.1"
    [request] = osrm.requests
    assert request["path"].startswith("/table/v1/driving/")
    assert request["query"] == {"sources": "0;1;2", "destinations": "3", "annotations": "distance"}
    assert request["target"] == ROUNDED_SITE
    assert request["user_agent"] == USER_AGENT


@pytest.mark.parametrize("verbose", [False, True], ids=["compact", "verbose"])
def test_valhalla_sources_to_targets_gives_the_planted_distances(verbose: bool) -> None:
    with serve(StandIn("valhalla", PLANTED, verbose=verbose)) as valhalla:
        road = _client(valhalla.url, "valhalla").road_distances(SITE, HOMES)
    assert road.km == {"44135": 0.4, "44139": 3.1, "44803": 14.2}
    assert road.source == "Valhalla, 127.0.0.1"
    [request] = valhalla.requests
    assert request["path"] == "/sources_to_targets"
    body = request["body"]
    assert (body["costing"], body["units"], body["verbose"]) == ("auto", "kilometers", False)
    assert body["targets"] == [{"lat": ROUNDED_SITE[0], "lon": ROUNDED_SITE[1]}]


def test_many_postcodes_go_in_batches_nearest_first() -> None:
    homes = {f"P{i:03d}": (51.52 + 0.002 * i, 7.48) for i in range(2 * BATCH + 15)}  # farther and farther north
    planted = {key(*point): 1.0 + i for i, point in enumerate(homes.values())}
    with serve(StandIn("osrm", planted)) as osrm:
        road = _client(osrm.url).road_distances(SITE, homes)
    assert [len(r["sources"]) for r in osrm.requests] == [BATCH, BATCH, 15]
    assert osrm.requests[0]["sources"][0] == key(*homes["P000"])  # the nearest first
    assert road.km == {p: 1.0 + i for i, p in enumerate(homes)}


def test_cache_answers_the_same_site_and_postcodes_without_asking_again() -> None:
    with serve(StandIn("osrm", PLANTED)) as osrm:
        client = _client(osrm.url)
        first = client.road_distances(SITE, HOMES)
        nearby_site = (SITE[0] + 0.0002, SITE[1] - 0.0002)  # rounds to the same point
        again = client.road_distances(nearby_site, HOMES)
        assert len(osrm.requests) == 1
        assert again == first
        client.road_distances((51.52, 7.47), HOMES)  # another site: asked anew
        assert len(osrm.requests) == 2


def test_the_cache_is_bounded() -> None:
    homes = {f"P{i:03d}": (51.51 + 0.002 * i, 7.48) for i in range(30)}
    with serve(StandIn("osrm", {key(*p): 2.0 for p in homes.values()})) as osrm:
        client = _client(osrm.url, routing_cache_entries=10)
        client.road_distances(SITE, homes)
        client.road_distances(SITE, homes)
    assert sum(len(r["sources"]) for r in osrm.requests) == 30 + 20  # only 10 of the 30 were kept


def test_no_route_is_remembered_and_left_to_the_estimate(postcode_table: PostcodeTable) -> None:
    planted = {key(*HOMES["44135"]): 0.4, key(*HOMES["44139"]): 3.1}  # no route to 44803
    with serve(StandIn("osrm", planted)) as osrm:
        client = _client(osrm.url)
        road = client.road_distances(SITE, HOMES)
        client.road_distances(SITE, HOMES)
    assert road.km == {"44135": 0.4, "44139": 3.1}
    assert len(osrm.requests) == 1
    result = analyse(ResidenceCounts.of({"44135": 6, "44139": 7, "44803": 8}), _site(), postcode_table, road=road)
    assert result["assumptions"]["distance_method"] == (
        "Straßennetz (OSRM, 127.0.0.1); PLZ ohne Route oder weiter als 100 km Luftlinie: Luftlinie × 1,3"
    )


def test_homes_beyond_the_routing_range_are_not_sent() -> None:
    homes = {**HOMES, "80331": (48.13743, 11.57549)}  # München, about 490 km away
    with serve(StandIn("osrm", PLANTED)) as osrm:
        road = _client(osrm.url).road_distances(SITE, homes)
    assert key(*homes["80331"]) not in osrm.requests[0]["sources"]
    assert set(road.km) == set(HOMES)


def test_connection_refused_falls_back_and_says_so(postcode_table: PostcodeTable) -> None:
    client = _client(refused_url())
    road = client.road_distances(SITE, HOMES)
    assert road.km == {}
    assert road.failure == f"Routing-Dienst ({client.source}) nicht verwendet: Verbindung abgelehnt"
    result = analyse(ResidenceCounts.of({"44135": 6, "44139": 7}), _site(), postcode_table, road=road)
    assert result["assumptions"]["distance_method"] == "Luftlinie × 1,3"
    assert result["assumptions"]["distance_note"] == road.failure
    plain = analyse(ResidenceCounts.of({"44135": 6, "44139": 7}), _site(), postcode_table)
    assert result["origins"] == plain["origins"]


def test_a_slow_engine_times_out_and_falls_back() -> None:
    with serve(StandIn("valhalla", PLANTED, delay=5.0)) as valhalla:
        road = _client(valhalla.url, "valhalla", routing_timeout_seconds=0.2).road_distances(SITE, HOMES)
    assert road.km == {}
    assert road.failure == "Routing-Dienst (Valhalla, 127.0.0.1) nicht verwendet: Zeitüberschreitung nach 0,2 s"


@pytest.mark.parametrize(
    ("planted", "reason"),
    [
        ({"status": 500}, "HTTP-Status 500"),
        ({"raw": b"<html>Wartung</html>"}, "Antwort ist kein JSON"),
        ({"raw": b'{"code": "InvalidQuery"}'}, "unerwartete Antwort (OSRM antwortet „InvalidQuery“ statt „Ok“)"),
        ({"raw": b'{"code": "Ok", "distances": [[1.0]]}'}, "unerwartete Antwort (1 Entfernungen statt 3)"),
    ],
    ids=["http-500", "not-json", "error-code", "wrong-shape"],
)
def test_bad_answers_fall_back_naming_the_problem(planted: dict[str, Any], reason: str) -> None:
    with serve(StandIn("osrm", PLANTED, **planted)) as osrm:
        road = _client(osrm.url).road_distances(SITE, HOMES)
    assert road.km == {}
    assert road.failure == f"Routing-Dienst (OSRM, 127.0.0.1) nicht verwendet: {reason}"


def test_after_a_failure_the_engine_is_left_alone_for_a_while() -> None:
    clock = FakeClock()
    with serve(StandIn("osrm", PLANTED, status=503)) as osrm:
        client = RoutingClient(ServiceSettings(routing_engine=RoutingEngine.OSRM, routing_url=osrm.url), clock=clock)
        client.road_distances(SITE, HOMES)
        osrm.status = 200
        skipped = client.road_distances(SITE, HOMES)
        assert len(osrm.requests) == 1
        assert skipped.failure is not None
        assert "HTTP-Status 503; neuer Versuch nach spätestens 60 s" in skipped.failure
        clock.now += RETRY_AFTER_SECONDS + 1
        assert client.road_distances(SITE, HOMES).km == {"44135": 0.4, "44139": 3.1, "44803": 14.2}
        assert len(osrm.requests) == 2


def test_the_time_budget_keeps_what_came_back_and_names_the_rest() -> None:
    homes = {f"P{i:03d}": (51.52 + 0.002 * i, 7.48) for i in range(3 * BATCH)}
    clock = FakeClock(step=8.0)  # every look at the clock: 8 s later; the budget (20 s) lasts two batches
    with serve(StandIn("osrm", {key(*p): 5.0 for p in homes.values()})) as osrm:
        settings = ServiceSettings(routing_engine=RoutingEngine.OSRM, routing_url=osrm.url, routing_budget_seconds=20)
        road = RoutingClient(settings, clock=clock).road_distances(SITE, homes)
    assert len(osrm.requests) == 2
    assert set(road.km) == set(list(homes)[: 2 * BATCH])  # the nearest two batches
    budget = "Zeitbudget von 20 s aufgebraucht"
    assert road.failure == f"Routing-Dienst (OSRM, 127.0.0.1) nicht für alle PLZ verwendet: {budget}"


def test_routing_off_gives_no_client_and_no_road_distances(postcode_table: PostcodeTable) -> None:
    client = routing_client(ServiceSettings())
    assert client is None
    assert road_distances(client, _site(), ["44135"], postcode_table) is None


def test_road_distances_for_postcodes_of_the_table(postcode_table: PostcodeTable) -> None:
    with serve(StandIn("osrm", PLANTED)) as osrm:
        client = routing_client(ServiceSettings(routing_engine=RoutingEngine.OSRM, routing_url=osrm.url))
        road = road_distances(client, _site(), ["44803", "44135", "44139", "44135"], postcode_table)
    assert road is not None
    assert road.km == {"44135": 0.4, "44139": 3.1, "44803": 14.2}
    result = analyse(ResidenceCounts.of({"44135": 6, "44139": 7, "44803": 8}), _site(), postcode_table, road=road)
    assert result["assumptions"]["distance_method"] == "Straßennetz (OSRM, 127.0.0.1)"
    assert {o["postcode"]: o["distance_km"] for o in result["origins"]} == {"44135": 0.4, "44139": 3.1, "44803": 14.2}


def _site() -> Site:
    return Site(lat=SITE[0], lon=SITE[1], transit_class=TransitClass.A)
