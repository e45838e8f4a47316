"""The consultation brief for hand-built organisations in Dortmund (see matcher/evaluation/leads.py)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from matcher.evaluation.leads import AS_OF, LEAD_PROFILES, SEVERE, LeadWorld, build_lead_world
from matcher.matching.measures import recommend_measures
from matcher.matching.neighbourhood import neighbour_adoption
from matcher.models import Organisation, OrganisationProfile
from matcher.planning.brief import SYNTHETIC_NOTICE, Brief, build_brief
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings

CONTACT = {"name": "Erika Muster", "email": "erika.muster@example.org", "phone": "+49 231 123456"}
PROFILES = {
    **LEAD_PROFILES,
    # The role model consented to share its contact; a brief for its neighbour must still not carry it.
    "role-model": {**LEAD_PROFILES["role-model"], "contact": CONTACT, "contact_shareable": True},
    "dortmund-town": {"kind": "municipality", "sector": None, "employees": 9000, "postcode": "44135"},
}


@pytest.fixture(scope="module")
def world(reference: ReferenceData) -> LeadWorld:
    return build_lead_world(reference, MatcherSettings(), PROFILES)


def _brief(
    world: LeadWorld, organisation: Organisation | str, as_of: date = AS_OF, include_invisible_peers: bool = False
) -> Brief:
    if isinstance(organisation, str):
        organisation = world.organisations[organisation]
    return build_brief(
        organisation, world.index, world.vectoriser, world.reference.catalog, world.settings,
        as_of=as_of, include_invisible_peers=include_invisible_peers,
        kreis_naming=world.reference.geo.kreis_naming,
    )  # fmt: skip


def _outsider(world: LeadWorld, **fields: object) -> Organisation:
    """A profile that is not in the index (e.g. an unsaved one), next to the large plant."""
    data = {"kind": "company", "name": "Muster Metall GmbH", "sector": "C", "employees": 420, "lat": 51.5305,
            "lon": 7.4405, "issues": ["parking_shortage", "shift_work"], **fields}  # fmt: skip
    builder = ProfileBuilder(world.reference, world.settings)
    return builder.build(OrganisationProfile.model_validate(data), "muster-metall")


def test_organisation_summary_and_location_in_german(world: LeadWorld) -> None:
    brief = _brief(world, "large-plant")
    organisation = brief.organisation
    assert (organisation.kind_label, organisation.sector_label) == ("Unternehmen", "Verarbeitendes Gewerbe")
    location = organisation.location
    assert (location.municipality, location.kreis_code, location.state_name) == (
        "Dortmund", "05913", "Nordrhein-Westfalen",
    )  # fmt: skip
    assert location.precision_label == "Koordinaten"
    # Dortmund is a kreisfreie Stadt: never "Kreis Dortmund", never "Dortmund, Dortmund".
    assert (location.kreis_type, location.kreis_label) == ("Kreisfreie Stadt", "Stadt Dortmund (kreisfreie Stadt)")
    assert location.place_label == "Stadt Dortmund (kreisfreie Stadt)"
    transit, settlement, commuters = organisation.location_features
    # the class and the stop that gives it, from every stop (the nearest railway station is 1.8 km away)
    assert transit == "ÖPNV: ÖV-Güteklasse C (mittelmäßige Erschließung): Bushaltestelle Schäferstraße, Dortmund, 50 m"
    assert re.fullmatch(r"Gemeinde Dortmund: dicht besiedelt \([0-9.]+ Einwohner je km²\)", settlement)
    assert commuters.startswith("Pendlersaldo Stadt Dortmund (kreisfreie Stadt) auf Kreisebene: +")
    assert commuters.endswith("– mehr Ein- als Auspendler")
    labels = {p.code.value: p.label for p in brief.problems}
    assert list(labels) == sorted(SEVERE)
    assert labels["parking_shortage"] == "Parkplatzmangel"
    assert labels["shift_work"] == "Schichtarbeit"


def test_sections_come_from_the_recommenders(world: LeadWorld) -> None:
    brief = _brief(world, "large-plant")
    plant = world.organisations["large-plant"]
    adoption = neighbour_adoption(plant, world.index, world.vectoriser, world.settings.measures)
    expected = recommend_measures(plant, world.reference.catalog, world.settings.measures, adoption, limit=5)
    assert brief.measures == expected
    assert brief.funding.items
    assert len(brief.funding.items) <= 5
    shown = {m.id for m in brief.measures}
    assert all(
        item.eligible and set(item.funds_measures) <= shown and item.funds_measures for item in brief.funding.items
    )
    assert "23.11.2026" in brief.funding.note
    assert brief.advisors.items[0].id == "ihk_dortmund"
    assert brief.generated_on == AS_OF
    assert len(brief.peers.items) <= 5


def test_measures_in_place_are_named(world: LeadWorld) -> None:
    brief = _brief(world, "small-solved")
    assert [(m.id, m.name) for m in brief.measures_in_place] == [
        ("carpool_priority_parking", "Reservierte Parkplätze für Fahrgemeinschaften")
    ]
    assert "umgesetzt ist bereits: Reservierte Parkplätze für Fahrgemeinschaften" in brief.summary


def test_summary_is_a_short_german_paragraph_from_the_data(world: LeadWorld) -> None:
    brief = _brief(world, "large-plant")
    sentences = re.split(r"(?<=\.) (?=[A-ZÄÖÜ])", brief.summary)
    assert 2 <= len(sentences) <= 4
    assert brief.summary.startswith(
        "large-plant (synthetisch) (Unternehmen, Verarbeitendes Gewerbe) hat 900 Beschäftigte am Standort Dortmund "
        "(kreisfreie Stadt, Nordrhein-Westfalen)."
    )
    assert "Kreis Dortmund" not in brief.summary
    assert "bisher ist keine Maßnahme umgesetzt" in brief.summary
    assert f"Als Einstieg empfohlen: {brief.measures[0].name}" in brief.summary
    assert "Gemeldete Probleme: " in brief.summary
    assert " und 3 weitere; " in brief.summary  # six problems: the three rarest are named
    assert brief.summary.endswith("Zuständig: IHK zu Dortmund – zuständige Kammer.")


def test_synthetic_notice(world: LeadWorld) -> None:
    synthetic = _brief(world, "large-plant")
    assert (synthetic.synthetic, synthetic.synthetic_notice) == (True, SYNTHETIC_NOTICE)
    assert SYNTHETIC_NOTICE == "Demo-Profil – synthetische Daten"
    real = _brief(world, _outsider(world))
    assert (real.synthetic, real.synthetic_notice) == (False, None)


def test_contact_data_only_with_consent(world: LeadWorld) -> None:
    address = "Hafenstraße 1, 44147 Dortmund"
    without = _brief(world, _outsider(world, contact=CONTACT, address=address))
    assert (without.organisation.contact, without.organisation.address) == (None, None)
    assert "erika.muster" not in without.model_dump_json()
    consented = _brief(world, _outsider(world, contact=CONTACT, address=address, contact_shareable=True))
    assert consented.organisation.contact is not None
    assert consented.organisation.contact.email == CONTACT["email"]
    assert consented.organisation.address == address


def test_peers_carry_no_contacts_and_only_visible_ones_by_default(world: LeadWorld) -> None:
    brief = _brief(world, "large-plant")
    ids = [peer.id for peer in brief.peers.items]
    assert "role-model" in ids
    assert "hidden-model" not in ids
    assert CONTACT["email"] not in brief.model_dump_json()  # the role model's consent is for its own brief
    assert "hidden-model" in [p.id for p in _brief(world, "large-plant", include_invisible_peers=True).peers.items]


def test_municipality_without_sector(world: LeadWorld) -> None:
    brief = _brief(world, "dortmund-town")
    assert (brief.organisation.sector, brief.organisation.sector_label) == (None, None)
    assert brief.summary.startswith("dortmund-town (synthetisch) (Gemeinde / Stadt) hat 9.000 Beschäftigte")
    assert "Probleme sind noch nicht angegeben" in brief.summary
    assert brief.advisors.items[0].id == "znm_ks_rhein_ruhr"


def test_a_company_of_unknown_sector_says_so(world: LeadWorld) -> None:
    brief = _brief(world, _outsider(world, sector=None))
    assert (brief.organisation.sector, brief.organisation.sector_label) == (None, "Branche unbekannt")
    assert brief.summary.startswith("Muster Metall GmbH (Unternehmen, Branche unbekannt) hat 420 Beschäftigte")
    assert "None" not in brief.summary
    assert brief.peers.items
    for peer in brief.peers.items:
        assert peer.reasons[-1].text.startswith("Branche unbekannt (Ihre")
    assert brief.measures
    assert brief.funding.note


def test_no_open_funding_is_said_plainly(world: LeadWorld) -> None:
    # 1 January 2023: no grant programme for the plant's measures was open yet (today one is); a discount
    # such as the Deutschlandticket Job is listed as what it is, never as a grant.
    grant = "ein passendes offenes Förderprogramm (Zuschuss) wurde nicht gefunden"
    assert any(
        not item.instrument_label.startswith("kein Zuschuss") for item in _brief(world, "large-plant").funding.items
    )
    early = _brief(world, "large-plant", as_of=date(2023, 1, 1))
    assert all(item.instrument_label.startswith("kein Zuschuss") for item in early.funding.items)
    assert grant in early.summary
    costs = _brief(world, _outsider(world, issues=["commuting_costs_for_staff"]), as_of=date(2023, 1, 1))
    assert "deutschlandticket_job" in [item.id for item in costs.funding.items]
    assert all(item.instrument_label.startswith("kein Zuschuss") for item in costs.funding.items)
    assert grant in costs.summary
    travel = _brief(world, _outsider(world, issues=["business_travel_costs"]))
    assert travel.funding.items == []
    assert travel.funding.note == (
        "Keine offene Förderung für die empfohlenen Maßnahmen gefunden (Katalogstand 23.11.2026, Stichtag 23.11.2026)."
    )


def test_brief_is_deterministic(world: LeadWorld) -> None:
    assert _brief(world, "large-plant") == _brief(world, "large-plant")
