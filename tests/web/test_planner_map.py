"""The planner map at state scale (issue 11.4): clusters paged with „weiter“/„zurück“, the order, a legend of exactly
the problems on the map, one look (colour, else colour with hatching) per problem, large markers below small ones,
clusters with the same centre drawn apart, and an export of every page.

The demo data of the browser fixture (3,000 organisations) gives 11 NRW clusters at the default minimum size;
with a minimum size of 2 it gives a few hundred, enough for several pages. The two groups this module seeds lie
in the Kreis Höxter and are deleted again when the module ends.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import WebPage, WebServer

pytestmark = pytest.mark.browser

MARKERS = "#cluster-map path.map-dot"
FORM = "form[aria-label='Cluster filtern']"
# Two groups of five firms with a rare problem, none visible to peers, 0.8 km apart (two clusters at eps 0.5 km)
# but within one cell of 0.01°: the planner, who sees none of their members, gets both at the same rough centre.
SEEDED_PROBLEM = "ev_charging_demand"
SEEDED = {
    f"webtest-centre-{group}-{number}": (latitude + 0.0003 * number, 9.2430 + 0.0002 * (number % 2))
    for group, latitude in (("a", 51.7052), ("b", 51.7136))
    for number in range(5)
}


def _api(server: WebServer, method: str, path: str, body: dict[str, Any] | None = None, role: str = "admin") -> Any:
    data = json.dumps(body).encode("utf-8") if body is not None else None
    request = urllib.request.Request(server.base_url + "/api/v1" + path, data=data, method=method)
    request.add_header("X-API-Key", server.keys[role])
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def _clusters(server: WebServer, **params: str) -> Any:
    return _api(server, "GET", "/clusters?" + urllib.parse.urlencode(params), role="planner")


@pytest.fixture(scope="module")
def same_centre(web_server: WebServer) -> Iterator[str]:
    """The two seeded groups; yields their Kreis key. Deleted when the module ends."""
    kreise = set()
    try:
        for organisation_id, (lat, lon) in SEEDED.items():
            body = {
                "id": organisation_id,
                "kind": "company",
                "name": f"Ladesäulen-Testbetrieb {organisation_id[-3:]}",
                "sector": "C",
                "employees": 80,
                "lat": lat,
                "lon": lon,
                "issues": [SEEDED_PROBLEM],
                "visible_to_peers": False,
                "contact_shareable": False,
            }
            kreise.add(_api(web_server, "POST", "/organisations", body)["location"]["kreis_code"])
        (kreis,) = kreise
        yield kreis
    finally:
        for organisation_id in SEEDED:
            try:
                _api(web_server, "DELETE", f"/organisations/{organisation_id}")
            except urllib.error.HTTPError as error:  # pragma: no cover - never created
                if error.code != 404:
                    raise


def _compute(web: WebPage, **fields: str) -> None:
    """Set filters (control id without the `cluster-` prefix → value), compute, wait for the new page."""
    for name, value in fields.items():
        control = web.page.locator(f"#cluster-{name}")
        if control.evaluate("node => node.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    web.page.evaluate("document.querySelector('#cluster-page').textContent = ''")
    web.page.click(f"{FORM} button[type=submit]")
    web.wait_for_function("document.querySelector('#cluster-page').textContent !== ''")


def _markers(web: WebPage) -> list[dict[str, Any]]:
    """Every cluster marker in drawing order: problem, fill, radius and centre on the screen."""
    result: list[dict[str, Any]] = web.page.evaluate(
        """[...document.querySelectorAll('#cluster-map path.map-dot')].map((path) => {
             const box = path.getBoundingClientRect();
             return {problem: path.dataset.problem, fill: path.getAttribute('fill'), d: path.getAttribute('d'),
                     x: box.x + box.width / 2, y: box.y + box.height / 2};
           })"""
    )
    for marker in result:
        match = re.search(r"a([0-9.]+),", marker["d"])
        assert match is not None, marker["d"]
        marker["radius"] = float(match.group(1))
    return result


def _list_ids(web: WebPage) -> list[str]:
    ids: list[str] = web.page.evaluate(
        "[...document.querySelectorAll('button[data-cluster]')].map((b) => b.dataset.cluster)"
    )
    return ids


def test_pages_through_the_state_with_weiter_and_zurueck(web: WebPage, web_server: WebServer) -> None:
    web.sign_in(web_server.keys["planner"])
    web.page.wait_for_selector(MARKERS)
    _compute(web, **{"min-size": "2"})
    first = _clusters(web_server, state="DE-NW", min_size="2", limit="50", order="size")  # the map's default
    total = first["total"]
    assert total > 100  # several pages
    assert web.text("#cluster-page") == f"Cluster 1–50 von {total}"
    assert len(_markers(web)) == 50
    assert _list_ids(web) == [c["id"] for c in first["clusters"]]
    assert (
        web.text("#cluster-not-drawn")
        == f"Auf der Karte: 50 von {total} Clustern; {total - 50} nicht gezeigt (andere Seiten)."
    )
    assert web.page.get_by_role("button", name="‹ zurück").is_disabled()
    web.screenshot("planung-seiten", scroll_to="#cluster-page")

    web.page.get_by_role("button", name="weiter ›").click()
    web.wait_for_function("document.querySelector('#cluster-page').textContent.startsWith('Cluster 51–100')")
    second = _clusters(web_server, state="DE-NW", min_size="2", limit="50", offset="50", order="size")
    assert _list_ids(web) == [c["id"] for c in second["clusters"]]
    assert len(_markers(web)) == 50
    assert web.page.locator("button[data-cluster]").first.inner_text().startswith("51. ")
    web.page.get_by_role("button", name="‹ zurück").click()
    web.wait_for_function("document.querySelector('#cluster-page').textContent.startsWith('Cluster 1–50')")
    assert _list_ids(web) == [c["id"] for c in first["clusters"]]

    # Larger pages and the order by size (the default): the list follows the order the answer names.
    _compute(web, **{"page-size": "100"})
    assert web.text("#cluster-page") == f"Cluster 1–100 von {total}"
    sizes = [
        int(t.split(" Betriebe,")[0].replace(".", ""))
        for t in web.page.locator(".cluster-list .score").all_inner_texts()
    ]
    assert len(sizes) == 100
    assert sizes == sorted(sizes, reverse=True)
    assert "nach Zahl der Betriebe absteigend" in web.text("#cluster-summary p")
    assert web.unexpected_errors() == []


def test_legend_lists_exactly_the_problems_on_the_map_each_with_its_own_look(
    web: WebPage, web_server: WebServer
) -> None:
    web.sign_in(web_server.keys["planner"])
    web.page.wait_for_selector(MARKERS)
    _compute(web, **{"min-size": "2", "page-size": "200"})
    markers = _markers(web)
    shown: dict[str, int] = {}
    fills: dict[str, set[str]] = {}
    for marker in markers:
        shown[marker["problem"]] = shown.get(marker["problem"], 0) + 1
        fills.setdefault(marker["problem"], set()).add(marker["fill"])
    assert len(shown) >= 10
    assert all(len(fill) == 1 for fill in fills.values())  # one look per problem …
    assert len({next(iter(fill)) for fill in fills.values()}) == len(fills)  # … and a different one for each
    legend = web.page.evaluate(
        "[...document.querySelectorAll('#cluster-legend li')].map((li) => [li.dataset.problem, li.textContent])"
    )
    assert {code for code, _ in legend} == set(shown)
    labels = web.page.evaluate("import('/app/js/vocab.js').then((m) => m.vocabulary()).then((v) => v.labels.problem)")
    assert [text for _, text in legend] == [f"{labels[code]} ({shown[code]})" for code, _ in legend]
    assert [shown[code] for code, _ in legend] == sorted(shown.values(), reverse=True)

    # Every problem of the vocabulary has its own look; the 16th and later are hatched (an SVG pattern).
    looks = web.page.evaluate(
        """Promise.all([import('/app/js/map.js'), import('/app/js/vocab.js').then((m) => m.vocabulary())])
             .then(([map, vocab]) => {
               const codes = vocab.problems.map((p) => p.code);
               return codes.map((code) => map.problemLook(code, codes));
             })"""
    )
    assert len(looks) == 29
    assert len({(look["colour"], look["hatched"]) for look in looks}) == 29
    assert len({look["colour"] for look in looks[:15]}) == 15
    hatched = [look for look in looks if look["hatched"]]
    assert len(hatched) == 14
    for look in hatched:
        pattern = re.fullmatch(r"url\(#(bmm-hatch-[0-9a-f]{6})\)", look["fill"])
        assert pattern is not None
        assert web.page.locator(f"pattern#{pattern.group(1)}").count() == 1

    # Drawn large first, small on top.
    radii = [marker["radius"] for marker in markers]
    assert radii == sorted(radii, reverse=True)
    web.screenshot("planung-legende", scroll_to="#cluster-page")
    assert web.unexpected_errors() == []


def test_clusters_with_the_same_centre_are_drawn_apart(web: WebPage, web_server: WebServer, same_centre: str) -> None:
    answer = _clusters(web_server, kreis=same_centre, issue=SEEDED_PROBLEM)
    assert [(c["member_count"], c["members"]) for c in answer["clusters"]] == [(5, []), (5, [])]
    assert {(c["centroid_lat"], c["centroid_lon"]) for c in answer["clusters"]} == {(51.71, 9.24)}  # one centre

    web.sign_in(web_server.keys["planner"])
    web.page.wait_for_selector(MARKERS)
    _compute(web, kreis=same_centre, issue=SEEDED_PROBLEM)
    for zoom in ("in", "out"):
        first, second = _markers(web)
        gap = math.dist((first["x"], first["y"]), (second["x"], second["y"]))
        assert gap >= first["radius"] + second["radius"], (zoom, first, second)  # side by side, not on top
        web.page.locator(f"#cluster-map .leaflet-control-zoom-{zoom}").click()
        web.page.wait_for_timeout(300)
    assert web.unexpected_errors() == []


def _assert_transit_columns(rows: list[list[str]], answer: dict[str, Any]) -> None:
    """The CSV's transit columns say what the API answer says: members per class, the note, the shared stop."""
    column = {name: i for i, name in enumerate(rows[0])}
    by_id = {cluster["id"]: cluster for cluster in answer["clusters"]}
    assert len(by_id) == len(rows) - 1
    noted = 0
    for row in rows[1:]:
        cluster = by_id[row[column["id"]]]
        counts = [(c["transit_class"], c["members"]) for c in cluster["transit_classes"]]
        assert sum(members for _, members in counts) == int(row[column["betriebe"]])
        expected = " | ".join(f"{'keine' if code == 'none' else code}: {members}" for code, members in counts)
        assert row[column["oev_gueteklassen"]] == expected
        assert row[column["oev_hinweis"]] == (cluster["transit_note"] or "")
        assert row[column["oev_haeufigste_haltestelle"]] == (cluster["transit_stop_note"] or "")
        noted += bool(cluster["transit_note"])
    assert noted > 0  # a few hundred clusters: some have a transit problem at the site among their dominant ones


