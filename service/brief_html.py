"""The consultation brief as a printable German HTML page (one A4 sheet; docs/planning.md, Brief).

Self-contained: inline CSS and an inline SVG map of the organisation's Kreis (BKG boundaries of the reference
data) with a marker for the organisation and numbered markers for the peers. Every text is escaped. What the
page shows is what the :class:`~matcher.planning.brief.Brief` carries; contact data only when the brief has them (the
service decided consent before).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

import numpy as np

from matcher.catalog import FundingStatus
from matcher.models import Organisation
from matcher.planning.brief import Brief
from matcher.reference import ReferenceData
from matcher.vocabulary import PROBLEM_LABELS_DE
from matcher.wording import format_km, german_int
from service.html_page import (
    BASE_CSS,
    BOUNDARY_ATTRIBUTION,
    MapFrame,
    document,
    german_date,
    items,
    kreis_rings,
    page_headers,
    section,
)

ATTRIBUTION = f"{BOUNDARY_ATTRIBUTION}; Haltestellen: DB InfraGO (CC BY 4.0), © OpenStreetMap-Mitwirkende (ODbL)"
STATUS_LABELS = {FundingStatus.OPEN: "offen", FundingStatus.CLOSED: "geschlossen", FundingStatus.UNKNOWN: "unbestätigt"}
MAP_WIDTH = 260.0
MAP_HEIGHT = 100.0  # 260:100, about 85 x 33 mm in a column
MAP_PAD = 8.0
# The style attributes of the map legend's coloured dots (allowed by hash: service/web/mount.py, page_headers).
STYLE_ATTRIBUTES = ("color:#cc0000", "color:#0b5394")

CSS = (
    BASE_CSS
    + """.cols { column-count: 2; column-gap: 5mm; }
