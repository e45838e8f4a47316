"""The admin's "Daten" view (import with progress and row errors, export as a download) and the organisation
view's "no profile yet" path, in a real browser against a real ``bmm serve`` (docs/web.md).

The rows these tests import lie in Munich (DE-BY): outside every demo territory and planner region, so the
other browser tests see the same peers, leads and clusters in whatever order the tests run.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import WebPage, WebServer

pytestmark = pytest.mark.browser

HEADER = "id;kind;name;sector;employees;lat;lon;issues;visible_to_peers"
MUNICH = "48,1372;11,5755"  # decimal comma, as German Excel writes a ';'-separated CSV

# Collects every text the element shows while a transfer runs (phases that pass too fast to wait for).
RECORD_TEXTS = """selector => {
  window.bmmSeen = [];
  const target = document.querySelector(selector);
  new MutationObserver(() => window.bmmSeen.push(target.innerText))
    .observe(target, {subtree: true, childList: true, characterData: true});
}"""


def _csv(rows: list[str]) -> bytes:
    """A ';'-separated CSV as Excel saves "CSV UTF-8": with a byte order mark."""
    return ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")


def _api(server: WebServer, path: str, *, data: bytes | None = None, content_type: str | None = None) -> Any:
    """Call the API as admin outside the browser; returns the parsed JSON answer."""
    request = urllib.request.Request(server.base_url + path, data=data, method="POST" if data is not None else "GET")
    request.add_header("X-API-Key", server.keys["admin"])
    if content_type is not None:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _status_of(server: WebServer, path: str) -> int:
    try:
        _api(server, path)
    except urllib.error.HTTPError as error:
        return error.code
    return 200


def _open_data_view(web: WebPage, server: WebServer) -> None:
    web.sign_in(server.keys["admin"])
    web.page.wait_for_url("**/#/unternehmen")
    web.page.locator("#nav").get_by_role("link", name="Daten").click()
    web.page.wait_for_selector("#import-file")
    web.page.wait_for_selector("#export-count:has-text('Passend')")


def test_admin_imports_a_csv_and_sees_the_counts(web: WebPage, web_server: WebServer, tmp_path: Path) -> None:
    _open_data_view(web, web_server)
    assert web.page.inner_text("h1") == "Daten: Import und Export"
    source = tmp_path / "betriebe.csv"
    source.write_bytes(
        _csv(
            [
                f"webtest-import-1;company;Webtest Bäckerei Import GmbH;C;42;{MUNICH};parking_shortage|shift_work;ja",
                f"webtest-import-2;municipality;Webtest Gemeinde Import;;310;{MUNICH};;nein",
            ]
        )
    )
    web.page.evaluate(RECORD_TEXTS, "#import-status")
    web.page.set_input_files("#import-file", str(source))
    assert web.page.is_checked("#import-mode-upsert")  # the default
    web.page.get_by_role("button", name="Importieren").click()
    web.page.wait_for_selector("#import-result")
    assert web.page.inner_text("#import-rows") == "2"
    assert web.page.inner_text("#import-created") == "2"
    assert web.page.inner_text("#import-updated") == "0"
    assert "Import abgeschlossen" in web.page.inner_text("#import-result")
    seen = "\n".join(web.page.evaluate("window.bmmSeen"))
    assert "wird geprüft und gespeichert" in seen
    assert re.search(r"\d+ % hochgeladen \(.+ von .+\)", seen), seen

    stored = _api(web_server, "/api/v1/organisations/webtest-import-1")
    assert stored["name"] == "Webtest Bäckerei Import GmbH"
    assert stored["employees"] == 42
    assert stored["issues"] == ["parking_shortage", "shift_work"]

    # The same file again with upsert replaces both.
    web.page.set_input_files("#import-file", str(source))
    web.page.get_by_role("button", name="Importieren").click()
    web.page.wait_for_selector("#import-result")
    assert web.page.inner_text("#import-created") == "0"
    assert web.page.inner_text("#import-updated") == "2"
    assert web.unexpected_errors() == []


def test_a_dry_run_of_a_chamber_list_shows_what_was_recognised_and_stores_nothing(
    web: WebPage, web_server: WebServer, tmp_path: Path
) -> None:
    _open_data_view(web, web_server)
    source = tmp_path / "hwk.csv"
    source.write_bytes(  # as Excel's plain "CSV (Trennzeichen-getrennt)" saves it: Windows-1252, German headers
        (
            "HWK-Nr.;Betrieb;PLZ;Ort;WZ 2008;Größenklasse;Breitengrad;Längengrad;Bemerkung\r\n"
            "webtest-dry-1;Webtest Tischlerei Müller;80331;München;16.23.0;1 bis 9;48,1372;11,5755;Stammkunde\r\n"
        ).encode("cp1252")
    )
    web.page.set_input_files("#import-file", str(source))
    web.page.wait_for_selector("#import-kind option[value=craft_business]", state="attached")
    web.page.select_option("#import-kind", "craft_business")
    web.page.get_by_role("button", name="Nur prüfen (Probelauf)").click()
    web.page.wait_for_selector("#import-dry-run")
    text = web.page.inner_text("#import-dry-run")
    assert "nichts wurde gespeichert" in text
    assert "1 gültige Zeile; 1 würden neu angelegt, 0 ersetzt" in text
    assert "Windows-1252" in text
    assert "Semikolon" in text
    assert "„Bemerkung“" in text
    mapping = web.page.inner_text("#import-mapping")
    assert "HWK-Nr." in mapping
    assert "Größenklasse" in mapping
    assert _status_of(web_server, "/api/v1/organisations/webtest-dry-1") == 404
    assert web.unexpected_errors() == []


def test_an_invalid_csv_shows_the_row_errors_and_stores_nothing(
    web: WebPage, web_server: WebServer, tmp_path: Path
) -> None:
    _open_data_view(web, web_server)
    source = tmp_path / "fehlerhaft.csv"
    source.write_bytes(
        _csv(
            [
                f"webtest-invalid-ok;company;Webtest Gültig GmbH;C;25;{MUNICH};;ja",
                f"webtest-invalid-bad;company;Webtest Negativ GmbH;C;-5;{MUNICH};;ja",
            ]
        )
    )
    web.page.set_input_files("#import-file", str(source))
    web.page.check("#import-mode-insert")
    web.page.get_by_role("button", name="Importieren").click()
    web.page.wait_for_selector("#import-errors")
    summary = web.page.inner_text("#import-errors .message--error")
    assert "nichts wurde gespeichert" in summary
    assert "1 Fehler" in summary
    headers = web.page.locator("#import-errors th").all_inner_texts()
    assert headers == ["Zeile", "Spalte", "Meldung"]
    cells = web.page.locator("#import-errors tbody tr >> nth=0").locator("td").all_inner_texts()
    assert cells[0] == "3"
    assert cells[1] == "employees (Beschäftigte)"
    assert "mindestens 0" in cells[2]
    assert "{" not in web.page.inner_text("#import-status")  # never raw JSON
    web.screenshot("daten", scroll_to="#import-title")
    assert _status_of(web_server, "/api/v1/organisations/webtest-invalid-ok") == 404  # all or nothing

    # Without a file the view explains what is missing and sends nothing.
    web.page.evaluate("document.querySelector('#import-file').value = ''")
    web.page.get_by_role("button", name="Importieren").click()
    assert "Bitte zuerst eine Datei wählen." in web.text("#import-status .message--error")
    assert web.page.get_attribute("#import-file", "aria-invalid") == "true"
    assert web.unexpected_errors(allowed=(r"status of 422",)) == []


def test_the_export_downloads_a_csv_with_the_imported_name(web: WebPage, web_server: WebServer, tmp_path: Path) -> None:
    imported = _api(
        web_server,
        "/api/v1/organisations/import?mode=upsert",
        data=_csv([f"webtest-export-1;company;Webtest Export Spedition GmbH;H;77;{MUNICH};;ja"]),
        content_type="text/csv",
    )
    assert imported["rows"] == 1
    _open_data_view(web, web_server)
    assert web.page.input_value("#export-format") == "csv"  # the default
    web.page.fill("#export-q", "Webtest Export")
    web.page.dispatch_event("#export-q", "change")
    web.page.wait_for_selector("#export-count:has-text('Passend: 1 Organisation.')")
    with web.page.expect_download() as download_info:
        web.page.get_by_role("button", name="Herunterladen").click()
    download = download_info.value
    assert re.fullmatch(r"bmm-organisationen-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert [row["name"] for row in rows] == ["Webtest Export Spedition GmbH"]
    assert rows[0]["id"] == "webtest-export-1"
    assert "Heruntergeladen: bmm-organisationen-" in web.text("#export-status .message--ok")

    # GeoJSON of the same filter.
    web.page.select_option("#export-format", "geojson")
    with web.page.expect_download() as geo_info:
        web.page.get_by_role("button", name="Herunterladen").click()
    assert geo_info.value.suggested_filename.endswith(".geojson")
    geo_file = tmp_path / "export.geojson"
    geo_info.value.save_as(geo_file)
    collection = json.loads(geo_file.read_text(encoding="utf-8"))
    assert [f["properties"]["name"] for f in collection["features"]] == ["Webtest Export Spedition GmbH"]
    assert web.unexpected_errors() == []


def test_the_data_view_is_not_offered_to_an_organisation_key(web: WebPage, web_server: WebServer) -> None:
    web.sign_in(web_server.keys["organisation"])
    web.page.wait_for_url("**/#/unternehmen")
    assert "Daten" not in web.page.locator("#nav a").all_inner_texts()
    web.open("daten")
    assert "nicht freigegeben" in web.text("#view .message")
    assert web.page.locator("#import-file").count() == 0
    assert web.unexpected_errors() == []


def test_the_data_view_fits_360_px_and_every_control_is_labelled(web: WebPage, web_server: WebServer) -> None:
    web.page.set_viewport_size({"width": 360, "height": 740})
    _open_data_view(web, web_server)
    assert int(web.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")) <= 0
    unlabelled = web.page.evaluate(
        "[...document.querySelectorAll('#view input, #view select')].filter(el => !el.labels || !el.labels.length)"
        ".map(el => el.id || el.name)"
    )
    assert unlabelled == []
    # Keyboard: the file picker, the modes and both buttons are reachable with Tab.
    web.page.focus("#import-file")
    reached = []
    for _ in range(12):
        web.page.keyboard.press("Tab")
        reached.append(web.page.evaluate("document.activeElement.id || document.activeElement.textContent"))
    assert "import-mode-upsert" in reached
    assert "import-start" in reached
    assert "export-format" in reached
    assert web.unexpected_errors() == []


def test_an_admin_opens_an_id_without_a_profile_to_create_it(web: WebPage, web_server: WebServer) -> None:
    web.sign_in(web_server.keys["admin"])
    web.page.wait_for_selector("#org-id")
    web.page.fill("#org-id", "webtest-new-profile")
    web.page.get_by_role("button", name="Laden").click()
    assert "noch kein Profil gespeichert" in web.text("#view .message")
    assert web.text("#profile-title") == "Profil anlegen"
    # The app logs nothing itself; the one console line is Chromium's own for the 404 answer (docs/web.md).
    assert web.unexpected_errors(allowed=(r"status of 404 \(Not Found\)",)) == []
    assert len(web.errors) <= 1


def test_an_organisation_without_a_profile_sees_the_form_without_console_errors(
    web: WebPage, web_server: WebServer
) -> None:
    key = web_server.create_key("organisation", "webtest-neu")
    web.sign_in(key)
    web.page.wait_for_url("**/#/unternehmen")
    assert "noch kein Profil gespeichert" in web.text("#view .message")
    assert web.text("#profile-title") == "Profil anlegen"
    assert web.unexpected_errors() == []  # the list answers "none yet": no 404, no console message


def test_a_slow_upload_shows_its_progress_and_can_be_cancelled(
    web: WebPage, web_server: WebServer, tmp_path: Path
) -> None:
    _open_data_view(web, web_server)
    padding = "x" * 200
    source = tmp_path / "langsam.csv"
    source.write_bytes(
        _csv([f"webtest-slow-{i};company;Webtest Langsam {i} {padding};C;5;{MUNICH};;ja" for i in range(1500)])
    )
    # Throttle the upload (about 400 kB at 100 kB/s) so the progress can be seen and cancelled.
    cdp = web.page.context.new_cdp_session(web.page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 100_000},
    )
    web.page.set_input_files("#import-file", str(source))
    web.page.get_by_role("button", name="Importieren").click()
    web.page.wait_for_selector("#import-progress progress[value]")
    web.wait_for_function(
        "(() => { const bar = document.querySelector('#import-progress progress');"
        " return bar && bar.value >= 10 && bar.value < 100; })()"
    )
    text = web.page.inner_text("#import-progress")
    assert re.search(r"\d+ % hochgeladen \([\d,]+ kB von [\d,]+ kB\)", text), text
    assert web.page.is_disabled("#import-start")
    web.page.get_by_role("button", name="Hochladen abbrechen").click()
    assert "Abgebrochen" in web.text("#import-status .message--warn")
    assert web.page.is_enabled("#import-start")
    assert _status_of(web_server, "/api/v1/organisations/webtest-slow-1") == 404
    _wait_until_no_import_runs(web_server)
    assert _status_of(web_server, "/api/v1/organisations/webtest-slow-1") == 404
    assert web.unexpected_errors() == []


def _wait_until_no_import_runs(server: WebServer) -> None:
    """Until the server has let go of the cancelled upload (a second import meanwhile answers 409; once the
    lock is free, the header-only probe is read and refused with 422 „keine Datenzeilen")."""
    deadline = time.monotonic() + 20
    while True:
        try:
            _api(server, "/api/v1/organisations/import", data=_csv([]), content_type="text/csv")
            return
        except urllib.error.HTTPError as error:
            if error.code == 422:
                return
            if error.code != 409 or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_preview_says_how_many_rows_would_be_geocoded(web: WebPage, web_server: WebServer, tmp_path: Path) -> None:
    """The test server has no geocoder, so the answer of a geocoding service is planted on the import request
    (its rendering is what is tested here; the counts themselves are tested in tests/service)."""
    planted = {
        "format": "csv", "encoding": "UTF-8", "delimiter": "Semikolon", "mapping": {"Firma": "name"},
        "warnings": [], "dry_run": True, "rows": 3, "created": 3, "updated": 0, "check_seconds": 0.1,
        "store_seconds": 0.0,
        "geocoding": {"addresses": 3, "cached": 1, "to_query": 2, "queried": 0, "located": 0},
    }  # fmt: skip
    web.page.route(
        "**/api/v1/organisations/import?**",
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(planted)),
    )
    _open_data_view(web, web_server)
    source = tmp_path / "ihk.csv"
    source.write_bytes(_csv(["webtest-geo-1;company;Geo GmbH;C;10;;;;false"]))
    web.page.set_input_files("#import-file", str(source))
    web.page.get_by_role("button", name="Nur prüfen (Probelauf)").click()
    web.page.wait_for_selector("#import-geocoding")
    assert web.page.inner_text("#import-geocoding") == (
        "Geokodierung: 3 Zeilen mit Adresse ohne Koordinaten, davon 1 schon im Zwischenspeicher; 2 Adressen "
        "würden beim Import abgefragt (im Probelauf wird nichts gesendet)."
    )
    assert web.unexpected_errors() == []
