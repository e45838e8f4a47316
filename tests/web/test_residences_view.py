"""Wohnstandorte in the browser (docs/web.md): the organisation's tab (CSV preview, only counts sent, analysis,
A4 report, delete) and the pooled analysis of a cluster in Planung, against a real ``bmm serve``.

The organisation these tests upload for lies in Munich (DE-BY), outside every demo territory and planner
region, and is deleted when the module ends, so the other browser tests see the same data in any order.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import WebPage, WebServer

pytestmark = pytest.mark.browser

ORGANISATION = "webtest-wohnorte"
NAME = "Webtest Wohnorte GmbH"
# One row per person, with a column the app must not send: 80331 ×6, 80333 ×7, 80335 ×2 (below k), 85221 ×8.
PEOPLE = [("80331", 6), ("80333", 7), ("80335", 2), ("85221", 8)]
NOT_FOUND = (r"status of 404 \(Not Found\)",)  # the analysis before an upload (docs/web.md)


def _api(server: WebServer, method: str, path: str, body: dict[str, Any] | None = None, role: str = "admin") -> Any:
    """Call the API as ``role`` outside the browser; the parsed JSON answer (None for 204)."""
    data = json.dumps(body).encode("utf-8") if body is not None else None
    request = urllib.request.Request(server.base_url + "/api/v1" + path, data=data, method=method)
    request.add_header("X-API-Key", server.keys[role])
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def _status(server: WebServer, path: str) -> int:
    try:
        _api(server, "GET", path)
    except urllib.error.HTTPError as error:
        return error.code
    return 200


@pytest.fixture(scope="module")
def organisation_key(web_server: WebServer) -> Iterator[str]:
    _api(
        web_server,
        "POST",
        "/organisations",
        {
            "id": ORGANISATION, "kind": "company", "name": NAME, "sector": "C", "employees": 120,
            "lat": 48.1372, "lon": 11.5755, "issues": ["parking_shortage"],
        },
    )  # fmt: skip
    try:
        yield web_server.create_key("organisation", ORGANISATION)
    finally:
        _api(web_server, "DELETE", f"/organisations/{ORGANISATION}")


def _csv(rows: list[tuple[str, int]], extra: str = "") -> bytes:
    lines = ["PLZ;Verkehrsmittel;Schicht"] + [f"{plz};Auto;Früh" for plz, n in rows for _ in range(n)]
    return ("\n".join(lines) + "\n" + extra).encode("utf-8")


def _file(folder: Path, content: bytes, name: str = "wohnorte.csv") -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def _open_tab(web: WebPage, key: str) -> None:
    web.sign_in(key)
    web.page.wait_for_url("**/#/unternehmen")
    web.page.get_by_role("tab", name="Wohnstandorte").click()
    web.page.wait_for_selector("#residence-file")


def _shown_counts(web: WebPage, container: str) -> list[str]:
    """The texts of every person count the container shows (``.count``)."""
    return [text.strip() for text in web.page.locator(f"{container} .count").all_inner_texts()]


def _assert_k_safe(texts: list[str], k: int = 5) -> None:
    for text in texts:
        if text.startswith("unter "):
            assert text.startswith(f"unter {k}"), text
            continue
        number = int(re.match(r"[\d.]+", text).group().replace(".", ""))  # type: ignore[union-attr]
        assert number == 0 or number >= k, text


def test_an_organisation_uploads_its_homes_sees_the_analysis_and_deletes_them(
    web: WebPage, web_server: WebServer, organisation_key: str, tmp_path: Path
) -> None:
    _open_tab(web, organisation_key)
    assert "Noch keine Wohnorte hochgeladen." in web.text("#residence-analysis .message")
    assert "Nicht freigegeben" in web.text("#residence-consent")

    sent: list[str] = []
    web.page.on(
        "request",
        lambda request: (
            sent.append(request.post_data or "")
            if request.method == "PUT" and request.url.endswith("/residences")
            else None
        ),
    )
    web.page.set_input_files("#residence-file", _file(tmp_path, _csv(PEOPLE)))
    read = web.text("#residence-read")
    assert "Gelesen: 23 Personen in 4 Postleitzahlen" in read
    assert "verkehrsmittel" in read  # named as not sent
    assert "schicht" in read
    assert web.page.locator("#residence-preview tbody tr").count() == 4
    web.page.click("#residence-send")
    assert "Gespeichert: 23 Personen in 4 Postleitzahlen" in web.text("#residence-feedback .message--ok")
    # Only the counts per postcode left the browser: no row per person, no mode, no shift.
    assert json.loads(sent[0]) == {"postcodes": [{"postcode": p, "count": n} for p, n in PEOPLE]}
    assert "Auto" not in sent[0]

    web.page.wait_for_selector("#residence-map path.residence-point")
    analysis = _api(web_server, "GET", f"/organisations/{ORGANISATION}/residences/analysis")
    assert analysis["total"] == 23
    listed = {o["postcode"] for o in analysis["origins"]}
    assert "80335" not in listed
    assert web.page.locator("#residence-map path.residence-point").count() == len(listed)
    text = web.page.inner_text("#residence-analysis")
    assert "23 Beschäftigte mit Wohn-PLZ" in text
    assert "80335" not in text  # the postcode below k is neither listed nor placed
    assert "null" not in text
    assert "undefined" not in text
    legend = web.text("#residence-legend")
    assert f"{analysis['other_origins']['count']} Personen in übrigen Wohnorten mit je unter 5 Personen" in legend
    bands = web.page.locator("#residence-analysis .band-chart tbody tr").count()
    assert bands == len(analysis["bands"])
    _assert_k_safe(_shown_counts(web, "#residence-analysis"))
    web.screenshot("wohnstandorte", scroll_to="#residence-analysis")

    # The A4 report in the dialog: the server's page with its own stylesheet applied under the app's policy.
    web.page.get_by_role("button", name="Bericht (A4, druckbar)").click()
    frame = web.page.frame_locator("iframe.brief-frame")
    assert frame.locator("h1").inner_text() == NAME
    assert frame.locator("header").evaluate("node => getComputedStyle(node).borderBottomStyle") == "solid"
    assert "80335" not in frame.locator("body").inner_text()
    web.page.get_by_role("button", name="Schließen").click()

    web.page.click("#residence-delete")
    web.page.click("#residence-delete-confirm")
    assert "Die Wohnorte wurden gelöscht." in web.text("#residence-feedback .message--ok")
    web.page.wait_for_selector("#residence-analysis .message")
    assert "Noch keine Wohnorte hochgeladen." in web.text("#residence-analysis .message")
    assert _status(web_server, f"/organisations/{ORGANISATION}/residences/analysis") == 404
    assert web.unexpected_errors(allowed=NOT_FOUND) == []


def test_a_file_with_bad_rows_is_not_sent_and_an_unknown_postcode_is_named(
    web: WebPage, web_server: WebServer, organisation_key: str, tmp_path: Path
) -> None:
    _open_tab(web, organisation_key)
    web.page.set_input_files("#residence-file", _file(tmp_path, b"PLZ;Anzahl\n80331;6\nabc;2\n80333;2,5\n"))
    errors = web.text("#residence-preview .message--error") + web.page.inner_text("#residence-preview table")
    assert "2 fehlerhafte Zeilen" in errors
    assert "„abc“ ist keine fünfstellige Postleitzahl" in errors
    assert "Anzahl „2,5“ ist keine positive ganze Zahl" in errors
    assert web.page.is_disabled("#residence-send")

    # Five digits, but no German postcode: only the server knows; it names the value, the app the file row.
    web.page.set_input_files("#residence-file", _file(tmp_path, b"PLZ;Anzahl\n80331;6\n00000;3\n", "unbekannt.csv"))
    web.page.click("#residence-send")
    feedback = web.page.locator("#residence-feedback")
    feedback.locator("table").wait_for()
    row = feedback.locator("tbody tr").first.inner_text()
    assert "00000" in row
    assert "3" in row.split("\t")[0]  # the file's row of that postcode
    assert _status(web_server, f"/organisations/{ORGANISATION}/residences/analysis") == 404  # nothing stored
    assert web.unexpected_errors(allowed=(*NOT_FOUND, r"status of 422")) == []


def test_a_planner_pools_the_homes_of_a_cluster(web: WebPage, web_server: WebServer) -> None:
    web.sign_in(web_server.keys["planner"])
    web.page.wait_for_url("**/#/planung")
    first = web.page.locator("button[data-cluster]").first
    first.wait_for()
    cluster = first.get_attribute("data-cluster")
    first.click()
    web.page.click("#pooled-cluster")
    section = web.page.locator("#pooled-residences")
    section.locator("#pooled-members").wait_for()
    pooled = _api(web_server, "GET", f"/residences/analysis?cluster={cluster}", role="planner")
    text = section.inner_text()
    assert text.startswith("Wohnstandorte gemeinsam:")
    members = pooled["organisations"]
    assert f"Zusammengefasst über {members} {'Organisation' if members == 1 else 'Organisationen'}" in text
    assert pooled["total"] > 0  # the demo gives half of its firms consented synthetic homes
    for heading in ("Korridore – Kandidaten für Shuttle und Bus", "Betriebsübergreifende Wohnorte", "Herkunftsorte"):
        assert heading in text
    if pooled["origins"]:
        web.page.wait_for_selector("#pooled-residence-map path.residence-point")
    other = pooled["other_origins"]["count"]
    if other:  # the demo's homes spread thinly: often every postcode is below k, all "other"
        assert f"{other} Personen in übrigen Wohnorten" in web.text("#pooled-residences #residence-legend")
    assert web.page.locator("#pooled-residence-map path.residence-point").count() == len(pooled["origins"])
    assert web.page.locator("#pooled-residences tr[data-corridor]").count() == min(15, len(pooled["corridors"]))
    _assert_k_safe(_shown_counts(web, "#pooled-residences"))
    web.screenshot("planung-wohnstandorte", scroll_to="#pooled-residences")
    assert web.unexpected_errors() == []
