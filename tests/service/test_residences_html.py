"""The printable residence report: planted homes → the analysis' numbers on the page, never a cell below k,
escaped, self-contained, German, for one organisation and pooled."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import numpy as np
import pytest

from matcher.geo.reference import GeoReference
from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.analysis import AnalysisSettings, Site, analyse
from matcher.residences.distances import PostcodeTable, RoadDistances
from matcher.residences.geojson import analysis_geojson
from matcher.residences.pooling import Member, pooled_analysis
from matcher.transit.model import TransitClass
from service.html_page import csp_hash
from service.residences_html import CSS, HEADERS, ReportSubject, render_residences_html
from tests.service.pages import Page, parse_page, printed_counts

SITE = Site(lat=51.51390, lon=7.47727, transit_class=TransitClass.A)  # centroid of 44135, Dortmund
DAY = date(2026, 12, 6)
TRICKY = "Müller <b>& Söhne</b> GmbH"
VOID = {"meta", "br", "link", "img", "hr", "input"}  # SVG shapes close themselves (/>) or have a <title>


def planted() -> ResidenceCounts:
    # 44135: 0 km (walk); 44139: 3.0 km road (bike); 44137: 2 people (below k); 44803 Bochum: 19–20 km (carpool).
    return ResidenceCounts.of({"44135": 6, "44139": 7, "44137": 2, "44803": 8})


def subject(
    title: str = TRICKY, synthetic: bool = False, kind: str = "Organisation", names: dict[str, str] | None = None
) -> ReportSubject:
    return ReportSubject(title=title, kind=kind, synthetic=synthetic, generated_on=DAY, reference="org-1",
                         place="Dortmund, Nordrhein-Westfalen", names=names or {})  # fmt: skip


def answered(analysis: dict[str, Any]) -> dict[str, Any]:
    """The analysis as the service answers it: with its site (service/residences.py)."""
    return {"site": {"lat": SITE.lat, "lon": SITE.lon, "transit_class": "A", "description": "Standort"}, **analysis}


@pytest.fixture(scope="module")
def table(geo: GeoReference) -> PostcodeTable:
    return PostcodeTable.build(geo)


def parse(html: str) -> Page:
    return parse_page(html, VOID)


def render(analysis: dict[str, Any], table: PostcodeTable, geo: GeoReference, **kwargs: Any) -> tuple[str, Page]:
    """The report of ``analysis`` with the map of its GeoJSON, parsed."""
    answer = answered(analysis)
    features = analysis_geojson(answer, table)["features"]
    html = render_residences_html(answer, kwargs.pop("subject", subject()), features, geo.boundaries, **kwargs)
    return html, parse(html)


def test_single_report_is_a_german_a4_page_with_the_planted_numbers(table: PostcodeTable, geo: GeoReference) -> None:
    analysis = analyse(planted(), SITE, table)
    html, page = render(analysis, table, geo)
    assert '<html lang="de">' in html
    assert "@page { size: A4; margin: 15mm; }" in html
    for heading in ("Zusammenfassung", "Karte der Wohnorte", "Entfernung zum Arbeitsort",
                    "Potenziale für den Arbeitsweg", "Herkunftsorte (Postleitzahlen)", "Wichtigste Wohngemeinden",
                    "Annahmen und Datenschutz"):  # fmt: skip
        assert heading in page.text, heading
    assert "Korridore" not in page.text  # only pooled
    assert "23 Beschäftigte mit Wohn-PLZ" in page.text
    assert "Stand 06.12.2026" in page.text
    # Planted truth: bands 0–2: 6, 2–5: 9, 15–25: 8; walk 6, bike 15, pedelec 15, carpool 8 (docs/residences.md).
    for label, value in (("0–2 km", "6 (26,1 %)"), ("2–5 km", "9 (39,1 %)"), ("15–25 km", "8 (34,8 %)")):
        at = page.texts.index(label)
        assert page.texts[at + 1] == value, (label, page.texts[at + 1])  # the bar's value follows its label
    rows = potential_rows(html)
    assert rows["zu Fuß"] == "6"
    assert rows["Fahrrad"] == "15"
    assert rows["Pedelec"] == "15"
    assert rows["Fahrgemeinschaft"] == "8"
    # The assumptions with the detour factor's source, the thresholds and k.
    assert "Umwegfaktor 1,3" in page.text
    assert "Guhr/Schreckenberg" in page.text
    assert "zu Fuß bis 2 km, Fahrrad bis 5 km, Pedelec bis 15 km" in page.text
    assert "k = 5" in page.text
    assert "GeoBasis-DE / BKG" in page.text


def potential_rows(html: str) -> dict[str, str]:
    """Mode label → the text of its person count cell in the potentials table."""
    body = html.split("Potenziale für den Arbeitsweg", 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<tr><td>([^<]+)</td><td>[^<]*</td><td class="count[^"]*">([^<]+)</td>', body))


def test_the_map_shows_listed_origins_and_no_postcode_below_k(table: PostcodeTable, geo: GeoReference) -> None:
    """Circles only for listed origins (≥ k); the postcodes below k are not placed on the map (their presence
    alone would tell where a few people live): they are one hatched "other" entry of the legend."""
    analysis = analyse(planted(), SITE, table)
    listed = {o["postcode"]: o["count"] for o in analysis["origins"]}
    assert "44137" not in listed
    html, page = render(analysis, table, geo)
    circles = [a for tag, a in page.tags if tag == "circle" and a.get("class") == "home"]
    assert len(circles) == len(listed)
    titles = {t for t in page.texts if t.startswith("PLZ ")}
    assert titles == {f"PLZ {postcode}: {count} Personen" for postcode, count in listed.items()}
    assert "44137" not in html
    other = analysis["other_origins"]["count"]  # 2 in 44137 plus the smallest origin (secondary suppression)
    assert other >= 5
    assert f"{other} Personen in übrigen Wohnorten mit je unter 5 Personen" in " ".join(page.text.split())
    assert [a for tag, a in page.tags if tag == "pattern" and a.get("id") == "schraffur-karte"]
    assert [a for tag, a in page.tags if tag == "rect" and a.get("class") == "site"]
    assert [a for tag, a in page.tags if tag == "path" and a.get("class") == "kreis"]  # the site's Kreis, filled
    assert all(n == 0 or n >= 5 for n in printed_counts(html))


def test_every_text_is_escaped_and_nothing_is_loaded(table: PostcodeTable, geo: GeoReference) -> None:
    analysis = analyse(planted(), SITE, table)
    html, page = render(analysis, table, geo)
    assert TRICKY in page.text
    assert "<b>" not in html
    assert "Müller &lt;b&gt;&amp; Söhne&lt;/b&gt; GmbH" in html
    assert "<script" not in html.lower()
    assert 'style="' not in html  # the web app's policy allows the one stylesheet by hash, no attribute
    assert not [a for _, a in page.tags if any(key in a for key in ("src", "href"))]
    assert html.count("<style>") == 1


def test_synthetic_data_say_so(table: PostcodeTable, geo: GeoReference) -> None:
    analysis = analyse(planted(), SITE, table)
    _, real = render(analysis, table, geo)
    _, synthetic = render(analysis, table, geo, subject=subject(synthetic=True))
    assert "synthetische Daten" not in real.text
    assert "synthetische Daten" in synthetic.text


def test_a_suppressed_band_and_potential_show_no_number(table: PostcodeTable, geo: GeoReference) -> None:
    small = ResidenceCounts.of({"44135": 2, "44139": 1})  # 3 people in all: every cell is below k
    analysis = analyse(small, SITE, table)
    html, page = render(analysis, table, geo)
    assert "unter 5 (ohne Zahl)" in page.texts
    assert potential_rows(html)["zu Fuß"] == "unter 5"
    assert [a for tag, a in page.tags if tag == "rect" and a.get("class") == "bar-hidden"]
    assert not [a for tag, a in page.tags if tag == "circle" and a.get("class") == "home"]
    assert all(n == 0 or n >= 5 for n in printed_counts(html))
    for n in (1, 2, 3):
        assert f"{n} Personen" not in page.text


def test_an_organisation_without_homes_gets_a_page(table: PostcodeTable, geo: GeoReference) -> None:
    analysis = analyse(ResidenceCounts.of({}), SITE, table)
    _, page = render(analysis, table, geo)
    assert "Es liegen keine Wohnorte vor." in page.text
    assert [a for tag, a in page.tags if tag == "rect" and a.get("class") == "site"]


def test_the_renderer_refuses_a_count_below_k(table: PostcodeTable, geo: GeoReference) -> None:
    """Defence in depth: a cell of 1 … k−1 handed to the renderer is an error, not text."""
    answer = answered(analyse(planted(), SITE, table))
    features = analysis_geojson(answer, table)["features"]
    small = {**features[0], "properties": {**features[0]["properties"], "count": 2}}
    with pytest.raises(ValueError, match="k = 5"):
        render_residences_html(answer, subject(), [*features, small], geo.boundaries)
    broken = {**answer, "origins": [{**answer["origins"][0], "count": 3}]}
    with pytest.raises(ValueError, match="count: 3"):
        render_residences_html(broken, subject(), features, geo.boundaries)


def test_pooled_report_shows_cross_firm_origins_and_corridors(table: PostcodeTable, geo: GeoReference) -> None:
    # Two firms with 3 people each in 44139 (one visible origin of 6), 5 + 5 in Bochum 44803, 1 + 4 in 44135.
    members = [
        Member("a", ResidenceCounts.of({"44139": 3, "44803": 5, "44135": 1}), consented=True),
        Member("b", ResidenceCounts.of({"44139": 3, "44803": 5, "44135": 4}), consented=True),
        Member("c", ResidenceCounts.of({"44139": 40}), consented=False),  # not pooled
    ]
    analysis = pooled_analysis(members, SITE, table, destination="Gewerbegebiet Hafen")
    html, page = render(
        analysis, table, geo,
        subject=subject("Gewerbegebiet Hafen", kind="Gewerbegebiet", names={"a": "Alpha GmbH"}),
    )  # fmt: skip
    assert "zusammengefasst über 2 Organisationen mit Einwilligung" in page.text
    assert "Korridore – Shuttle- und Buskandidaten" in page.text
    assert "Betriebsübergreifende Wohnorte" in page.text
    cross = html.split("Betriebsübergreifende Wohnorte", 1)[1].split("</table>", 1)[0]
    assert re.search(r'<td>44139</td><td>Dortmund</td><td class="count">6</td><td class="num">2</td>', cross)
    assert "40" not in cross  # the firm without consent is not pooled
    corridors = html.split("Korridore – Shuttle- und Buskandidaten", 1)[1].split("</table>", 1)[0]
    assert "Bochum → Gewerbegebiet Hafen" in corridors
    assert "Alpha GmbH: 5; b: 5" in corridors  # both parts ≥ k: split shown, named where a name is given
    assert "nicht aufgeteilt (ein Anteil läge unter 5)" in corridors  # Dortmund: 3 + 1 and 3 + 4
    assert all(n == 0 or n >= 5 for n in printed_counts(html))


@pytest.mark.parametrize("seed", range(8))
def test_no_page_shows_a_cell_below_k(seed: int, table: PostcodeTable, geo: GeoReference) -> None:
    """Random uploads around the site (seeded), single and pooled, k 5 or 7: every shown count is 0 or ≥ k."""
    rng = np.random.default_rng(seed)
    near = np.flatnonzero((np.abs(table.lat - SITE.lat) < 0.3) & (np.abs(table.lon - SITE.lon) < 0.45))
    k = int(rng.choice([5, 7]))
    members = []
    for firm in range(int(rng.integers(1, 5))):
        chosen = rng.choice(near, int(rng.integers(1, 30)), replace=False)
        counts = {str(table.index[i]): int(c) for i, c in zip(chosen, rng.integers(1, 9, len(chosen)), strict=True)}
        members.append(Member(f"org{firm}", ResidenceCounts.of(counts), consented=bool(rng.random() < 0.8)))
    settings = AnalysisSettings(k=k)
    single = analyse(members[0].residences, SITE, table, settings)
    pooled = pooled_analysis(members, SITE, table, settings)
    for analysis in (single, pooled):
        html, _ = render(analysis, table, geo)
        numbers = printed_counts(html)
        assert numbers
        assert all(n == 0 or n >= k for n in numbers), sorted(n for n in numbers if 0 < n < k)


def test_the_page_headers_load_and_run_nothing_and_keep_no_copy() -> None:
    policy = dict(part.strip().split(" ", 1) for part in HEADERS["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["style-src"] == csp_hash(CSS)  # exactly its own stylesheet
    assert policy["img-src"] == "data:"
    assert "script-src" not in policy  # default-src 'none' refuses scripts
    assert HEADERS["Cache-Control"] == "no-store"
    assert HEADERS["X-Content-Type-Options"] == "nosniff"
    assert HEADERS["Referrer-Policy"] == "no-referrer"


def test_the_page_says_how_distances_were_found(table: PostcodeTable, geo: GeoReference) -> None:
    estimated = analyse(planted(), SITE, table)
    _, page = render(estimated, table, geo)
    assert "Entfernung vom PLZ-Mittelpunkt zum Standort: Luftlinie × 1,3." in page.text
    road = RoadDistances(source="OSRM, osrm.example.org", km={"44135": 0.4, "44139": 3.1, "44137": 1.8})
    routed = analyse(planted(), SITE, table, road=road)
    _, page = render(routed, table, geo)
    assert "Straßennetz (OSRM, osrm.example.org); PLZ ohne Route: Luftlinie × 1,3" in page.text
    failed = RoadDistances(source="OSRM, localhost", km={}, failure="Routing-Dienst (OSRM, localhost) nicht verwendet")
    _, page = render(analyse(planted(), SITE, table, road=failed), table, geo)
    assert "Luftlinie × 1,3 (Routing-Dienst (OSRM, localhost) nicht verwendet)." in page.text