def test_the_export_holds_every_page(web: WebPage, web_server: WebServer, tmp_path: Path) -> None:
    # The export fetches the largest pages the server allows (GET /limits: 1,000); told 100 here, it needs
    # several requests for the few hundred clusters of the demo.
    limits = _api(web_server, "GET", "/limits")
    web.page.route("**/api/v1/limits", lambda route: route.fulfill(json={**limits, "clusters_max_limit": 100}))
    pages: list[str] = []
    web.page.on(
        "request", lambda r: pages.append(r.url) if "/api/v1/clusters" in r.url and "limit=100&" in r.url else None
    )
    web.sign_in(web_server.keys["planner"])
    web.page.wait_for_selector(MARKERS)
    _compute(web, **{"min-size": "2"})
    total = _clusters(web_server, state="DE-NW", min_size="2", limit="1")["total"]
    assert web.page.get_by_role("button", name=f"Export CSV (alle {total})").is_visible()
    with web.page.expect_download() as csv_download:
        web.page.get_by_role("button", name="Export CSV").click()
    csv_file = tmp_path / "cluster.csv"
    csv_download.value.save_as(csv_file)
    rows = list(csv.reader(io.StringIO(csv_file.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert len(rows) == total + 1
    assert [row[0] for row in rows[1:]] == [str(rank) for rank in range(1, total + 1)]
    _assert_transit_columns(rows, _clusters(web_server, state="DE-NW", min_size="2", limit=str(total)))
    with web.page.expect_download() as geo_download:
        web.page.get_by_role("button", name="Export GeoJSON").click()
    geo_file = tmp_path / "cluster.geojson"
    geo_download.value.save_as(geo_file)
    collection = json.loads(geo_file.read_text(encoding="utf-8"))
    assert len(collection["features"]) == collection["total"] == collection["returned"] == total
    assert [f["properties"]["rank"] for f in collection["features"]] == list(range(1, total + 1))
    assert len({f["id"] for f in collection["features"]}) == total
    assert len(pages) == 2 * math.ceil(total / 100)  # CSV and GeoJSON, page by page
    assert web.page.get_by_text(f"GeoJSON heruntergeladen ({total} Cluster).").is_visible()
    assert web.unexpected_errors() == []
