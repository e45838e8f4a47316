"""Reading the engines' answers: units, both Valhalla formats, and answers that are not distance tables."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from service.routing.engines import AnswerError, Osrm, Valhalla


def test_osrm_request_lists_sources_then_the_site_as_lon_lat() -> None:
    request = Osrm().request("https://osrm.example.org/", [(51.5, 7.4), (51.6, 7.5)], (51.514, 7.477))
    parts = urlsplit(request.full_url)
    assert parts.path == "/table/v1/driving/7.400000,51.500000;7.500000,51.600000;7.477000,51.514000"
    assert parse_qs(parts.query) == {"sources": ["0;1"], "destinations": ["2"], "annotations": ["distance"]}


def test_osrm_metres_become_km_and_null_is_no_route() -> None:
    assert Osrm().distances_km({"code": "Ok", "distances": [[4100], [None]]}, 2) == [4.1, None]


def test_valhalla_request_asks_for_kilometres_in_the_compact_form() -> None:
    request = Valhalla().request("https://valhalla.example.org", [(51.5, 7.4)], (51.514, 7.477))
    assert request.full_url == "https://valhalla.example.org/sources_to_targets"
    assert request.data is not None
    body = json.loads(request.data)  # type: ignore[arg-type]
    assert body == {
        "sources": [{"lat": 51.5, "lon": 7.4}], "targets": [{"lat": 51.514, "lon": 7.477}], "costing": "auto",
        "units": "kilometers", "verbose": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"sources_to_targets": {"distances": [[3.5], [None]]}, "units": "kilometers"}, [3.5, None]),
        ({"sources_to_targets": {"distances": [[1.0], [2.0]]}, "units": "miles"}, [1.609344, 3.218688]),
        (  # verbose (older versions): one row per source, in any order
            {"sources_to_targets": [[{"from_index": 1, "distance": 2.5}], [{"from_index": 0, "distance": 1.5}]]},
            [1.5, 2.5],
        ),
        (
            {"sources_to_targets": [{"from_index": 0, "distance": 1.5}, {"from_index": 1, "distance": None}]},
            [1.5, None],
        ),
    ],
    ids=["compact", "miles", "verbose-rows", "verbose-flat"],
)
def test_valhalla_answers_in_either_form(answer: dict[str, Any], expected: list[float | None]) -> None:
    assert Valhalla().distances_km(answer, 2) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("engine", "answer", "message"),
    [
        (Osrm(), {"code": "NoTable"}, "OSRM antwortet „NoTable“"),
        (Osrm(), {"code": "Ok", "distances": [[1, 2]]}, "ohne Entfernungstabelle"),
        (Osrm(), {"code": "Ok", "distances": [["weit"], [1]]}, "„weit“ ist keine Zahl"),
        (Valhalla(), {"error_code": 171, "error": "No suitable edges"}, "ohne sources_to_targets"),
        (Valhalla(), {"sources_to_targets": [{"from_index": 7, "distance": 1.0}]}, "unbekanntem from_index"),
        (Valhalla(), [], "ohne sources_to_targets"),
    ],
    ids=["osrm-code", "osrm-shape", "osrm-text", "valhalla-error", "valhalla-index", "valhalla-list"],
)
def test_answers_that_are_no_distance_table_are_refused(engine: Any, answer: Any, message: str) -> None:
    with pytest.raises(AnswerError, match=message):
        engine.distances_km(answer, 2)
