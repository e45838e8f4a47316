"""Security of the web app in a real browser (docs/web.md, Sicherheit): stored names are text, never HTML
(map tooltips of peers, leads and clusters), the Content-Security-Policy holds on every view without a single
violation, and the browser-built cluster CSV neutralises spreadsheet formulas.

The organisations this module seeds lie next to the demo organisation key's company in Dortmund (so they are
its peers, leads of the Dortmund advisor and a cluster of the NRW planner) and are deleted again when the
module ends, so the other browser tests see the demo data unchanged in whatever order the modules run.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import WebPage, WebServer

pytestmark = pytest.mark.browser

PAYLOAD = '<img src=x onerror="window.__xss=1">'
XSS_NAME = f"{PAYLOAD}XSS-Test"
# The estate names the cluster ("Cluster <estate>: …") and starts the CSV's estates cell: a formula and HTML.
XSS_ESTATE = f"=1+2 {PAYLOAD}XSS-Gebiet"
MAIN_ID = "webtest-xss"
EXTRA_IDS = tuple(f"webtest-xss-{number}" for number in range(2, 7))
# A 1x1 transparent PNG served for the optional OpenStreetMap layer (no request leaves the machine).
TILE_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
TOOLTIP = ".leaflet-tooltip"


def _api(server: WebServer, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the API as admin outside the browser; the parsed JSON answer (None for 204)."""
    data = json.dumps(body).encode("utf-8") if body is not None else None
    request = urllib.request.Request(server.base_url + "/api/v1" + path, data=data, method=method)
    request.add_header("X-API-Key", server.keys["admin"])
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def xss_seed(web_server: WebServer) -> Iterator[list[str]]:
    """Six organisations with HTML (and a formula) in their stored names next to the demo organisation key's
    company, with the same problems and in one estate: peers of that company, leads of the Dortmund advisor and
    one cluster of the NRW planner. Deleted when the module ends."""
    own = _api(web_server, "GET", f"/organisations/{web_server.subjects['organisation']}")
    ids = [MAIN_ID, *EXTRA_IDS]
    for number, organisation_id in enumerate(ids):
        _api(
            web_server,
            "POST",
            "/organisations",
            {
                "id": organisation_id,
                "kind": "company",
                "name": XSS_NAME if number == 0 else f"{XSS_NAME} {number + 1}",
                "sector": own["sector"] or "C",
                "employees": 450 - 10 * number,
                # About 260 m apart: one cluster (eps 0.5 km), markers apart on the map at zoom 13.
                "lat": round(own["lat"] + 0.002 * (number + 1), 6),
                "lon": round(own["lon"] + 0.002 * (number + 1), 6),
                "estate": XSS_ESTATE,
                "issues": own["issues"],
                "shift_work": own["shift_work"],
                "visible_to_peers": True,
                "contact_shareable": False,
            },
        )
    try:
        yield ids
    finally:
        for organisation_id in ids:
            try:
                _api(web_server, "DELETE", f"/organisations/{organisation_id}")
            except urllib.error.HTTPError as error:  # pragma: no cover - already gone
                if error.code != 404:
                    raise


def _assert_tooltip_is_text(web: WebPage, expected: str) -> None:
    """The open tooltip shows ``expected`` (with its literal ``<img``) as text and holds no element from it."""
    tooltip = web.page.locator(TOOLTIP, has_text="XSS-Test").first
    tooltip.wait_for()
    text = tooltip.inner_text()
    assert expected in text
    assert "<img" in text
    assert tooltip.locator("img").count() == 0
    assert web.page.evaluate("typeof window.__xss") == "undefined"


