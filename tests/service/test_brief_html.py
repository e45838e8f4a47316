"""The printable HTML brief: well-formed, German, escaped, self-contained, with the map and without contacts
the brief does not carry."""

from __future__ import annotations

from datetime import date

import pytest

from matcher.evaluation.leads import LEAD_PROFILES, LeadWorld, build_lead_world
from matcher.planning.brief import SYNTHETIC_NOTICE, Brief, build_brief
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from service.brief_html import render_brief_html
from tests.service.pages import Page, parse_page

AS_OF = date(2026, 11, 23)
TRICKY_NAME = "Müller <b>& Söhne</b> GmbH"
CONTACT = {"name": "Erika Muster", "email": "erika.muster@example.org", "phone": "+49 231 123456"}
HEADINGS = (
    "Zusammenfassung",
    "Standort",
    "Gemeldete Probleme",
    "Umgesetzte Maßnahmen",
    "Zuständige Beratung",
    "Empfohlene Maßnahmen",
    "Förderprogramme",
    "Betriebe in der Nähe",
)
VOID = {"meta", "br", "path", "circle", "link", "img", "hr", "input"}
PROFILES = {
    **LEAD_PROFILES,
    "tricky": {
        "name": TRICKY_NAME,
        "employees": 250,
        "lat": 51.5310,
        "lon": 7.4420,
        "issues": ["parking_shortage", "shift_work"],
        "address": "Hafenstraße 1, 44147 Dortmund",
        "contact": CONTACT,
        "contact_shareable": True,
        "synthetic": False,
    },
    "no-consent": {
        "employees": 60,
        "lat": 51.5290,
        "lon": 7.4380,
        "issues": ["parking_shortage"],
        "contact": CONTACT,
        "contact_shareable": False,
    },
    "munich": {"employees": 300, "lat": 48.1372, "lon": 11.5755, "issues": ["parking_shortage"]},
    "unknown-sector": {"sector": None, "employees": 90, "lat": 51.5280, "lon": 7.4390, "issues": ["parking_shortage"]},
}
for number in range(4):  # visible neighbours, so the briefs have peers to draw
    PROFILES[f"neighbour-{number}"] = {
        "employees": 80,
        "lat": 51.525 + 0.004 * number,
        "lon": 7.45,
        "issues": ["parking_shortage", "shift_work"],
        "measures_in_place": ["carpool_matching"],
        "visible_to_peers": True,
    }


def _parse(html: str) -> Page:
    return parse_page(html, VOID)


@pytest.fixture(scope="module")
def world(reference: ReferenceData) -> LeadWorld:
    return build_lead_world(reference, MatcherSettings(), PROFILES)


def _render(world: LeadWorld, organisation_id: str) -> tuple[Brief, str]:
    organisation = world.organisations[organisation_id]
    brief = build_brief(
        organisation,
        world.index,
        world.vectoriser,
        world.reference.catalog,
        world.settings,
        as_of=AS_OF,
        include_invisible_peers=True,
        kreis_naming=world.reference.geo.kreis_naming,
    )
    peers = [world.organisations[item.id] for item in brief.peers.items]
    return brief, render_brief_html(brief, organisation, peers, world.reference)


def test_document_is_well_formed_german_and_printable(world: LeadWorld) -> None:
    brief, html = _render(world, "large-plant")
    checker = _parse(html)
    text = " ".join(checker.texts)
    assert '<html lang="de">' in html
    for heading in HEADINGS:
        assert heading in text, heading
    assert "Stand 23.11.2026" in text
    # A kreisfreie Stadt is named once, as a city (not "Dortmund, Dortmund", not "Kreis Dortmund").
    assert "Stadt Dortmund (kreisfreie Stadt), Nordrhein-Westfalen" in text
    assert "Dortmund, Dortmund" not in text
    assert "Kreis Dortmund" not in text
    assert "@page { size: A4; margin: 15mm; }" in html
    assert "@media print" in html
    assert "GeoBasis-DE / BKG" in text  # attribution next to the map
    assert brief.measures
    assert brief.measures[0].name in text
    assert brief.funding.items
    assert brief.funding.items[0].name in text
    assert "geprüft am 23.11.2026" in text
    assert brief.advisors.items[0].name in text


