"""The web app in a real browser against a real ``bmm serve`` on demo data (docs/web.md).

Each test collects console errors and uncaught exceptions and fails on any it did not expect. Screenshots of
every view go to tests/web/artifacts/ (and, with BMM_UPDATE_SCREENSHOTS=1, to docs/screenshots/).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from tests.web.conftest import WebPage, WebServer

pytestmark = pytest.mark.browser

# Chromium logs every failed fetch as a console error; a test that provokes one allows exactly that status.
FAILED_401 = r"Failed to load resource: the server responded with a status of 401"


def test_start_page_explains_the_service_and_offers_sign_in(web: WebPage) -> None:
    web.page.goto(web.base_url + "/")  # redirects to /app/
    web.page.wait_for_selector("h1")
    assert web.page.url.endswith("/app/")
    assert "Mobilitätsmanagement" in web.page.inner_text("h1")
    web.page.wait_for_selector("text=synthetische Demo-Profile")
    assert web.page.get_by_label("API-Schlüssel").is_visible()
    assert web.page.locator("#nav a").all_inner_texts() == ["Start", "Katalog"]
    web.screenshot("start")
    assert web.unexpected_errors() == []


def test_wrong_key_shows_a_german_error(web: WebPage) -> None:
    web.sign_in("bmm_this-key-does-not-exist")
    error = web.text(".message--error")
    assert "Der API-Schlüssel ist ungültig oder fehlt" in error
    assert "{" not in error  # never raw JSON
    assert web.page.get_attribute("#api-key", "aria-invalid") == "true"
    assert web.page.evaluate("sessionStorage.getItem('bmm.apiKey')") is None
    web.screenshot("anmeldung-fehler")
    assert web.unexpected_errors(allowed=(FAILED_401,)) == []


def test_catalogue_lists_measures_and_marks_closed_programmes(web: WebPage) -> None:
    web.open("katalog")
    web.page.wait_for_selector("[data-measure]")
    assert web.page.locator("[data-measure]").count() > 20
    web.page.select_option("#measure-category", "cycling")
    web.wait_for_function(
        "document.querySelectorAll('[data-measure]').length > 0 && "
        "[...document.querySelectorAll('[data-measure] h3 .badge')].every(b => b.textContent === 'Radverkehr')"
    )
    web.screenshot("katalog")
    web.page.get_by_role("tab", name="Förderprogramme").click()
    web.page.fill("#funding-as-of", "2026-03-01")
    web.page.dispatch_event("#funding-as-of", "change")
    assert web.text("[data-status=closed] .badge--status").startswith("geschlossen – Stand ")
    assert web.page.locator("[data-status=closed]").count() >= 1
    # Rates per applicant kind, not the maximum over kinds: a craft firm's cargo bike 30 %, a municipality's 60 %.
    cargo = "[data-programme=nrw_progres_cargo_bikes] .rates"
    assert web.text(f"{cargo} [data-kind=craft_business]").startswith("Handwerksbetrieb: 30 %, höchstens 2.100 €")
    assert web.text(f"{cargo} [data-kind=municipality]").split(":")[1].startswith(" 60 %, höchstens 4.200 €")
    web.screenshot("katalog-foerderung")
    assert web.unexpected_errors() == []


def test_organisation_sees_peers_on_the_map_and_its_profile_round_trips(web: WebPage, web_server: WebServer) -> None:
    web.sign_in(web_server.keys["organisation"])
    web.page.wait_for_url("**/#/unternehmen")
    web.page.wait_for_selector("#org-name")
    web.page.wait_for_selector("#peer-map path.map-dot")
    assert web.page.locator("#peer-map path.map-dot").count() >= 3  # own location + peers
    assert web.page.locator("#peer-list [data-peer]").count() >= 1
    assert web.page.locator("#peer-list .badge--synthetic").count() >= 1
    first_peer = web.page.inner_text("#peer-list [data-peer] >> nth=0")
    assert "Relevanz" in first_peer
    # How near, and how well the peer's location is known (labels from GET /vocabulary).
    assert re.search(r"(km entfernt|in derselben PLZ|im selben Ort) .*· Standort nach (Koordinaten|Adresse|"
                     r"Postleitzahl|Gemeinde)", first_peer), first_peer  # fmt: skip
    assert web.page.inner_text("#peer-list [data-peer] .peer-transit >> nth=0").startswith("ÖPNV: ")
    web.screenshot("unternehmen-profil")
    web.screenshot("unternehmen", scroll_to="#results-title")

    employees = int(web.page.input_value("#org-employees"))
    new_value = str(employees + 17)
    web.page.fill("#org-employees", new_value)
    issue = web.page.locator("input[name=issues][value=cycling_barriers]")
    was_checked = issue.is_checked()
    issue.set_checked(not was_checked)
    residences = web.page.locator("#org-residences")
    was_sharing = residences.is_checked()
    assert "Wohnort-Auswertung" in web.page.inner_text("label[for=org-residences]")
    residences.set_checked(not was_sharing)
    web.page.click("#org-save")
    web.page.wait_for_selector("text=Gespeichert.")
    assert "Dortmund" in web.page.inner_text("#derived-location")
    web.page.wait_for_selector("#derived-location .kreis-label >> text=Stadt Dortmund (kreisfreie Stadt)")
    assert "Kreis Dortmund" not in web.page.inner_text("#derived-location")
    assert re.search(r"Genauigkeit: (Koordinaten|Gemeinde|Postleitzahl)", web.page.inner_text("#derived-location"))
    transit = web.page.inner_text("#transit-quality")
    assert "ÖV-Güteklasse" in transit
    assert "Nächste Haltestelle je Verkehrsmittel" in transit

    web.page.reload()
    web.page.wait_for_selector("#org-employees")
    assert web.page.input_value("#org-employees") == new_value
    assert web.page.locator("input[name=issues][value=cycling_barriers]").is_checked() is not was_checked
    assert web.page.locator("#org-residences").is_checked() is not was_sharing

    # Feedback on a peer.
    web.page.wait_for_selector("#peer-list [data-peer]")
    web.page.locator("#peer-list [data-peer] >> nth=0").locator("button[data-verdict=accepted]").click()
    web.page.wait_for_selector("#peer-list >> text=Danke – gespeichert: interessant.")
    assert web.unexpected_errors() == []


def test_profile_errors_name_the_field_in_german(web: WebPage, web_server: WebServer) -> None:
    web.sign_in(web_server.keys["organisation"])
    web.page.wait_for_selector("#org-name")
    web.page.fill("#org-contact-email", "keine-adresse")
    web.page.click("#org-save")
    error = web.text("form .message--error")
    assert "Bitte Eingaben prüfen" in error
    assert "E-Mail" in error
    assert web.page.get_attribute("#org-contact-email", "aria-invalid") == "true"
    assert web.unexpected_errors(allowed=(r"status of 422",)) == []


def test_organisation_recommendation_tabs_show_scores_and_reasons(web: WebPage, web_server: WebServer) -> None:
    web.sign_in(web_server.keys["organisation"])
    web.page.wait_for_selector("#peer-list [data-peer]")
    for tab, selector in (
        ("Maßnahmen", "[data-measure]"),
        ("Förderung", "[data-programme]"),
        ("Beratung", "[data-advisor]"),
    ):
        web.page.get_by_role("tab", name=tab).click()
        card = web.page.locator(f"[role=tabpanel]:not([hidden]) {selector}").first
        card.wait_for()
        assert "Relevanz" in card.inner_text()
        assert card.locator(".reasons li").count() >= 1
    web.page.get_by_role("tab", name="Förderung").click()
    programme = web.page.locator("[role=tabpanel]:not([hidden]) [data-programme]").first
    badge = programme.locator("[data-eligibility]")
    assert badge.inner_text() in {"antragsberechtigt", "nur als Partner"}  # eligibility for THIS applicant
    assert programme.locator(".rate-for-you").inner_text()  # the rate for this applicant, or what it is instead
    web.page.get_by_role("tab", name="Maßnahmen").click()
    web.screenshot("unternehmen-massnahmen", scroll_to="#results-title")
    assert web.unexpected_errors() == []


def test_advisor_sees_sortable_leads_on_the_map_and_opens_the_brief(web: WebPage, web_server: WebServer) -> None:
    web.sign_in(web_server.keys["advisor"])
    web.page.wait_for_url("**/#/beratung")
    web.page.wait_for_selector("#lead-table tbody tr")
    assert web.page.locator("#lead-table tbody tr").count() >= 10
    assert web.page.locator("#lead-map path.map-dot").count() >= 10
    assert web.page.locator("#lead-table .badge--synthetic").count() >= 1

    web.page.click("#lead-table th button[data-key=employees]")
    header = web.page.locator("#lead-table th", has=web.page.locator("button[data-key=employees]"))
    assert header.get_attribute("aria-sort") == "descending"
    cells = web.page.locator("#lead-table tbody tr td:nth-child(5)").all_inner_texts()
    counts = [int(cell.replace(".", "")) for cell in cells]
    assert counts == sorted(counts, reverse=True)

    web.page.select_option("#lead-kreis", "05915")  # Hamm
    web.page.click("form[aria-label='Gesprächsanlässe filtern'] button[type=submit]")
    web.wait_for_function(
        "(cells => cells.length > 0 && cells.every(td => td.textContent.includes('Hamm')))"
        "([...document.querySelectorAll('#lead-table tbody td:nth-child(4)')])"
    )
    web.page.locator("#lead-table tbody tr >> nth=0").locator("td:nth-child(2) button").click()
    web.page.wait_for_selector("#lead-detail >> text=Gesprächspunkte")
    detail = web.page.inner_text("#lead-detail")
    assert "Stadt Hamm (kreisfreie Stadt)" in detail
    assert "Kreis Hamm" not in detail
    assert web.text("#lead-detail .lead-transit").startswith("ÖPNV: ")
    web.screenshot("beratung", scroll_to="form[aria-label='Gesprächsanlässe filtern']")

    web.page.locator("#lead-table tbody tr >> nth=0").get_by_role("button", name="Unterlage").click()
    frame = web.page.frame_locator("iframe.brief-frame")
    heading = frame.locator("h1")
    heading.wait_for()
    assert heading.inner_text().strip() != ""
    assert frame.locator("svg").count() >= 1  # the small map of the brief
    web.screenshot("beratung-unterlage")
    web.page.get_by_role("button", name="Schließen").click()
    web.page.locator("dialog.brief-dialog").wait_for(state="detached")  # removed in the dialog's close event
    assert web.unexpected_errors() == []


def test_planner_sees_clusters_opens_a_panel_and_exports(web: WebPage, web_server: WebServer, tmp_path: Path) -> None:
    web.sign_in(web_server.keys["planner"])
    web.page.wait_for_url("**/#/planung")
    web.page.wait_for_selector("#cluster-map path.map-dot")
    clusters = web.page.locator("button[data-cluster]").count()
    assert clusters >= 1
    assert web.page.locator("#cluster-map path.map-dot").count() == clusters
    # The map shows one page (at most 50); the exports hold every cluster, as their buttons say.
    total = int(web.text("#cluster-page").rsplit(" von ", 1)[1].replace(".", ""))
    assert total >= clusters

    web.page.locator("#cluster-map path.map-dot >> nth=0").click(force=True)
    assert web.text("#cluster-panel h2").startswith("Cluster")
    text = web.page.inner_text("#cluster-panel")
    for section in ("Wichtigste Probleme", "Gemeinsame Maßnahmen", "Wer an den Tisch gehört", "Mitglieder"):
        assert section in text
    assert web.text("#cluster-panel .cluster-transit")  # the members' ÖV-Güteklassen (or the transit note)
    # The demo's firms have coordinates; the extent says how many sit at their site (docs/geography.md).
    assert re.search(r"an Adresse oder Koordinaten verortet", web.text("#cluster-extent"))
    web.screenshot("planung", scroll_to="form[aria-label='Cluster filtern']")

    with web.page.expect_download() as csv_download:
        web.page.get_by_role("button", name="Export CSV").click()
    csv_file = tmp_path / "cluster.csv"
    csv_download.value.save_as(csv_file)
    rows = list(csv.reader(io.StringIO(csv_file.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["rang", "id", "name"]
    assert len(rows) == total + 1

    with web.page.expect_download() as geo_download:
        web.page.get_by_role("button", name="Export GeoJSON").click()
    geo_file = tmp_path / "cluster.geojson"
    geo_download.value.save_as(geo_file)
    collection = json.loads(geo_file.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == total

    # A filter with an invalid neighbourhood size is explained in German.
    web.page.fill("#cluster-eps", "50")
    web.page.click("form[aria-label='Cluster filtern'] button[type=submit]")
    assert "Nachbarschaft (km)" in web.text(".message--error")
    assert web.unexpected_errors(allowed=(r"status of 422",)) == []


def test_pages_fit_a_360_px_screen(web: WebPage, web_server: WebServer) -> None:
    web.page.set_viewport_size({"width": 360, "height": 740})

    def overflow() -> int:
        return int(web.page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))

    for route, ready in (("start", "#api-key"), ("katalog", "[data-measure]")):
        web.open(route)
        web.page.wait_for_selector(ready)
        assert overflow() <= 0, f"#/{route} is {overflow()} px wider than the screen"
    web.screenshot("katalog-360px")
    for role, ready in (
        ("organisation", "#peer-list [data-peer]"),
        ("advisor", "#lead-table tbody tr"),
        ("planner", "#cluster-map path.map-dot"),
    ):
        web.sign_in(web_server.keys[role])
        web.page.wait_for_selector(ready)
        assert overflow() <= 0, f"the {role} view is {overflow()} px wider than the screen"
    assert web.unexpected_errors() == []


def test_keyboard_users_reach_the_sign_in_and_see_focus(web: WebPage) -> None:
    web.open("start")
    web.page.keyboard.press("Tab")
    assert web.page.evaluate("document.activeElement.textContent") == "Zum Inhalt springen"
    web.page.focus("#api-key")
    outline = web.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    unlabelled = web.page.evaluate(
        "[...document.querySelectorAll('input, select, textarea')].filter(el => !el.labels || !el.labels.length)"
        ".map(el => el.id || el.name)"
    )
    assert unlabelled == []


def test_an_organisation_may_leave_its_sector_out(web: WebPage, web_server: WebServer) -> None:
    web.sign_in(web_server.keys["organisation"])
    web.page.wait_for_selector("#org-sector")
    sector = web.page.input_value("#org-sector")
    assert sector  # the demo firm has one
    try:
        web.page.select_option("#org-sector", "")
        web.page.click("#org-save")
        web.page.wait_for_selector("text=Gespeichert.")
        web.page.reload()
        web.page.wait_for_selector("#org-sector")
        assert web.page.input_value("#org-sector") == ""
        # Peers are still found; each says that the sector was left out of the comparison.
        web.page.wait_for_selector("#peer-list [data-peer]")
        first = web.page.inner_text("#peer-list [data-peer] >> nth=0")
        assert "Branche unbekannt (Ihre) – beim Profilvergleich nicht berücksichtigt" in first
        assert "None" not in web.page.inner_text("main")
    finally:
        web.page.select_option("#org-sector", sector)
        web.page.click("#org-save")
        web.page.wait_for_selector("text=Gespeichert.")
    assert web.unexpected_errors() == []