def test_stored_names_are_text_in_the_peer_and_lead_map_tooltips(
    web: WebPage, web_server: WebServer, xss_seed: list[str]
) -> None:
    web.sign_in(web_server.keys["organisation"])
    card = web.page.locator(f'#peer-list [data-peer="{MAIN_ID}"]')
    card.wait_for()
    assert XSS_NAME in card.locator("h3").inner_text()
    card.get_by_role("button", name="Auf der Karte zeigen").click()
    _assert_tooltip_is_text(web, f"{XSS_NAME} – ")
    # Hovering the marker (the map is centred on it now) shows the same text tooltip; leaving it closes it.
    box = web.page.locator("#peer-map").bounding_box()
    assert box is not None
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    web.page.mouse.move(*centre)
    web.page.mouse.move(centre[0], box["y"] + box["height"] + 40)  # below the map
    web.page.locator(TOOLTIP, has_text="XSS-Test").wait_for(state="detached")
    web.page.mouse.move(*centre)
    _assert_tooltip_is_text(web, f"{XSS_NAME} – ")

    web.sign_in(web_server.keys["advisor"])
    row = web.page.locator(f'#lead-table tr[data-lead="{MAIN_ID}"]')
    row.wait_for()
    row.locator("td:nth-child(2) button").click()
    _assert_tooltip_is_text(web, f". {XSS_NAME}")
    assert XSS_NAME in web.text("#lead-detail h2")
    assert web.page.evaluate("typeof window.__xss") == "undefined"
    assert web.unexpected_errors() == []


def test_cluster_names_are_text_and_the_csv_neutralises_formulas(
    web: WebPage, web_server: WebServer, xss_seed: list[str], tmp_path: Path
) -> None:
    web.sign_in(web_server.keys["planner"])
    button = web.page.locator("button[data-cluster]", has_text="XSS-Gebiet").first
    button.wait_for()
    assert PAYLOAD in button.inner_text()
    button.click()
    tooltip = web.page.locator(TOOLTIP, has_text="XSS-Gebiet").first
    tooltip.wait_for()
    assert f"Cluster {XSS_ESTATE}" in tooltip.inner_text()
    assert tooltip.locator("img").count() == 0
    assert PAYLOAD in web.text("#cluster-title")
    assert web.page.evaluate("typeof window.__xss") == "undefined"

    with web.page.expect_download() as download:
        web.page.get_by_role("button", name="Export CSV").click()
    target = tmp_path / "cluster.csv"
    download.value.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig")), delimiter=";"))
    row = next(r for r in rows if "XSS-Gebiet" in r["name"])
    assert row["gewerbegebiete"].startswith(f"'{XSS_ESTATE} (")  # a text cell, not the formula =1+2
    assert row["name"].startswith("Cluster =1+2")  # not at the start of its cell: unchanged
    assert row["schwerpunkt_lat"].startswith("51,")
    assert web.unexpected_errors() == []


def test_the_csv_cell_escaping_rules(web: WebPage) -> None:
    """OWASP: a cell starting with = + - @ tab or CR gets a leading ', except plain numbers such as -3,5."""
    web.open("start")
    cells = web.page.evaluate(
        """async () => {
          const { csvCell } = await import("./js/csv.js");
          const values = ["=SUMME(A1:A2)", "+49 231 1234", "-A1", "@cmd", "\\tTab", "\\rCR", "-3,5", "-3", "+2,25",
            "-1.5", "1e5", "-2e-3", "Normal", "a=b", "", null, undefined, 42, -7, -0.5, "x;y", 'sagt "hallo"',
            "=1;2", "Zeile\\nzwei", "-", "+", "- 3", "-3,5abc"];
          return values.map((value) => csvCell(value));
        }"""
    )
    assert cells == [
        "'=SUMME(A1:A2)",
        "'+49 231 1234",
        "'-A1",
        "'@cmd",
        "'\tTab",
        '"\'\rCR"',
        "-3,5",
        "-3",
        "+2,25",
        "-1.5",
        "1e5",
        "-2e-3",
        "Normal",
        "a=b",
        "",
        "",
        "",
        "42",
        "-7",
        "-0.5",
        '"x;y"',
        '"sagt ""hallo"""',
        '"\'=1;2"',
        '"Zeile\nzwei"',
        "'-",
        "'+",
        "'- 3",
        "'-3,5abc",
    ]
    assert web.unexpected_errors() == []