.reasons { font-size: 6.8pt; color: #555; }
.score { float: right; font-weight: bold; color: #0b5394; margin-left: 2mm; }
"""
)


HEADERS = page_headers(CSS, STYLE_ATTRIBUTES)  # of the API's answer with format=html


def _number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


# -- map --------------------------------------------------------------------------------------------


def _map(brief: Brief, organisation: Organisation, peers: Sequence[Organisation], reference: ReferenceData) -> str:
    boundaries = reference.geo.boundaries
    own = organisation.location.kreis_code
    own_rings = kreis_rings(boundaries, own)
    by_id = {peer.id: peer for peer in peers}
    markers = [(organisation.location.lon, organisation.location.lat)]
    numbered = [(number, by_id[item.id]) for number, item in enumerate(brief.peers.items, start=1) if item.id in by_id]
    markers += [(peer.location.lon, peer.location.lat) for _, peer in numbered]
    widen = (0.0, 0.0) if own_rings else (0.05, 0.03)  # no boundary on file: a few km around the markers
    frame = MapFrame.fit(np.vstack([*own_rings, np.array(markers)]), MAP_WIDTH, MAP_HEIGHT, MAP_PAD, widen)
    # Neighbouring Kreise for orientation, clipped to a little more than the visible map.
    shapes = frame.kreise(boundaries, own)
    for number, peer in numbered:
        px, py = frame.xy(peer.location.lon, peer.location.lat)
        shapes.append(
            f'<g class="marker-peer"><circle cx="{px:.1f}" cy="{py:.1f}" r="6" fill="#0b5394" stroke="#fff"/>'
            f'<text x="{px:.1f}" y="{py + 2.8:.1f}" text-anchor="middle" font-size="8" fill="#fff">{number}</text></g>'
        )
    x, y = frame.xy(organisation.location.lon, organisation.location.lat)  # last: on top of the peers
    shapes.append(f'<circle class="marker-own" cx="{x:.1f}" cy="{y:.1f}" r="5.5" fill="#cc0000" stroke="#fff"/>')
    kreis_name = reference.geo.kreis_naming.kreis(own, organisation.location.kreis_name)
    svg = frame.svg(shapes, f"Karte: {kreis_name} mit Standort und Betrieben in der Nähe")
    area = f"Fläche: {escape(kreis_name)}" if own_rings else "Kreisgrenze nicht hinterlegt"
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
        f"Stand {german_date(brief.generated_on)}</p></header>"
    )


def _location(brief: Brief) -> str:
    o = brief.organisation
    lines = [*o.location_features, f"Gewerbegebiet: {o.estate}" if o.estate else ""]
    lines += [
        "Schichtarbeit: " + ("ja" if o.shift_work else "nein"),
        f"Standort bestimmt nach: {o.location.precision_label}",
    ]
    return f'<p class="small">{escape("; ".join(line for line in lines if line))}</p>'


def _contact(brief: Brief) -> str:
    o = brief.organisation
    lines = [o.contact.name, o.contact.email, o.contact.phone] if o.contact is not None else []
    shown = [line for line in (*lines, o.address) if line]
    return section("Kontakt", f"<p>{escape(' · '.join(shown))}</p>") if shown else ""


def _measures(brief: Brief) -> str:
    rows = [
        f'<strong>{escape(m.name)}</strong><span class="score">{_number(m.score)}</span><br>'
        f'<span class="reasons">{escape("; ".join(r.text for r in m.reasons))}</span>'
        for m in brief.measures
    ]
    return items(rows, ordered=True, empty="Keine weitere passende Maßnahme im Katalog gefunden.")


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
            f"{german_date(f.checked_on)}{rate} · {verb} Maßnahme {escape(funds)}"
            + (f"<br>Bedingungen: {escape(conditions)}" if conditions else "")
            + "</span>"
        )
    return items(rows, empty="Keine Förderprogramme.") + f'<p class="note">{escape(brief.funding.note)}</p>'


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
    return items(rows, ordered=True, empty=f"Im Umkreis von {format_km(brief.peers.radius_km)} kein Betrieb gefunden.")


def _measure_names(ids: Iterable[str], reference: ReferenceData) -> list[str]:
    return [reference.catalog.measures[m].name_de if m in reference.catalog.measures else m for m in ids]


def _advisors(brief: Brief) -> str:
    rows = [
        f'<strong>{escape(a.name)}</strong> <span class="reasons">{escape(a.role_label)}, '
        f"{escape(a.seat_city)}, {escape(format_km(a.distance_km))}</span>"
        for a in brief.advisors.items
    ]
    note = f'<p class="note">{escape(brief.advisors.note)}</p>' if brief.advisors.note else ""
    return items(rows, empty="Keine Beratungsstelle hinterlegt.") + note


def render_brief_html(
    brief: Brief, organisation: Organisation, peers: Sequence[Organisation], reference: ReferenceData
) -> str:
    """The brief as a complete, self-contained German HTML document (printable on one A4 page)."""
    problems = escape(", ".join(p.label for p in brief.problems) or "Keine Probleme angegeben.")
    in_place = escape(", ".join(m.name for m in brief.measures_in_place) or "Bisher keine Maßnahme umgesetzt.")
    # Two balanced columns (CSS multi-column): situation first, then recommendations.
    sections = (
        section("Standort", _map(brief, organisation, peers, reference) + _location(brief))
        + section("Gemeldete Probleme", f"<p>{problems}</p><p><strong>Umgesetzte Maßnahmen:</strong> {in_place}</p>")
        + section("Empfohlene Maßnahmen", _measures(brief))
        + section("Förderprogramme", _funding(brief, reference))
        + section("Betriebe in der Nähe", _peers(brief, reference))
        + section("Zuständige Beratung", _advisors(brief))
        + _contact(brief)
    )
    body = (
        f"{_header(brief)}\n{section('Zusammenfassung', f'<p>{escape(brief.summary)}</p>')}\n"
        f'<div class="cols">{sections}</div>\n'
        f"<footer>{escape(ATTRIBUTION)}. Erstellt mit bmm-match am {german_date(brief.generated_on)} "
        f"(id {escape(brief.organisation.id)}); Förderstand laut Katalog, kein Live-Abgleich.</footer>\n"
    )
    return document(f"Beratungsbrief – {brief.organisation.name}", CSS, body)
