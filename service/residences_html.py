"""The Wohnstandortanalyse as a printable German A4 report (HTML), for one organisation or pooled.

Renders the service's answer (:func:`matcher.residences.analysis.analyse` or
:func:`~matcher.residences.pooling.pooled_analysis` plus ``site``) — it computes nothing about people itself —
with a map: the Kreise around the site (BKG VG1000) and each *listed* home postcode (the analysis' GeoJSON
points) as a circle whose area follows its count. Postcodes below k are not placed at all (their presence alone
would tell where a few people live); their people are one hatched legend entry, a number ≥ k or "unter k".
Every count goes through :func:`_count`, which refuses 1 … k−1: a report never prints a cell the analysis
suppressed. Layout, escaping and the map frame are shared with the consultation brief (``service/html_page.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Any

import numpy as np

from matcher.geo.boundaries import BoundaryIndex
from matcher.geo.distance import haversine_km
from matcher.planning.brief import SYNTHETIC_NOTICE
from matcher.residences.anonymity import is_safe
from matcher.transit.model import TransitClass
from matcher.wording import count_noun, german_int, german_number
from service.html_page import (
    BASE_CSS,
    BOUNDARY_ATTRIBUTION,
    MapFrame,
    document,
    german_date,
    page_headers,
    section,
)

ATTRIBUTION = (
    f"{BOUNDARY_ATTRIBUTION}; Postleitzahlen: © OpenStreetMap-Mitwirkende (ODbL), GeoNames (CC BY 4.0); "
    "ÖV-Güteklassen aus Haltestellen von DB InfraGO (CC BY 4.0) und OpenStreetMap"
)
MAP_WIDTH = 260.0
MAP_HEIGHT = 160.0
MAP_PAD = 10.0
MAP_RADIUS_KM = 40.0  # straight line from the site: farther homes are listed, not drawn (the map stays readable)
MAX_RADIUS = 9.0  # the largest circle (user units); areas follow the counts
LISTED_ROWS = 10  # rows listed one by one per table (origins, cross-firm, corridors); the rest in one sum row
CHART_WIDTH = 260.0
CHART_ROW = 13.0
CHART_LABEL = 48.0
CHART_BAR = 150.0

MODE_LABELS = {
    "walk": "zu Fuß",
    "bike": "Fahrrad",
    "pedelec": "Pedelec",
    "transit": "Bus und Bahn",
    "carpool": "Fahrgemeinschaft",
}

CSS = (
    BASE_CSS
    + """table { width: 100%; border-collapse: collapse; margin: 0 0 1mm; }
