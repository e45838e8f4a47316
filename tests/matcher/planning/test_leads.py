"""Leads on hand-built organisations at real places in NRW and Stuttgart, with known answers.

IHK Dortmund: Dortmund (05913), Hamm (05915), Kreis Unna (05978). The Ennepe-Ruhr-Kreis is split:
Witten and Hattingen belong to the IHK Mittleres Ruhrgebiet, the rest (e.g. Schwelm) to the SIHK Hagen.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from matcher.catalog import Advisor
from matcher.errors import InputError
from matcher.evaluation.leads import AS_OF, LEAD_PROFILES, LeadWorld, build_lead_world
from matcher.planning.leads import recommend_leads, short_programme_name
from matcher.reference import ReferenceData
from matcher.settings import LeadSettings, MatcherSettings

TWIN = {"employees": 50, "postcode": "59174", "issues": ["congestion", "parking_shortage"]}  # Kamen, Kreis Unna
PROFILES: dict[str, dict[str, Any]] = {
    **LEAD_PROFILES,
    "twin-a": TWIN,
    "twin-b": TWIN,
    "witten-firm": {"employees": 200, "postcode": "58452", "issues": ["parking_shortage"]},
    "schwelm-firm": {"employees": 200, "postcode": "58332", "issues": ["parking_shortage"]},
    "hagen-travel": {"employees": 60, "postcode": "58095", "issues": ["business_travel_costs"]},
    "stuttgart-firm": {"employees": 700, "postcode": "70173", "issues": ["parking_shortage", "congestion"]},
    "dortmund-town": {"kind": "municipality", "sector": None, "employees": 9000, "postcode": "44135"},
    "unna-agency": {"kind": "public_agency", "sector": None, "employees": 500, "postcode": "59423"},
}
IHK_DORTMUND = {"large-plant", "small-solved", "hamm-firm", "role-model", "hidden-model", "twin-a", "twin-b"}


@pytest.fixture(scope="module")
def world(reference: ReferenceData) -> LeadWorld:
    return build_lead_world(reference, MatcherSettings(), PROFILES)


def test_territory_and_kind_decide_who_appears(world: LeadWorld) -> None:
    answer = world.leads("ihk_dortmund", limit=100)
    assert {lead.id for lead in answer.items} == IHK_DORTMUND
    assert answer.total == len(IHK_DORTMUND)
    assert answer.territory == "Dortmund, Hamm, Kreis Unna"
    assert answer.advisor_name == "IHK zu Dortmund"
    # The craft business and the municipality are in Dortmund, but the IHK serves companies only.
    assert set(world.ids("hwk_dortmund")) == {"craft-dortmund"}
    assert "dortmund-town" in world.ids("znm_ks_rhein_ruhr")
    assert "unna-agency" not in world.ids("balm") + world.ids("ihk_dortmund")


def test_split_kreis_witten_belongs_to_the_ihk_mittleres_ruhrgebiet(world: LeadWorld) -> None:
    bochum = world.ids("ihk_mittleres_ruhrgebiet")
    hagen = world.ids("sihk_hagen")
    assert {"witten-firm", "bochum-outside"} <= set(bochum)
    assert "witten-firm" not in hagen
    assert {"schwelm-firm", "hagen-travel"} <= set(hagen)
    assert "schwelm-firm" not in bochum


def test_statewide_and_nationwide_territories(world: LeadWorld) -> None:
    nrw = world.leads("ihk_bemo", limit=100)  # companies and municipalities in NRW
    assert nrw.territory == "Nordrhein-Westfalen (landesweit)"
    assert "dortmund-town" in [lead.id for lead in nrw.items]
    assert "stuttgart-firm" not in [lead.id for lead in nrw.items]
    germany = world.leads("balm", limit=100)
    assert germany.territory == "Deutschland (bundesweit)"
    assert {"stuttgart-firm", "large-plant", "craft-dortmund"} <= {lead.id for lead in germany.items}
    assert world.ids("ihk_region_stuttgart") == ["stuttgart-firm"]


def test_an_advisor_without_territory_gets_an_empty_answer(world: LeadWorld) -> None:
    nowhere = world.reference.catalog.advisors["ihk_dortmund"].model_copy(
        update={"id": "nowhere", "covers_kreise": [], "covers": ""}
    )
    assert isinstance(nowhere, Advisor)
    catalog = world.reference.catalog.model_copy(update={"advisors": {"nowhere": nowhere}})
    answer = recommend_leads(
        "nowhere",
        world.index,
        world.organisations,
        world.vectoriser,
        catalog,
        world.settings,
        as_of=AS_OF,
        kreis_naming=world.reference.geo.kreis_naming,
    )
    assert (answer.total, answer.items, answer.territory) == (0, [], "kein Gebiet hinterlegt")


def test_large_unaddressed_fundable_firm_ranks_first_and_the_solved_small_firm_last(world: LeadWorld) -> None:
    ids = world.ids("ihk_dortmund")
    assert ids[0] == "large-plant"
    assert ids[-1] == "small-solved"
    small = world.leads("ihk_dortmund", limit=100).items[-1]
    assert "unaddressed" not in {r.code for r in small.reasons}  # its measures address both problems
    assert small.measures_in_place == 1


def test_reasons_are_german_and_add_up_to_the_score(world: LeadWorld) -> None:
    answer = world.leads("balm", limit=100)
    scores = [lead.score for lead in answer.items]
    assert scores == sorted(scores, reverse=True)
    for lead in answer.items:
        assert 0 <= lead.score <= 1
        assert sum(r.weight for r in lead.reasons) == pytest.approx(lead.score, abs=1e-9)
    plant = next(lead for lead in answer.items if lead.id == "large-plant")
    texts = {r.code: r.text for r in plant.reasons}
    assert texts["employees"] == "900 Beschäftigte"
    assert texts["unaddressed"] == "noch keine Maßnahmen umgesetzt"
    assert texts["severity"].startswith("6 Probleme gemeldet: ")
    assert texts["fundable"].startswith("förderfähig: ")
    assert (plant.kind_label, plant.municipality, plant.kreis_code, plant.employees) == (
        "Unternehmen", "Dortmund", "05913", 900,
    )  # fmt: skip


def test_partly_addressed_problems_are_named(reference: ReferenceData) -> None:
    partly = {"employees": 80, "postcode": "44135", "issues": ["parking_shortage", "shift_work"]}
    partly["measures_in_place"] = ["parking_allocation_rules"]  # addresses parking only
    world = build_lead_world(
        reference, MatcherSettings(), {"partly": partly, "bochum": LEAD_PROFILES["bochum-outside"]}
    )
    (lead,) = world.leads("ihk_dortmund").items
    assert {r.code: r.text for r in lead.reasons}["unaddressed"] == "Schichtarbeit ungelöst"


def test_filters(world: LeadWorld) -> None:
    assert set(world.ids("ihk_dortmund", kreis="05978")) == {"small-solved", "twin-a", "twin-b"}
    assert world.ids("ihk_dortmund", problem="shift_work") == ["large-plant"]
    assert set(world.ids("ihk_dortmund", min_employees=100)) == {
        "large-plant",
        "hamm-firm",
        "role-model",
        "hidden-model",
    }
    assert world.ids("znm_ks_rhein_ruhr", kind="municipality") == ["dortmund-town"]
    assert world.ids("ihk_dortmund", kind="craft_business") == []  # a kind the IHK does not serve
    answer = world.leads("ihk_dortmund", kreis="05978", limit=1)
    assert (answer.total, len(answer.items), answer.filters.kreis) == (3, 1, "05978")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"kreis": "Unna"}, "kreis"),
        ({"kind": "bakery"}, "kind"),
        ({"problem": "traffic"}, "problem"),
        ({"min_employees": -1}, "min_employees"),
        ({"limit": 0}, "limit"),
    ],
)
def test_bad_filters_name_their_field(world: LeadWorld, options: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as error:
        world.leads("ihk_dortmund", **options)
    assert error.value.field == field


def test_unknown_advisor_is_an_input_error(world: LeadWorld) -> None:
    with pytest.raises(InputError) as error:
        world.leads("ihk_atlantis")
    assert error.value.field == "advisor_id"
    assert "ihk_atlantis" in error.value.message


def test_ties_are_broken_by_id_and_answers_do_not_depend_on_order(reference: ReferenceData, world: LeadWorld) -> None:
    ids = world.ids("ihk_dortmund")
    twins = [lead for lead in world.leads("ihk_dortmund", limit=100).items if lead.id.startswith("twin")]
    assert [t.id for t in twins] == ["twin-a", "twin-b"]
    assert twins[0].score == twins[1].score
    assert ids.index("twin-b") == ids.index("twin-a") + 1
    reversed_world = build_lead_world(reference, MatcherSettings(), dict(reversed(list(PROFILES.items()))))
    assert reversed_world.leads("ihk_dortmund", limit=100) == world.leads("ihk_dortmund", limit=100)


def test_a_lookup_function_works_like_a_mapping(world: LeadWorld) -> None:
    answer = recommend_leads(
        "ihk_dortmund", world.index, world.organisations.__getitem__, world.vectoriser, world.reference.catalog,
        world.settings, as_of=AS_OF, kreis_naming=world.reference.geo.kreis_naming,
    )  # fmt: skip
    assert answer == world.leads("ihk_dortmund")


def test_talking_points(world: LeadWorld) -> None:
    leads = {lead.id: lead for lead in world.leads("balm", limit=100).items}
    measure, funding, peer = leads["large-plant"].talking_points
    assert measure.startswith("Einstieg: ")
    assert " – hilft bei: " in measure
    assert funding.startswith("Förderung: ")
    # The rate for THIS applicant: FöRi-MM confirms none for companies, so none is printed (not the 80 % of others).
    assert funding == "Förderung: FöRi-MM für Wohnstandortanalyse (anonymisiert, PLZ-/Rasterebene)"
    assert peer.startswith("Vorbild in der Nähe: Vorbild Logistik Dortmund (1,8 km entfernt) hat bereits ")
    assert "Fahrgemeinschaftsbörse" in peer
    assert all("Verdeckt" not in point for lead in leads.values() for point in lead.talking_points)
    # Business travel: no grant programme funds its measures; honest texts, and no fundable reason.
    travel = leads["hagen-travel"]
    assert travel.talking_points[1] == "Förderung: keine passende offene Förderung gefunden"
    assert "fundable" not in {r.code for r in travel.reasons}
    # Alone in the Region Stuttgart: no role model within 80 km.
    assert leads["stuttgart-firm"].talking_points[2] == (
        "Vorbild in der Nähe: im Umkreis von 80 km keine Organisation gefunden, die das bereits gelöst hat"
    )


def test_fundability_depends_on_the_reference_date(world: LeadWorld) -> None:
    # 1 January 2023: FöRi-MM (from 1 July 2025) and EFRE/JTF (from 15 January 2024) are not open yet.
    early = world.leads("ihk_dortmund", limit=100, as_of=date(2023, 1, 1))
    assert early.as_of == date(2023, 1, 1)
    plant = next(lead for lead in early.items if lead.id == "large-plant")
    assert plant.talking_points[1] == "Förderung: keine passende offene Förderung gefunden"
    assert "fundable" not in {r.code for r in plant.reasons}
    later = next(lead for lead in world.leads("ihk_dortmund").items if lead.id == "large-plant")
    assert later.score - plant.score == pytest.approx(MatcherSettings().leads.weights.fundable, abs=1e-4)


def test_fundability_is_checked_for_a_bounded_shortlist(reference: ReferenceData, world: LeadWorld) -> None:
    narrow = MatcherSettings(leads=LeadSettings(shortlist_factor=1))
    answer = recommend_leads(
        "balm",
        world.index,
        world.organisations,
        world.vectoriser,
        reference.catalog,
        narrow,
        as_of=AS_OF,
        limit=2,
        kreis_naming=reference.geo.kreis_naming,
    )
    assert answer.checked <= 2
    assert len(answer.items) == 2
    full = world.leads("balm", limit=2)
    assert full.checked <= 5 * 2
    assert [lead.id for lead in full.items] == world.ids("balm")[:2]


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Förderrichtlinie Mobilitätsmanagement (FöRi-MM) – Vernetzte Mobilität und Mobilitätsmanagement", "FöRi-MM"),
        ("KfW 441 – Zuschuss Ladestationen für Elektrofahrzeuge (Unternehmen)", "KfW 441"),
        (
            "E-Lastenfahrrad-Richtlinie (Bundesförderung E-Lastenfahrräder für den Lastenverkehr)",
            "E-Lastenfahrrad-Richtlinie",
        ),
        (
            "Kommunalrichtlinie (NKI) – nachhaltige Mobilität (Mobilitätsstationen, Radverkehr)",
            "Kommunalrichtlinie (NKI)",
        ),
        ("Landeswettbewerb ways2work", "Landeswettbewerb ways2work"),
    ],
)
def test_short_programme_names(name: str, short: str) -> None:
    assert short_programme_name(name) == short


def test_a_company_of_unknown_sector_is_a_lead_like_any_other(reference: ReferenceData) -> None:
    hamm = PROFILES["hamm-firm"]
    world = build_lead_world(reference, MatcherSettings(), {**PROFILES, "hamm-unknown": {**hamm, "sector": None}})
    leads = {lead.id: lead for lead in world.leads("ihk_dortmund", limit=100).items}
    unknown, known = leads["hamm-unknown"], leads["hamm-firm"]
    assert unknown.score == known.score  # no lead component reads the sector
    assert [(r.code, r.text) for r in unknown.reasons] == [(r.code, r.text) for r in known.reasons]


TRANSIT_ISSUES = ["poor_transit_access", "shift_work", "parking_shortage"]
TRANSIT_PROFILES: dict[str, dict[str, Any]] = {
    # Open country south of Fröndenberg/Ruhr (Kreis Unna): no stop within walking distance (class none).
    "remote-plant": {"employees": 300, "lat": 51.52, "lon": 7.78, "issues": TRANSIT_ISSUES},
    # The same plant at the Stadtbahn stop Kampstraße in Dortmund's centre (class B): its transit problem is not
    # the stop's absence, so no gap to work on there.
    "central-plant": {"employees": 300, "lat": 51.5136, "lon": 7.4635, "issues": TRANSIT_ISSUES},
    # Far from any stop, but no transit problem reported: nothing to confirm.
    "remote-content": {"employees": 300, "lat": 51.52, "lon": 7.78, "issues": ["shift_work", "parking_shortage"]},
}


def test_poor_transit_with_a_transit_problem_is_an_opportunity_named_by_class_and_stop(
    reference: ReferenceData,
) -> None:
    world = build_lead_world(reference, MatcherSettings(), TRANSIT_PROFILES)
    leads = {lead.id: lead for lead in world.leads("ihk_dortmund", limit=10).items}
    remote, central, content = leads["remote-plant"], leads["central-plant"], leads["remote-content"]
    (gap,) = [r for r in remote.reasons if r.code == "transit_gap"]
    assert gap.weight == MatcherSettings().leads.weights.transit_gap
    assert gap.text.startswith("schlechte ÖPNV-Anbindung am Standort bestätigt – keine ÖV-Güteklasse")
    assert "nächste Haltestelle: Bushaltestelle " in gap.text
    assert "transit_gap" not in {r.code for r in central.reasons + content.reasons}
    assert (remote.transit_class, central.transit_class) == ("none", "B")
    assert central.transit_label.startswith("ÖV-Güteklasse B (gute Erschließung): Stadtbahn-Haltestelle Kampstraße")
    # Everything else equal (size, problems, nothing in place), the gap decides the order.
    assert world.ids("ihk_dortmund")[0] == "remote-plant"
    for lead in leads.values():
        assert sum(r.weight for r in lead.reasons) == pytest.approx(lead.score, abs=1e-9)


def test_leads_name_kreise_by_their_type(world: LeadWorld) -> None:
    leads = {lead.id: lead for lead in world.leads("balm", limit=100).items}
    plant, twin = leads["large-plant"], leads["twin-a"]
    assert (plant.kreis_label, plant.place_label) == ("Stadt Dortmund (kreisfreie Stadt)",) * 2
    assert (twin.kreis_label, twin.place_label) == ("Kreis Unna", "Kamen, Kreis Unna")
    assert all("Kreis Dortmund" not in lead.kreis_label for lead in leads.values())
