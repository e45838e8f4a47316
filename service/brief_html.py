"""The consultation brief as a printable German HTML page (one A4 sheet; docs/planning.md, Brief).

Self-contained: inline CSS and an inline SVG map of the organisation's Kreis (BKG boundaries of the reference
data) with a marker for the organisation and numbered markers for the peers. Every text is escaped. What the
page shows is what the :class:`~matcher.planning.brief.Brief` carries; contact data only when the brief has them (the
service decided consent before).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from html import escape

import numpy as np
import shapely

from matcher.catalog import FundingStatus
from matcher.geo.boundaries import project
from matcher.models import Organisation
from matcher.planning.brief import Brief
from matcher.reference import ReferenceData
from matcher.vocabulary import PROBLEM_LABELS_DE
from matcher.wording import format_km, german_int

ATTRIBUTION = (
    "Kreisgrenzen: © GeoBasis-DE / BKG 2022 (Daten verändert), VG1000, dl-de/by-2-0; "
    "Haltestellen: DB InfraGO (CC BY 4.0), © OpenStreetMap-Mitwirkende (ODbL)"
)
STATUS_LABELS = {FundingStatus.OPEN: "offen", FundingStatus.CLOSED: "geschlossen", FundingStatus.UNKNOWN: "unbestätigt"}
MAP_WIDTH = 260.0
MAP_HEIGHT = 100.0  # 260:100, about 85 x 33 mm in a column
MAP_PAD = 8.0

CSS = """
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
body { font: 8pt/1.18 "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; margin: 0; }
.sheet { max-width: 180mm; margin: 0 auto; }
header { border-bottom: 2px solid #0b5394; padding-bottom: 1.2mm; }
.top { display: flex; justify-content: space-between; align-items: center; gap: 4mm; }
.eyebrow { margin: 0; font-size: 7.5pt; text-transform: uppercase; letter-spacing: .05em; color: #0b5394; }
h1 { font-size: 13pt; margin: .3mm 0; }
h2 { font-size: 8.8pt; margin: 1.6mm 0 .6mm; color: #0b5394; border-bottom: 1px solid #cfd8e3; }
.meta { margin: 0; color: #444; }
.synthetic { border: 2px solid #b45f06; background: #fff2cc; color: #7f3f00; font-weight: bold;
  padding: .8mm 2.5mm; margin: 0; white-space: nowrap; }
.cols { column-count: 2; column-gap: 5mm; }
h2 { break-after: avoid; }
li, figure, p { break-inside: avoid; }
ul, ol { margin: 0; padding-left: 4mm; }
li { margin-bottom: .3mm; }
p { margin: 0 0 .8mm; }
.small, .reasons, .note, .legend, footer { font-size: 6.8pt; color: #555; }
.score { float: right; font-weight: bold; color: #0b5394; margin-left: 2mm; }
figure { margin: 0 0 1mm; }
svg { width: 100%; height: auto; border: 1px solid #cfd8e3; background: #f7f9fb; }
.kreis { fill: #dde7f2; stroke: #0b5394; stroke-width: 1; }
.nachbar { fill: none; stroke: #a8b5c4; stroke-width: .6; }
.legend { margin: .5mm 0 0; }
@media print { body { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
footer { border-top: 1px solid #cfd8e3; margin-top: 2mm; padding-top: .8mm; }
"""


def _date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _items(entries: Iterable[str], ordered: bool = False, empty: str = "keine Angaben") -> str:
    rows = "".join(f"<li>{entry}</li>" for entry in entries)
    tag = "ol" if ordered else "ul"
    return f"<{tag}>{rows}</{tag}>" if rows else f'<p class="small">{escape(empty)}</p>'


def _section(title: str, body: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{body}</section>"


# -- map --------------------------------------------------------------------------------------------


def _lonlat_rings(geometry: shapely.Geometry) -> list[np.ndarray]:
    """The rings of a boundary polygon (local km frame of ``matcher.geo.boundaries``) in lon/lat degrees."""
    km_per_lon, km_per_lat = (float(v[0]) for v in project(np.array([1.0]), np.array([1.0])))
    polygons = [part for part in shapely.get_parts(geometry) if isinstance(part, shapely.Polygon)]
    rings = [ring for polygon in polygons for ring in (polygon.exterior, *polygon.interiors)]
    return [np.asarray(ring.coords) / np.array([km_per_lon, km_per_lat]) for ring in rings]


def _map(brief: Brief, organisation: Organisation, peers: Sequence[Organisation], reference: ReferenceData) -> str:
    boundaries = reference.geo.boundaries
    own = organisation.location.kreis_code
    found = np.flatnonzero(boundaries.kreis_codes == own)
    kreis_rings = _lonlat_rings(boundaries.kreis_geometries[found[0]]) if len(found) else []
    by_id = {peer.id: peer for peer in peers}
    markers = [(organisation.location.lon, organisation.location.lat)]
    numbered = [(number, by_id[item.id]) for number, item in enumerate(brief.peers.items, start=1) if item.id in by_id]
    markers += [(peer.location.lon, peer.location.lat) for _, peer in numbered]
    points = np.vstack([*kreis_rings, np.array(markers)])
    lon0, lat0, lon1, lat1 = points[:, 0].min(), points[:, 1].min(), points[:, 0].max(), points[:, 1].max()
    if len(kreis_rings) == 0:  # no boundary on file: a few km around the markers
        lon0, lat0, lon1, lat1 = lon0 - 0.05, lat0 - 0.03, lon1 + 0.05, lat1 + 0.03
    cos_lat = float(np.cos(np.radians((lat0 + lat1) / 2)))
    width_deg, height_deg = max((lon1 - lon0) * cos_lat, 1e-6), max(lat1 - lat0, 1e-6)
    scale = min((MAP_WIDTH - 2 * MAP_PAD) / width_deg, (MAP_HEIGHT - 2 * MAP_PAD) / height_deg)
    left, top = (MAP_WIDTH - width_deg * scale) / 2, (MAP_HEIGHT - height_deg * scale) / 2  # centred

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return left + (lon - lon0) * cos_lat * scale, top + (lat1 - lat) * scale

    def path(rings: list[np.ndarray], css: str) -> str:
        parts = [
            "M" + " L".join("{:.1f},{:.1f}".format(*xy(float(lon), float(lat))) for lon, lat in ring) + " Z"
            for ring in rings
        ]
        return f'<path class="{css}" fill-rule="evenodd" d="{" ".join(parts)}"/>'

    # Neighbouring Kreise for orientation, clipped to a little more than the visible map.
    margin = 10 / scale
    west, east = lon0 - (left / cos_lat) / scale - margin, lon0 + ((MAP_WIDTH - left) / cos_lat) / scale + margin
    south, north = lat1 - (MAP_HEIGHT - top) / scale - margin, lat1 + top / scale + margin
    km_lon, km_lat = project(np.array([south, north]), np.array([west, east]))
    box = (float(km_lon[0]), float(km_lat[0]), float(km_lon[1]), float(km_lat[1]))
    neighbours = [int(i) for i in boundaries.kreis_tree.query(shapely.box(*box)) if boundaries.kreis_codes[i] != own]
    clipped = [shapely.clip_by_rect(boundaries.kreis_geometries[i], *box) for i in sorted(neighbours)]
    shapes = [path(_lonlat_rings(geometry), "nachbar") for geometry in clipped if not geometry.is_empty]
    if kreis_rings:
        shapes.append(path(kreis_rings, "kreis"))
    for number, peer in numbered:
        px, py = xy(peer.location.lon, peer.location.lat)
        shapes.append(
            f'<g class="marker-peer"><circle cx="{px:.1f}" cy="{py:.1f}" r="6" fill="#0b5394" stroke="#fff"/>'
            f'<text x="{px:.1f}" y="{py + 2.8:.1f}" text-anchor="middle" font-size="8" fill="#fff">{number}</text></g>'
        )
    x, y = xy(organisation.location.lon, organisation.location.lat)  # last: on top of the peers
    shapes.append(f'<circle class="marker-own" cx="{x:.1f}" cy="{y:.1f}" r="5.5" fill="#cc0000" stroke="#fff"/>')
    kreis_name = escape(reference.geo.kreis_naming.kreis(own, organisation.location.kreis_name))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {MAP_WIDTH:.0f} {MAP_HEIGHT:.0f}" role="img" '
        f'aria-label="Karte: {kreis_name} mit Standort und Betrieben in der Nähe">{"".join(shapes)}</svg>'
    )
    area = f"Fläche: {kreis_name}" if kreis_rings else "Kreisgrenze nicht hinterlegt"
    legend = (
        '<p class="legend"><span style="color:#cc0000">●</span> Standort · <span style="color:#0b5394">●</span> '
        f"Betriebe in der Nähe (Nummer wie in der Liste) · {area}</p>"
    )
    return f"<figure>{svg}{legend}</figure>"


# -- sections ---------------------------------------------------------------------------------------


def _header(brief: Brief) -> str:
    o = brief.organisation
    what = escape(o.kind_label + (f", {o.sector_label}" if o.sector_label else ""))
    where = escape(f"{o.location.place_label}, {o.location.state_name}")
    staff = german_int(o.employees)
    notice = f'<p class="synthetic">{escape(brief.synthetic_notice)}</p>' if brief.synthetic_notice else ""
    return (
        '<header><div class="top"><p class="eyebrow">Beratungsbrief Betriebliches Mobilitätsmanagement</p>'
        f'{notice}</div><h1>{escape(o.name)}</h1><p class="meta">{what} · {staff} Beschäftigte · {where} · '
        f"Stand {_date(brief.generated_on)}</p></header>"
    )


def _location(brief: Brief) -> str:
    o = brief.organisation
    lines = [*o.location_features, f"Gewerbegebiet: {o.estate}" if o.estate else ""]
    lines += ["Schichtarbeit: " + ("ja" if o.shift_work else "nein"), f"Standort: {o.location.precision_label}"]
    return f'<p class="small">{escape("; ".join(line for line in lines if line))}</p>'


def _contact(brief: Brief) -> str:
    o = brief.organisation
    lines = [o.contact.name, o.contact.email, o.contact.phone] if o.contact is not None else []
    shown = [line for line in (*lines, o.address) if line]
    return _section("Kontakt", f"<p>{escape(' · '.join(shown))}</p>") if shown else ""


def _measures(brief: Brief) -> str:
    rows = [
        f'<strong>{escape(m.name)}</strong><span class="score">{_number(m.score)}</span><br>'
        f'<span class="reasons">{escape("; ".join(r.text for r in m.reasons))}</span>'
        for m in brief.measures
    ]
    return _items(rows, ordered=True, empty="Keine weitere passende Maßnahme im Katalog gefunden.")


def _funding(brief: Brief, reference: ReferenceData) -> str:
    numbers = {m.id: number for number, m in enumerate(brief.measures, start=1)}
    rows = []
    for f in brief.funding.items:
        # The measures it funds as their numbers in the list of recommended measures (names for any other).
        funds = ", ".join(
            f"Nr. {numbers[m]}" if m in numbers else _measure_names([m], reference)[0] for m in f.funds_measures
        )
        # The rate and cap for THIS organisation (not the largest over all applicants), and its conditions.
        rate = f" · {escape(f.rate_text)}" if f.rate_text else ""
        verb = "fördert" if f.is_grant else "gilt für"
        conditions = "; ".join(c.text for c in f.conditions)
        role = "" if f.eligibility == "eligible" else f" · {escape(f.eligibility_label)}"
        rows.append(
            f'<strong>{escape(f.name)}</strong><span class="score">{_number(f.score)}</span><br>'
            f'<span class="reasons">{escape(f.instrument_label)}{role} · {STATUS_LABELS[f.status]}, geprüft am '
            f"{_date(f.checked_on)}{rate} · {verb} Maßnahme {escape(funds)}"
            + (f"<br>Bedingungen: {escape(conditions)}" if conditions else "")
            + "</span>"
        )
    return _items(rows, empty="Keine Förderprogramme.") + f'<p class="note">{escape(brief.funding.note)}</p>'


def _peers(brief: Brief, reference: ReferenceData) -> str:
    """Name, distance and why (the reasons' facts, compact): shared problems, measures that address mine."""
    rows = []
    for p in brief.peers.items:
        why = ["im selben Gewerbegebiet"] if p.same_estate else []
        if p.shared_issues:
            why.append("gleiche Probleme: " + ", ".join(PROBLEM_LABELS_DE[c] for c in p.shared_issues))
        if p.solved_with:
            why.append("hat umgesetzt: " + ", ".join(_measure_names(p.solved_with, reference)))
        rows.append(
            f"<strong>{escape(p.name)}</strong> – {escape(format_km(p.distance_km))}"
            + (f'<br><span class="reasons">{escape("; ".join(why))}</span>' if why else "")
        )
    return _items(rows, ordered=True, empty=f"Im Umkreis von {format_km(brief.peers.radius_km)} kein Betrieb gefunden.")


def _measure_names(ids: Iterable[str], reference: ReferenceData) -> list[str]:
    return [reference.catalog.measures[m].name_de if m in reference.catalog.measures else m for m in ids]


def _advisors(brief: Brief) -> str:
    rows = [
        f'<strong>{escape(a.name)}</strong> <span class="reasons">{escape(a.role_label)}, '
        f"{escape(a.seat_city)}, {escape(format_km(a.distance_km))}</span>"
        for a in brief.advisors.items
    ]
    note = f'<p class="note">{escape(brief.advisors.note)}</p>' if brief.advisors.note else ""
    return _items(rows, empty="Keine Beratungsstelle hinterlegt.") + note


def render_brief_html(
    brief: Brief, organisation: Organisation, peers: Sequence[Organisation], reference: ReferenceData
) -> str:
    """The brief as a complete, self-contained German HTML document (printable on one A4 page)."""
    problems = escape(", ".join(p.label for p in brief.problems) or "Keine Probleme angegeben.")
    in_place = escape(", ".join(m.name for m in brief.measures_in_place) or "Bisher keine Maßnahme umgesetzt.")
    # Two balanced columns (CSS multi-column): situation first, then recommendations.
    sections = (
        _section("Standort", _map(brief, organisation, peers, reference) + _location(brief))
        + _section("Gemeldete Probleme", f"<p>{problems}</p><p><strong>Umgesetzte Maßnahmen:</strong> {in_place}</p>")
        + _section("Empfohlene Maßnahmen", _measures(brief))
        + _section("Förderprogramme", _funding(brief, reference))
        + _section("Betriebe in der Nähe", _peers(brief, reference))
        + _section("Zuständige Beratung", _advisors(brief))
        + _contact(brief)
    )
    title = escape(f"Beratungsbrief – {brief.organisation.name}")
    return (
        f'<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
        f'<style>{CSS}</style>\n</head>\n<body>\n<main class="sheet">\n{_header(brief)}\n'
        f"{_section('Zusammenfassung', f'<p>{escape(brief.summary)}</p>')}\n"
        f'<div class="cols">{sections}</div>\n'
        f"<footer>{escape(ATTRIBUTION)}. Erstellt mit bmm-match am {_date(brief.generated_on)} "
        f"(id {escape(brief.organisation.id)}); Förderstand laut Katalog, kein Live-Abgleich.</footer>\n"
        "</main>\n</body>\n</html>\n"
    )