def test_no_external_resources(world: LeadWorld) -> None:
    _, html = _render(world, "large-plant")
    checker = _parse(html)
    tags = {tag for tag, _ in checker.tags}
    assert not tags & {"script", "link", "img", "iframe"}
    for _, attributes in checker.tags:
        assert "src" not in attributes
        assert not (attributes.get("href") or "").startswith("http")
    assert "url(" not in html
    assert "@import" not in html


def test_every_text_is_escaped(world: LeadWorld) -> None:
    _, html = _render(world, "tricky")
    checker = _parse(html)
    assert "Müller &lt;b&gt;&amp; Söhne&lt;/b&gt; GmbH" in html
    assert "<b>&" not in html
    assert not [tag for tag, _ in checker.tags if tag == "b"]
    assert TRICKY_NAME in " ".join(checker.texts)  # shown as written, not interpreted


def test_synthetic_notice_only_for_synthetic_profiles(world: LeadWorld) -> None:
    brief, html = _render(world, "large-plant")
    assert brief.synthetic
    assert f'<p class="synthetic">{SYNTHETIC_NOTICE}</p>' in html
    brief, html = _render(world, "tricky")
    assert not brief.synthetic
    assert SYNTHETIC_NOTICE not in html
    assert 'class="synthetic"' not in html


def test_contact_only_when_the_brief_carries_it(world: LeadWorld) -> None:
    brief, html = _render(world, "no-consent")
    assert brief.organisation.contact is None
    assert brief.organisation.address is None
    assert "Kontakt" not in html
    assert CONTACT["email"] not in html
    assert CONTACT["name"] not in html
    brief, html = _render(world, "tricky")
    assert brief.organisation.contact is not None
    assert ">Kontakt<" in html
    for value in (*CONTACT.values(), "Hafenstraße 1, 44147 Dortmund"):
        assert value in html


def test_map_shows_the_kreis_the_organisation_and_numbered_peers(world: LeadWorld) -> None:
    brief, html = _render(world, "tricky")
    checker = _parse(html)
    assert "<svg" in html
    svg_tags = [(tag, attributes) for tag, attributes in checker.tags if tag in ("path", "circle", "g", "text")]
    kreis = [a for tag, a in svg_tags if tag == "path" and a.get("class") == "kreis"]
    assert len(kreis) == 1
    assert (kreis[0]["d"] or "").startswith("M")
    assert [a for tag, a in svg_tags if a.get("class") == "marker-own"]
    peers = [a for tag, a in svg_tags if a.get("class") == "marker-peer"]
    assert len(peers) == len(brief.peers.items) >= 3
    assert [t for t in checker.texts if t.strip().isdigit()][: len(peers)] == [str(n) for n in range(1, len(peers) + 1)]
    text = " ".join(checker.texts)
    assert "Fläche: Stadt Dortmund (kreisfreie Stadt)" in text  # legend
    assert "Kreis Dortmund" not in text
    for peer in brief.peers.items:
        assert peer.name in text
    assert "gleiche Probleme: Parkplatzmangel, Schichtarbeit" in text  # the peers' reasons, compact
    assert "hat umgesetzt: Fahrgemeinschaftsbörse" in text
    assert "fördert Maßnahme Nr. 1" in text or "fördert Maßnahme Nr. 2" in text  # programmes point to the list


def test_map_without_a_boundary_on_file(world: LeadWorld) -> None:
    _, html = _render(world, "munich")
    checker = _parse(html)
    assert "<svg" in html
    assert not [a for tag, a in checker.tags if tag == "path" and a.get("class") == "kreis"]
    assert "Kreisgrenze nicht hinterlegt" in html


def test_an_unknown_sector_reads_branche_unbekannt(world: LeadWorld) -> None:
    brief, html = _render(world, "unknown-sector")
    text = " ".join(_parse(html).texts)
    assert "Unternehmen, Branche unbekannt · 90 Beschäftigte" in text
    assert "None" not in text
    assert brief.peers.items  # the neighbours are in the brief, compared without the sector