th, td { text-align: left; padding: .35mm 1mm; border-bottom: 1px solid #e3e8ee; vertical-align: top; }
th { font-weight: bold; color: #333; border-bottom: 1px solid #a8b5c4; }
td.count, td.num, th.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0 5mm; }
.suppressed { color: #555; font-style: italic; }
.swatch { width: 3mm; height: 3mm; border: none; background: none; vertical-align: -0.5mm; }
.home { fill: #0b5394; fill-opacity: .55; stroke: #fff; stroke-width: .6; }
.site { fill: #cc0000; stroke: #fff; stroke-width: 1; }
.bar { fill: #0b5394; }
.bar-hidden { stroke: #777; stroke-width: .5; }
.chart-text { font-size: 7px; fill: #1a1a1a; }
.summary { font-size: 8.6pt; }
.key-site { color: #cc0000; }
.key-home { color: #0b5394; }
"""
)

HEADERS = page_headers(CSS)  # of the API's answer with format=html


@dataclass(frozen=True)
class ReportSubject:
    """Whose analysis the report shows (the site comes with the analysis: ``site`` of the service's answer)."""

    title: str  # the organisation's name, the estate's or cluster's name
    kind: str  # "Organisation", "Gewerbegebiet", "Cluster", "Auswahl"
    synthetic: bool
    generated_on: date
    reference: str = ""  # id, estate or cluster, in the footer
    place: str = ""  # "Dortmund, Nordrhein-Westfalen"
    names: Mapping[str, str] = field(default_factory=dict)  # id → name of the organisations a corridor may name


@dataclass(frozen=True)
class _Point:
    postcode: str
    lon: float
    lat: float
    count: int


def _points(features: Iterable[Mapping[str, Any]], k: int) -> list[_Point]:
    """The listed origins of the analysis' GeoJSON (``matcher.residences.geojson``): Point features, each ≥ k."""
    points = []
    for feature in features:
        geometry, properties = feature.get("geometry"), feature["properties"]
        if not geometry or geometry.get("type") != "Point":
            continue  # the "other origins" feature has no geometry: it is in the legend, not on the map
        lon, lat = (float(value) for value in geometry["coordinates"][:2])
        points.append(_Point(str(properties["postcode"]), lon, lat, int(properties["count"])))
    if any(not is_safe(p.count, k) for p in points):
        raise ValueError(f"features: ein Punkt hat weniger als k = {k} Personen")
    return points


def _count(value: int | None, k: int) -> str:
    """A count as printed: German thousands, or "unter k" for a suppressed cell; 1 … k−1 is a bug, not text."""
    if value is None:
        return f"unter {k}"
    if not is_safe(value, k):
        raise ValueError(f"count: {value} liegt unter k = {k} und darf nicht gezeigt werden")
    return german_int(value)


def _count_cell(value: int | None, k: int) -> str:
    css = "count" if value is not None else "count suppressed"
    return f'<td class="{css}">{escape(_count(value, k))}</td>'


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{german_number(round(share * 100, 1))} %"


def _km(value: float) -> str:
    return german_number(round(value, 1)) + " km"


def _hatch(pattern_id: str) -> str:
    return (
        f'<defs><pattern id="{pattern_id}" width="3" height="3" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="3" fill="#eceff3"/>'
        '<line x1="0" y1="0" x2="0" y2="3" stroke="#777" stroke-width="1.2"/></pattern></defs>'
    )


def _swatch(pattern_id: str) -> str:
    """A small hatched square for a legend (its own pattern: ids are unique in the document)."""
    return (
        f'<svg class="swatch" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 6 6" aria-hidden="true">'
        f'{_hatch(pattern_id)}<rect width="6" height="6" fill="url(#{pattern_id})"/></svg>'
    )


def _table(head: Sequence[str], rows: Sequence[str], count_columns: Iterable[int] = ()) -> str:
    numeric = set(count_columns)
    cells = "".join(f'<th class="num">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
                    for i, h in enumerate(head))  # fmt: skip
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


# -- header and summary -----------------------------------------------------------------------------


def _header(analysis: Mapping[str, Any], subject: ReportSubject) -> str:
    notice = f'<p class="synthetic">{escape(SYNTHETIC_NOTICE)}</p>' if subject.synthetic else ""
    facts = [subject.kind, subject.place, f"{german_int(analysis['total'])} Beschäftigte mit Wohn-PLZ"]
    if "organisations" in analysis:
        facts.append(f"zusammengefasst über {count_noun(analysis['organisations'], 'Organisation', 'Organisationen')} "
                     "mit Einwilligung")  # fmt: skip
        left_out = analysis.get("left_out", {}).get("total", 0)
        if left_out:
            facts.append(f"nicht einbezogen: {german_int(left_out)} (ohne Einwilligung oder ohne Wohnorte)")
    facts.append(f"Stand {german_date(subject.generated_on)}")
    return (
        '<header><div class="top"><p class="eyebrow">Wohnstandortanalyse · Betriebliches Mobilitätsmanagement</p>'
        f"{notice}</div><h1>{escape(subject.title)}</h1>"
        f'<p class="meta">{escape(" · ".join(f for f in facts if f))}</p></header>'
    )


def _summary(analysis: Mapping[str, Any]) -> str:
    k, total = analysis["k"], analysis["total"]
    if total == 0:
        return '<p class="summary">Es liegen keine Wohnorte vor.</p>'
    assumptions, potentials = analysis["assumptions"], analysis["potentials"]
    parts = []
    for mode, limit in (("bike", assumptions["bike_km"]), ("pedelec", assumptions["pedelec_km"])):
        cell = potentials[mode]
        amount = (
            f"{_count(cell['count'], k)} Personen ({_percent(cell['share'])})"
            if cell["count"] is not None
            else f"unter {k} Personen"
        )
        parts.append(f"{amount} wohnen höchstens {german_number(limit)} km Straßenweg entfernt")
    transit, carpool = potentials["transit"], potentials["carpool"]
    text = (
        "; ".join(parts) + ". Bus und Bahn an Wohnort und Standort gut erreichbar: "
        f"{_count(transit['count'], k)}; Fahrgemeinschaften naheliegend: {_count(carpool['count'], k)}."
    )
    return f'<p class="summary">{escape(text)}</p>'


# -- map --------------------------------------------------------------------------------------------


def _map(analysis: Mapping[str, Any], points: Sequence[_Point], title: str, boundaries: BoundaryIndex) -> str:
    k, site = analysis["k"], analysis.get("site")
    lat = np.array([p.lat for p in points], dtype=np.float64)
    lon = np.array([p.lon for p in points], dtype=np.float64)
    anchors = [[site["lon"], site["lat"]]] if site else []
    near = np.ones(len(points), dtype=bool)
    if site and points:
        near = haversine_km(lat, lon, site["lat"], site["lon"]) <= MAP_RADIUS_KM
    if not anchors and not near.any():
        return f'<p class="small">Keine Wohn-PLZ mit mindestens {k} Personen und kein Standort: keine Karte.</p>'
    frame_points = np.vstack([np.array(anchors).reshape(-1, 2), np.column_stack([lon[near], lat[near]])])
    widen = (0.12, 0.07) if len(frame_points) < 3 else (0.0, 0.0)  # a few km around a lonely site
    frame = MapFrame.fit(frame_points, MAP_WIDTH, MAP_HEIGHT, MAP_PAD, widen)
    own = None
    if site:
        found = boundaries.kreis_of(np.array([site["lat"]]), np.array([site["lon"]]))
        own = str(boundaries.kreis_codes[found[0]]) if found[0] >= 0 else None
    shapes = frame.kreise(boundaries, own)
    largest = max((p.count for p in points), default=1)
    drawn = [p for p in points if frame.inside(p.lon, p.lat)]
    for point in sorted(drawn, key=lambda p: (-p.count, p.postcode)):  # small circles on top of large ones
        x, y = frame.xy(point.lon, point.lat)
        radius = max(1.5, MAX_RADIUS * float(np.sqrt(point.count / largest)))
        label = f"PLZ {point.postcode}: {_count(point.count, k)} Personen"
        shapes.append(
            f'<circle class="home" cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}"><title>{escape(label)}</title></circle>'
        )
    if site:
        x, y = frame.xy(site["lon"], site["lat"])
        shapes.append(f'<rect class="site" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8"/>')
    svg = frame.svg(shapes, f"Karte der Wohnorte: {title}")
    other = analysis["other_origins"]
    site_label = str(site.get("description") or "Standort") if site else ""
    legend = [f'<span class="key-site">■</span> {escape(site_label)}'] if site else []
    legend.append('<span class="key-home">●</span> Wohn-PLZ (Mittelpunkt), Fläche nach Personenzahl')
    if other["count"] != 0:
        legend.append(
            f'{_swatch("schraffur-karte")} <span class="count">{escape(_count(other["count"], k))}</span> '
            f"{escape(f'Personen in übrigen Wohnorten mit je unter {k} Personen – nicht einzeln auf der Karte')}"
        )
    if len(drawn) < len(points):
        legend.append(
            escape(f"{count_noun(len(points) - len(drawn), 'Wohn-PLZ', 'Wohn-PLZ')} außerhalb des Ausschnitts")
        )
    return f'<figure>{svg}<p class="legend">{" · ".join(legend)}</p></figure>'


# -- sections ---------------------------------------------------------------------------------------


def _band_label(band: Mapping[str, Any]) -> str:
    if band["to_km"] is None:
        return f"ab {german_number(band['from_km'])} km"
    return f"{german_number(band['from_km'])}–{german_number(band['to_km'])} km"


def _bands(analysis: Mapping[str, Any]) -> str:
    k, bands = analysis["k"], analysis["bands"]
    largest = max((b["count"] or 0 for b in bands), default=0) or 1
    height = CHART_ROW * len(bands) + 4
    shapes = []
    for row, band in enumerate(bands):
        y = 2 + row * CHART_ROW
        label = escape(_band_label(band))
        shapes.append(
            f'<text class="chart-text" x="{CHART_LABEL - 3}" y="{y + 8.5:.1f}" text-anchor="end">{label}</text>'
        )
        if band["count"] is None:
            width, value = 12.0, f"unter {k} (ohne Zahl)"
            shapes.append(
                f'<rect class="bar-hidden" x="{CHART_LABEL}" y="{y + 1:.1f}" width="{width}" height="{CHART_ROW - 3}" '
                'fill="url(#schraffur-band)"/>'
            )
        else:
            width = CHART_BAR * band["count"] / largest
            value = f"{_count(band['count'], k)} ({_percent(band['share'])})"
            if width > 0:
                shapes.append(
                    f'<rect class="bar" x="{CHART_LABEL}" y="{y + 1:.1f}" width="{width:.1f}" '
                    f'height="{CHART_ROW - 3}"/>'
                )
        shapes.append(
            f'<text class="chart-text count" x="{CHART_LABEL + width + 3:.1f}" y="{y + 8.5:.1f}">{escape(value)}</text>'
        )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH:.0f} {height:.0f}" role="img" '
        f'aria-label="Balkendiagramm: Beschäftigte nach Entfernung">{_hatch("schraffur-band")}{"".join(shapes)}</svg>'
    )
    note = (
        "Geschätzter Straßenweg vom Wohnort zum Arbeitsort. Benachbarte Entfernungsbereiche mit zusammen "
        f"weniger als {k} Personen sind zusammengefasst."
    )
    return f'<figure>{svg}<p class="legend">{escape(note)}</p></figure>'


def _potentials(analysis: Mapping[str, Any]) -> str:
    k, a = analysis["k"], analysis["assumptions"]
    rules = {
        "walk": f"bis {german_number(a['walk_km'])} km",
        "bike": f"bis {german_number(a['bike_km'])} km (schließt zu Fuß ein)",
        "pedelec": f"bis {german_number(a['pedelec_km'])} km (schließt Fahrrad ein)",
        "transit": "ÖV gut an Wohnort und Arbeitsort",
        "carpool": f"über {german_number(a['pedelec_km'])} km, Kollegen in der Nähe",
    }
    rows = [
        f"<tr><td>{escape(MODE_LABELS[mode])}</td><td>{escape(rules[mode])}</td>"
        f'{_count_cell(cell["count"], k)}<td class="num">{_percent(cell["share"])}</td></tr>'
        for mode, cell in analysis["potentials"].items()
    ]
    return _table(("Möglichkeit", "Regel", "Personen", "Anteil"), rows, count_columns=(2, 3))


def _rest_row(rest: Sequence[Mapping[str, Any]], k: int, before: int, after: int) -> list[str]:
    """One row summing the cells not listed (each ≥ k, so their sum is too): ``before`` columns span the label."""
    if not rest:
        return []
    people = sum(int(cell["count"]) for cell in rest)
    label = f"weitere {count_noun(len(rest), 'Zeile', 'Zeilen')} mit je mindestens {k} Personen"
    return [f'<tr><td colspan="{before}">{escape(label)}</td>{_count_cell(people, k)}{"<td></td>" * after}</tr>']


def _transit_label(code: str) -> str:
    return "keine" if code == TransitClass.NONE.value else code


def _origins(analysis: Mapping[str, Any]) -> str:
    k, origins, other = analysis["k"], analysis["origins"], analysis["other_origins"]
    rows = [
        f"<tr><td>{escape(o['postcode'])}</td><td>{escape(o['municipality'])}</td>{_count_cell(o['count'], k)}"
        f'<td class="num">{_percent(o["share"])}</td><td class="num">{escape(_km(o["distance_km"]))}</td>'
        f"<td>{escape(_transit_label(o['transit_class']))}</td></tr>"
        for o in origins[:LISTED_ROWS]
    ]
    rows += _rest_row(origins[LISTED_ROWS:], k, before=2, after=3)
    if other["count"] != 0:
        rows.append(
            f'<tr><td colspan="2">{escape(f"übrige Wohnorte (je unter {k} Personen, zusammengefasst)")}</td>'
            f'{_count_cell(other["count"], k)}<td class="num">{_percent(other["share"])}</td><td></td><td></td></tr>'
        )
    if not rows:
        return '<p class="small">Keine Wohnorte.</p>'
    head = ("PLZ", "Ort", "Personen", "Anteil", "Weg", "ÖV-Klasse")
    note = (
        "Weg: geschätzter Straßenweg vom PLZ-Mittelpunkt. ÖV-Klasse: ÖV-Güteklasse am PLZ-Mittelpunkt "
        "(A sehr gut … D gering)."
    )
    return _table(head, rows, count_columns=(2, 3, 4)) + f'<p class="note">{escape(note)}</p>'


def _municipalities(analysis: Mapping[str, Any]) -> str:
    k = analysis["k"]
    rows = [
        f"<tr><td>{escape(m['municipality'])}</td>{_count_cell(m['count'], k)}"
        f'<td class="num">{_percent(m["share"])}</td></tr>'
        for m in analysis["municipalities"]
    ]
    if not rows:
        return f'<p class="small">Keine Gemeinde mit mindestens {k} Personen.</p>'
    return _table(("Gemeinde", "Personen", "Anteil"), rows, count_columns=(1, 2))


def _cross_firm(analysis: Mapping[str, Any]) -> str:
    k = analysis["k"]
    rows = [
        f"<tr><td>{escape(c['postcode'])}</td><td>{escape(c['municipality'])}</td>{_count_cell(c['count'], k)}"
        f'<td class="num">{german_int(c["organisations"])}</td>'
        f'<td class="num">{escape(_km(c["distance_km"]))}</td></tr>'
        for c in analysis["cross_firm"][:LISTED_ROWS]
    ]
    rows += _rest_row(analysis["cross_firm"][LISTED_ROWS:], k, before=2, after=2)
    if not rows:
        return f'<p class="small">Keine Postleitzahl, in der Beschäftigte mehrerer Betriebe mit zusammen mindestens {k} Personen wohnen.</p>'  # noqa: E501
    note = "Beschäftigte verschiedener Betriebe wohnen hier: Fahrgemeinschaften über Betriebsgrenzen hinweg."
    return _table(("PLZ", "Ort", "Personen", "Betriebe", "Weg"), rows, count_columns=(2, 3, 4)) + (
        f'<p class="note">{escape(note)}</p>'
    )


def _corridors(analysis: Mapping[str, Any], names: Mapping[str, str]) -> str:
    k = analysis["k"]
    rows = []
    for c in analysis["corridors"][:LISTED_ROWS]:
        split = c["by_organisation"]
        parts = (
            "; ".join(f"{names.get(p['organisation'], p['organisation'])}: {_count(p['count'], k)}" for p in split)
            if split
            else f"nicht aufgeteilt (ein Anteil läge unter {k})"
        )
        rows.append(
            f"<tr><td>{escape(c['from'])} → {escape(c['to'])}</td>{_count_cell(c['count'], k)}"
            f'<td class="num">{_percent(c["share"])}</td><td class="num">{german_int(c["organisations"])}</td>'
            f"<td>{escape(parts)}</td></tr>"
        )
    rows += _rest_row(analysis["corridors"][LISTED_ROWS:], k, before=1, after=3)
    if not rows:
        return f'<p class="small">Kein Korridor mit mindestens {k} Personen.</p>'
    note = (
        "Kandidaten für einen Werksbus, eine Shuttle- oder Zubringerlinie und gemeinsame Fahrgemeinschaften: "
        "je mehr Personen aus einem Ort kommen, desto eher lohnt sich ein gemeinsames Angebot."
    )
    return _table(("Korridor", "Personen", "Anteil", "Betriebe", "je Betrieb"), rows, count_columns=(1, 2, 3)) + (
        f'<p class="note">{escape(note)}</p>'
    )


def _distance_method(assumptions: Mapping[str, Any]) -> str:
    """How distances were found (road network or estimate), with the reason when a routing engine was not used."""
    note = assumptions.get("distance_note")
    return str(assumptions["distance_method"]) + (f" ({note})" if note else "")


def _assumptions(analysis: Mapping[str, Any]) -> str:
    a, k = analysis["assumptions"], analysis["k"]
    lines = [
        f"Entfernung {a['distance']}: {_distance_method(a)}. Geschätzte Entfernungen: Luftlinie × Umwegfaktor "
        f"{german_number(a['detour_factor'])} – Quelle: {a['detour_factor_source']}. Für kurze Wege auf "
        "Nebenstraßen und Radwegen ist der Faktor eine Annahme; der PLZ-Mittelpunkt steht für alle Wohnungen der "
        "Postleitzahl.",
        f"Schwellen (Straßenweg): zu Fuß bis {german_number(a['walk_km'])} km, Fahrrad bis "
        f"{german_number(a['bike_km'])} km, Pedelec bis {german_number(a['pedelec_km'])} km – übliche Werte "
        "betrieblicher Mobilitätsberatung, keine Messung.",
        f"Bus und Bahn: {a['transit_rule']}.",
        f"Fahrgemeinschaft: {a['carpool_rule']}.",
        f"Datenschutz: k = {k}. Keine Zahl unter {k} wird gezeigt; kleinere Zellen sind zusammengefasst oder "
        "ausgeblendet. Gespeichert sind nur Anzahlen je Postleitzahl, keine Angaben zu einzelnen Personen.",
    ]
    return '<ul class="small">' + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def render_residences_html(
    analysis: Mapping[str, Any],
    subject: ReportSubject,
    features: Sequence[Mapping[str, Any]],
    boundaries: BoundaryIndex,
) -> str:
    """The analysis (single or pooled, as the service answers it, with ``site``) as a complete, self-contained
    German HTML document for A4.

    ``features`` are the analysis' GeoJSON features (``matcher.residences.geojson``: a point per listed origin);
    the subject's ``names`` name the organisations of a corridor's split (their ids otherwise)."""
    points = _points(features, analysis["k"])
    body = (
        _header(analysis, subject)
        + section("Zusammenfassung", _summary(analysis))
        + '<div class="grid"><div>'
        + section("Karte der Wohnorte", _map(analysis, points, subject.title, boundaries))
        + "</div><div>"
        + section("Entfernung zum Arbeitsort", _bands(analysis))
        + section("Potenziale für den Arbeitsweg", _potentials(analysis))
        + "</div></div>"
    )
    if "corridors" in analysis:
        body += section("Korridore – Shuttle- und Buskandidaten", _corridors(analysis, subject.names))
        body += section("Betriebsübergreifende Wohnorte", _cross_firm(analysis))
    body += (
        '<div class="grid"><div>'
        + section("Herkunftsorte (Postleitzahlen)", _origins(analysis))
        + "</div><div>"
        + section("Wichtigste Wohngemeinden", _municipalities(analysis))
        + section("Annahmen und Datenschutz", _assumptions(analysis))
        + "</div></div>"
    )
    reference = f" ({subject.reference})" if subject.reference else ""
    body += (
        f"<footer>{escape(ATTRIBUTION)}. Erstellt mit bmm-match am {german_date(subject.generated_on)}"
        f"{escape(reference)}.</footer>\n"
    )
    return document(f"Wohnstandortanalyse – {subject.title}", CSS, body)