def test_the_content_security_policy_blocks_injected_markup(web: WebPage) -> None:
    """Should a string ever reach an HTML sink, the policy still stops its inline script (and the tests see it)."""
    web.open("start")
    web.page.evaluate(
        """() => {
          const box = document.createElement("div");
          box.innerHTML = '<img src="data:," onerror="window.__xss=1">';
          document.body.append(box);
        }"""
    )
    web.page.wait_for_timeout(300)
    assert web.page.evaluate("typeof window.__xss") == "undefined"
    assert any("Content Security Policy" in error for error in web.errors), web.errors


def test_no_view_violates_the_content_security_policy(web: WebPage, web_server: WebServer) -> None:
    """Every view, the brief (dialog frame and new tab), the map with the optional online layer: no CSP
    violation (Chromium reports each as a console error, which fails the test)."""
    for route, ready in (("start", "#api-key"), ("katalog", "[data-measure]")):
        web.open(route)
        web.page.wait_for_selector(ready)

    # The optional OpenStreetMap layer: tiles come from a route here (no request leaves the machine), but the
    # page must be allowed to load them.
    tiles: list[str] = []

    def serve_tile(route: Any) -> None:
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TILE_PNG)

    web.page.route("https://tile.openstreetmap.org/**", serve_tile)
    web.sign_in(web_server.keys["organisation"])
    web.page.wait_for_selector("#peer-map path.map-dot")
    control = web.page.locator("#peer-map .leaflet-control-layers")
    control.hover()
    control.get_by_text("OpenStreetMap (online)").click()
    web.page.wait_for_selector("#peer-map img.leaflet-tile-loaded")
    assert tiles
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in tiles)
    assert "OpenStreetMap" in web.text("#peer-map .leaflet-control-attribution")
    for tab, selector in (
        ("Maßnahmen", "[data-measure]"),
        ("Förderung", "[data-programme]"),
        ("Beratung", "[data-advisor]"),
    ):
        web.page.get_by_role("tab", name=tab).click()
        web.page.locator(f"[role=tabpanel]:not([hidden]) {selector}").first.wait_for()

    web.sign_in(web_server.keys["advisor"])
    web.page.wait_for_selector("#lead-table tbody tr")
    web.page.locator("#lead-table tbody tr >> nth=0").get_by_role("button", name="Unterlage").click()
    frame = web.page.frame_locator("iframe.brief-frame")
    frame.locator("h1").wait_for()
    # The brief's own inline CSS applies inside the frame (the policy allows exactly its stylesheet).
    assert frame.locator("header").evaluate("node => getComputedStyle(node).borderBottomStyle") == "solid"
    with web.page.context.expect_page() as opened:
        web.page.get_by_role("button", name="In neuem Tab öffnen").click()
    brief_tab = opened.value
    tab_errors: list[str] = []
    brief_tab.on("console", lambda message: tab_errors.append(message.text) if message.type == "error" else None)
    brief_tab.wait_for_load_state()
    assert brief_tab.locator("header").evaluate("node => getComputedStyle(node).borderBottomStyle") == "solid"
    brief_tab.close()
    assert tab_errors == []
    web.page.get_by_role("button", name="Schließen").click()

    web.sign_in(web_server.keys["planner"])
    web.page.wait_for_selector("#cluster-map path.map-dot")
    web.page.locator("button[data-cluster] >> nth=0").click()
    web.page.wait_for_selector("#cluster-panel h2")

    web.sign_in(web_server.keys["admin"])
    web.page.wait_for_url("**/#/unternehmen")
    web.page.locator("#nav").get_by_role("link", name="Daten").click()
    web.page.wait_for_selector("#export-count:has-text('Passend')")
    assert web.unexpected_errors() == []
