"""recommend_advisors: territory and kind decide who is responsible; hand-checked against advisors.csv."""

from __future__ import annotations

import pytest

from matcher.catalog import Catalog
from matcher.geo.distance import haversine_km
from matcher.matching.advisors import AdvisorAnswer, AdvisorRole, advisor_role, recommend_advisors
from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.settings import AdvisorSettings
from matcher.vocabulary import BUSINESS_KINDS, OrganisationKind, ProblemCode

DEFAULTS = AdvisorSettings()


def organisation(
    builder: ProfileBuilder, kind: OrganisationKind, postcode: str, issues: list[ProblemCode] | None = None
) -> Organisation:
    profile = OrganisationProfile(
        kind=kind,
        name="Test",
        sector="C" if kind in BUSINESS_KINDS else None,
        employees=80,
        postcode=postcode,
        issues=issues or [],
    )
    return builder.build(profile, f"{kind}-{postcode}")


def ask(
    builder: ProfileBuilder,
    catalog: Catalog,
    kind: OrganisationKind,
    postcode: str,
    issues: list[ProblemCode] | None = None,
) -> AdvisorAnswer:
    return recommend_advisors(
        organisation(builder, kind, postcode, issues), catalog, DEFAULTS, builder.reference.geo.kreis_naming
    )


def ids(answer: AdvisorAnswer, role: AdvisorRole | None = None) -> list[str]:
    return [item.id for item in answer.items if role is None or item.role is role]


COMPANY = OrganisationKind.COMPANY
CRAFT = OrganisationKind.CRAFT_BUSINESS
MUNICIPALITY = OrganisationKind.MUNICIPALITY
TRANSIT = [ProblemCode.POOR_TRANSIT_ACCESS]


@pytest.mark.parametrize(
    ("postcode", "place", "chamber"),
    [
        ("58452", "Witten, Ennepe-Ruhr-Kreis", "ihk_mittleres_ruhrgebiet"),  # split Kreis: Witten goes to Bochum
        ("45525", "Hattingen, Ennepe-Ruhr-Kreis", "ihk_mittleres_ruhrgebiet"),
        ("58332", "Schwelm, Ennepe-Ruhr-Kreis", "sihk_hagen"),  # rest of the Ennepe-Ruhr-Kreis
        ("58095", "Stadt Hagen (kreisfreie Stadt)", "sihk_hagen"),
    ],
)
def test_company_gets_its_territorial_ihk(
    builder: ProfileBuilder, catalog: Catalog, postcode: str, place: str, chamber: str
) -> None:
    answer = ask(builder, catalog, COMPANY, postcode)
    assert answer.covered
    assert answer.note is None
    assert ids(answer, AdvisorRole.RESPONSIBLE_CHAMBER) == [chamber]
    first = answer.items[0]
    assert (first.id, first.score, first.role_label) == (chamber, 1.0, "zuständige Kammer")
    assert {r.text for r in first.reasons} == {f"zuständig für {place}", "berät Unternehmen"}


def test_company_in_nrw_gets_bemo_and_funders_as_secondary_entries(builder: ProfileBuilder, catalog: Catalog) -> None:
    answer = ask(builder, catalog, COMPANY, "58452")
    assert ids(answer) == ["ihk_mittleres_ruhrgebiet", "wf_ennepe_ruhr_kreis", "ihk_bemo", "balm", "munv_nrw"]
    roles = {item.id: (item.role, item.score) for item in answer.items}
    assert roles["ihk_bemo"] == (AdvisorRole.STATEWIDE_NETWORK, DEFAULTS.statewide_score)
    assert roles["balm"] == (AdvisorRole.FUNDING_AGENCY, DEFAULTS.funding_agency_score)
    assert roles["munv_nrw"] == (AdvisorRole.FUNDING_AGENCY, DEFAULTS.funding_agency_score)


def test_craft_business_in_dortmund_gets_its_hwk_and_the_mobility_hub(
    builder: ProfileBuilder, catalog: Catalog
) -> None:
    answer = ask(builder, catalog, CRAFT, "44137")
    assert answer.covered
    assert ids(answer) == ["hwk_dortmund", "wf_dortmund", "whkt_mobilityhub", "balm"]
    hwk, _, hub, _ = answer.items
    assert (hwk.role, hwk.score, hwk.organisation_type) == (AdvisorRole.RESPONSIBLE_CHAMBER, 1.0, "hwk")
    assert (hub.role, hub.score) == (AdvisorRole.STATEWIDE_NETWORK, 0.5)
    assert "berät Handwerksbetriebe" in {r.text for r in hwk.reasons}
    assert "landesweit zuständig für Nordrhein-Westfalen" in {r.text for r in hub.reasons}
    assert not [i for i in answer.items if i.organisation_type == "ihk"]  # a craft business is no IHK member here


def test_company_in_stuttgart_gets_ihk_wrs_and_city_advice(builder: ProfileBuilder, catalog: Catalog) -> None:
    answer = ask(builder, catalog, COMPANY, "70173")
    assert ids(answer) == ["ihk_region_stuttgart", "stuttgart_amt_umweltschutz", "wf_stuttgart", "wrs", "balm", "vm_bw"]
    assert ids(answer, AdvisorRole.REGIONAL_PROGRAMME) == ["stuttgart_amt_umweltschutz", "wrs"]  # tie 0.7, by id
    assert [i.score for i in answer.items] == [1.0, 0.7, 0.7, 0.7, 0.3, 0.3]
    assert "vvs" not in ids(answer)  # no transit problem


def test_company_in_esslingen_also_gets_its_bezirkskammer(builder: ProfileBuilder, catalog: Catalog) -> None:
    answer = ask(builder, catalog, COMPANY, "73728")
    assert ids(answer, AdvisorRole.RESPONSIBLE_CHAMBER) == ["ihk_region_stuttgart", "ihk_rs_bk_esslingen_nuertingen"]
    office = next(i for i in answer.items if i.id == "ihk_rs_bk_esslingen_nuertingen")
    assert office.seat_city == "Esslingen am Neckar"
    assert office.distance_km < 2
    local = next(r for r in office.reasons if r.code == "local_office")
    assert "IHK Region Stuttgart" in local.text
    assert "Esslingen am Neckar" in local.text
    assert "stuttgart_amt_umweltschutz" not in ids(answer)  # the city's advice is for Stuttgart only
    assert "wrs" in ids(answer)


def test_craft_business_in_stuttgart_gets_hwk_and_city_advice_but_not_the_wrs(
    builder: ProfileBuilder, catalog: Catalog
) -> None:
    answer = ask(builder, catalog, CRAFT, "70173")
    assert ids(answer) == ["hwk_region_stuttgart", "stuttgart_amt_umweltschutz", "wf_stuttgart", "balm"]


def test_municipality_in_koeln_gets_its_zukunftsnetz_office(builder: ProfileBuilder, catalog: Catalog) -> None:
    answer = ask(builder, catalog, MUNICIPALITY, "50667")
    assert answer.covered
    assert answer.items[0].id == "znm_ks_rheinland"
    assert answer.items[0].role is AdvisorRole.MUNICIPAL_NETWORK
    assert answer.items[0].score == 1.0
    assert ids(answer, AdvisorRole.STATEWIDE_NETWORK) == ["ihk_bemo", "ils_dortmund", "znm_geschaeftsstelle"]
    assert "ihk_koeln" not in ids(answer)
    assert "znm_ks_rhein_ruhr" not in ids(answer)


def test_municipality_in_region_stuttgart_gets_wrs_and_verband(builder: ProfileBuilder, catalog: Catalog) -> None:
    answer = ask(builder, catalog, MUNICIPALITY, "73728")
    assert answer.covered
    assert ids(answer, AdvisorRole.REGIONAL_PROGRAMME) == ["verband_region_stuttgart", "wrs"]
    assert ids(answer, AdvisorRole.STATEWIDE_NETWORK) == ["kea_bw_nvbw"]
    assert ids(answer, AdvisorRole.FUNDING_AGENCY) == ["balm", "vm_bw"]


@pytest.mark.parametrize(("postcode", "association"), [("45127", "vrr"), ("70173", "vvs"), ("50667", "vrs")])
def test_transport_association_only_with_a_transit_problem(
    builder: ProfileBuilder, catalog: Catalog, postcode: str, association: str
) -> None:
    assert association not in ids(ask(builder, catalog, COMPANY, postcode))
    assert association not in ids(ask(builder, catalog, COMPANY, postcode, [ProblemCode.PARKING_SHORTAGE]))
    answer = ask(builder, catalog, COMPANY, postcode, [*TRANSIT, ProblemCode.PARKING_SHORTAGE])
    assert ids(answer, AdvisorRole.TRANSIT_AUTHORITY) == [association]
    item = next(i for i in answer.items if i.id == association)
    assert item.score == DEFAULTS.transit_score
    assert item.role_label == "Verkehrsverbund"
    transit = next(r for r in item.reasons if r.code == "transit")
    assert transit.text == "Ihr Problem schlechte ÖPNV-Anbindung betrifft den Nahverkehr"


def test_several_transit_problems_are_named_together(builder: ProfileBuilder, catalog: Catalog) -> None:
    issues = [ProblemCode.LAST_MILE_GAP, ProblemCode.POOR_TRANSIT_ACCESS]
    answer = ask(builder, catalog, COMPANY, "45127", issues)
    vrr = next(i for i in answer.items if i.id == "vrr")
    assert vrr.reasons[-1].text == (
        "Ihre Probleme Lücke auf der letzten Meile und schlechte ÖPNV-Anbindung betreffen den Nahverkehr"
    )


def test_transport_association_serves_any_kind_with_transit_problems(builder: ProfileBuilder, catalog: Catalog) -> None:
    # VRR lists company;municipality;district; a craft business's job tickets are a VRR matter all the same.
    answer = ask(builder, catalog, CRAFT, "45127", TRANSIT)
    vrr = next(i for i in answer.items if i.id == "vrr")
    assert {r.code for r in vrr.reasons} == {"territory", "transit"}  # no "berät …" claim for craft firms
    assert vrr.score == DEFAULTS.transit_score


@pytest.mark.parametrize(
    ("postcode", "place"),
    [("10115", "Stadt Berlin (kreisfreie Stadt)"), ("80331", "Stadt München (kreisfreie Stadt), Bayern")],
)
def test_outside_the_covered_regions_nothing_is_invented(
    builder: ProfileBuilder, catalog: Catalog, postcode: str, place: str
) -> None:
    answer = ask(builder, catalog, COMPANY, postcode, TRANSIT)
    assert not answer.covered
    assert answer.note is not None
    assert answer.note.startswith(f"Für {place} ist keine zuständige Beratungsstelle hinterlegt")
    assert "Nordrhein-Westfalen und die Region Stuttgart" in answer.note
    assert ids(answer) == ["balm"]
    assert answer.items[0].role is AdvisorRole.FUNDING_AGENCY


def test_baden_wuerttemberg_outside_region_stuttgart_gets_only_state_and_federal_bodies(
    builder: ProfileBuilder, catalog: Catalog
) -> None:
    answer = ask(builder, catalog, COMPANY, "76133")  # Karlsruhe
    assert not answer.covered
    assert ids(answer) == ["balm", "vm_bw"]


def test_public_agency_gets_no_invented_advisor(builder: ProfileBuilder, catalog: Catalog) -> None:
    # No catalogue entry lists public_agency in serves_kinds: only the transport association may appear.
    quiet = ask(builder, catalog, OrganisationKind.PUBLIC_AGENCY, "45127")
    assert (quiet.covered, quiet.items) == (False, [])
    assert quiet.note == (
        "Für Behörden und öffentliche Einrichtungen in Stadt Essen (kreisfreie Stadt), Nordrhein-Westfalen ist keine "
        "zuständige Beratungsstelle hinterlegt."
    )
    with_transit = ask(builder, catalog, OrganisationKind.PUBLIC_AGENCY, "45127", TRANSIT)
    assert ids(with_transit) == ["ruhrbahn", "vrr"]
    assert not with_transit.covered
    assert with_transit.note is not None
    assert with_transit.note.endswith(
        "Aufgeführt sind nur Verkehrsverbund und Verkehrsunternehmen für Nahverkehrsfragen."
    )


def test_association_gets_the_bodies_that_list_associations(builder: ProfileBuilder, catalog: Catalog) -> None:
    answer = ask(builder, catalog, OrganisationKind.ASSOCIATION, "45127")
    assert ids(answer) == ["balm", "munv_nrw"]
    assert not answer.covered


CASES = [
    (COMPANY, "58452"),
    (COMPANY, "73728"),
    (CRAFT, "44137"),
    (MUNICIPALITY, "50667"),
    (OrganisationKind.DISTRICT, "73728"),
    (COMPANY, "10115"),
]


@pytest.mark.parametrize(("kind", "postcode"), CASES)
def test_reasons_add_up_to_the_score_and_explain_territory_and_kind(
    builder: ProfileBuilder, catalog: Catalog, kind: OrganisationKind, postcode: str
) -> None:
    answer = ask(builder, catalog, kind, postcode, [*TRANSIT, ProblemCode.SHIFT_WORK])
    assert answer.items
    for item in answer.items:
        assert round(sum(r.weight for r in item.reasons), 4) == item.score
        territorial = [r for r in item.reasons if r.code in {"territory", "local_office", "statewide", "nationwide"}]
        assert len(territorial) == 1
        assert all(r.weight > 0 for r in item.reasons)
    assert [(-i.score, i.id) for i in answer.items] == sorted((-i.score, i.id) for i in answer.items)


def test_scores_come_from_the_settings(builder: ProfileBuilder, catalog: Catalog) -> None:
    custom = AdvisorSettings(
        responsible_score=0.9, transit_score=0.45, regional_score=0.6, statewide_score=0.2, funding_agency_score=0.1
    )
    answer = recommend_advisors(
        organisation(builder, COMPANY, "70173", TRANSIT), catalog, custom, builder.reference.geo.kreis_naming
    )
    assert {i.id: i.score for i in answer.items} == {
        "ihk_region_stuttgart": 0.9,
        "wrs": 0.6,
        "stuttgart_amt_umweltschutz": 0.6,
        "wf_stuttgart": 0.6,
        "vvs": 0.45,
        "ssb": 0.45,
        "db_vertrieb_vvs": 0.45,
        "vm_bw": 0.1,
        "balm": 0.1,
    }
    assert [r.weight for r in next(i for i in answer.items if i.id == "vvs").reasons] == [0.15, 0.15, 0.15]


def test_transit_problems_come_from_the_settings(builder: ProfileBuilder, catalog: Catalog) -> None:
    custom = AdvisorSettings(transit_problems=frozenset({ProblemCode.PARKING_SHORTAGE}))
    parked = organisation(builder, COMPANY, "45127", [ProblemCode.PARKING_SHORTAGE])
    assert "vrr" in ids(recommend_advisors(parked, catalog, custom, builder.reference.geo.kreis_naming))
    assert "vrr" not in ids(recommend_advisors(parked, catalog, DEFAULTS, builder.reference.geo.kreis_naming))


def test_distance_is_the_great_circle_distance_to_the_seat(builder: ProfileBuilder, catalog: Catalog) -> None:
    company = organisation(builder, COMPANY, "58452")
    item = recommend_advisors(company, catalog, DEFAULTS, builder.reference.geo.kreis_naming).items[0]
    seat = catalog.advisors["ihk_mittleres_ruhrgebiet"]
    expected = float(haversine_km(company.location.lat, company.location.lon, seat.lat, seat.lon))
    assert item.distance_km == expected
    assert 5 < item.distance_km < 15  # Witten to Bochum
    assert item.seat_city == "Bochum"


def test_deterministic_and_independent_of_catalogue_order(builder: ProfileBuilder, catalog: Catalog) -> None:
    company = organisation(builder, COMPANY, "70173", TRANSIT)
    reversed_catalog = catalog.model_copy(update={"advisors": dict(reversed(catalog.advisors.items()))})
    first = recommend_advisors(company, catalog, DEFAULTS, builder.reference.geo.kreis_naming)
    assert recommend_advisors(company, catalog, DEFAULTS, builder.reference.geo.kreis_naming) == first
    assert recommend_advisors(company, reversed_catalog, DEFAULTS, builder.reference.geo.kreis_naming) == first


def test_every_catalogue_entry_has_the_documented_role(catalog: Catalog) -> None:
    roles = {advisor.id: advisor_role(advisor) for advisor in catalog.advisors.values()}
    assert roles["ihk_rs_bk_ludwigsburg"] is AdvisorRole.RESPONSIBLE_CHAMBER
    assert roles["znm_ks_westfalen_lippe"] is AdvisorRole.MUNICIPAL_NETWORK
    assert roles["nwl"] is AdvisorRole.TRANSIT_AUTHORITY
    assert roles["verband_region_stuttgart"] is AdvisorRole.REGIONAL_PROGRAMME
    statewide = {a for a, r in roles.items() if r is AdvisorRole.STATEWIDE_NETWORK}
    assert statewide == {"ihk_bemo", "znm_geschaeftsstelle", "whkt_mobilityhub", "ils_dortmund", "kea_bw_nvbw"}
    assert {a for a, r in roles.items() if r is AdvisorRole.FUNDING_AGENCY} == {"munv_nrw", "vm_bw", "balm"}
    # Secondary entries always score below the responsible and regional bodies.
    assert DEFAULTS.statewide_score < DEFAULTS.regional_score < DEFAULTS.responsible_score
    assert DEFAULTS.funding_agency_score < DEFAULTS.statewide_score


def test_funders_and_ministries_are_not_labelled_as_advising(builder: ProfileBuilder, catalog: Catalog) -> None:
    answer = ask(builder, catalog, COMPANY, "58452")
    by_id = {item.id: item for item in answer.items}
    assert by_id["balm"].role_label == "Fördermittelgeber"
    assert by_id["munv_nrw"].role_label == "Ministerium – Programmgeber"
    assert "vergibt Fördermittel an Unternehmen" in {r.text for r in by_id["balm"].reasons}
    assert {r.code for r in by_id["munv_nrw"].reasons} == {"statewide", "programme_owner"}
    for item in answer.items:
        if item.role is AdvisorRole.FUNDING_AGENCY:
            assert not any(r.text.startswith("berät") for r in item.reasons)
    assert max(i.score for i in answer.items if i.role is AdvisorRole.FUNDING_AGENCY) < min(
        i.score for i in answer.items if i.role is not AdvisorRole.FUNDING_AGENCY
    )


def test_wirtschaftsfoerderung_is_labelled_as_such(builder: ProfileBuilder, catalog: Catalog) -> None:
    wrs = next(i for i in ask(builder, catalog, COMPANY, "70173").items if i.id == "wrs")
    assert wrs.role_label == "Wirtschaftsförderung"


def test_dortmund_firm_gets_its_wirtschaftsfoerderung_and_the_job_ticket_partners(
    builder: ProfileBuilder, catalog: Catalog
) -> None:
    answer = ask(builder, catalog, COMPANY, "44137", TRANSIT)
    by_id = {item.id: item for item in answer.items}
    development = by_id["wf_dortmund"]
    assert development.name == "Wirtschaftsförderung Dortmund"
    assert development.role is AdvisorRole.ECONOMIC_DEVELOPMENT
    assert development.role_label == "Wirtschaftsförderung – lokale Ansprechpartnerin für Unternehmen"
    assert "zuständig für Stadt Dortmund (kreisfreie Stadt)" in {r.text for r in development.reasons}
    operator = by_id["dsw21"]
    assert operator.role is AdvisorRole.TRANSIT_OPERATOR
    jobs = "schließt Jobticket-Verträge für Arbeitgeber in Stadt Dortmund (kreisfreie Stadt)"
    assert jobs in {r.text for r in operator.reasons}
    assert round(sum(r.weight for r in operator.reasons), 4) == operator.score == DEFAULTS.transit_score
    assert by_id["vrr"].role is AdvisorRole.TRANSIT_AUTHORITY
    assert "ruhrbahn" not in by_id  # Essen and Mülheim only


def test_job_ticket_partners_need_a_transit_problem(builder: ProfileBuilder, catalog: Catalog) -> None:
    answer = ask(builder, catalog, COMPANY, "44137")
    assert "wf_dortmund" in ids(answer)
    assert not {"dsw21", "vrr"} & set(ids(answer))


def test_stuttgart_firm_with_transit_problems_gets_ssb_and_db_besides_the_vvs(
    builder: ProfileBuilder, catalog: Catalog
) -> None:
    answer = ask(builder, catalog, COMPANY, "70173", TRANSIT)
    assert ids(answer, AdvisorRole.TRANSIT_OPERATOR) == ["db_vertrieb_vvs", "ssb"]
    esslingen = ask(builder, catalog, COMPANY, "73728", TRANSIT)
    assert ids(esslingen, AdvisorRole.TRANSIT_OPERATOR) == ["db_vertrieb_vvs"]  # the SSB serves Stuttgart only
    assert ids(esslingen, AdvisorRole.ECONOMIC_DEVELOPMENT) == ["wf_esslingen"]


def test_municipalities_get_no_wirtschaftsfoerderung(builder: ProfileBuilder, catalog: Catalog) -> None:
    # A Wirtschaftsförderung advises firms; a municipality is its carrier, not its client.
    answer = ask(builder, catalog, MUNICIPALITY, "44137")
    assert not ids(answer, AdvisorRole.ECONOMIC_DEVELOPMENT)


def test_places_are_named_by_their_kreis_type(builder: ProfileBuilder, catalog: Catalog) -> None:
    # Issue 11: "Bergkamen (Unna)" read as if Unna were the town; a kreisfreie Stadt is named once, as a city.
    bergkamen = ask(builder, catalog, COMPANY, "59192", TRANSIT)
    texts = {r.text for item in bergkamen.items for r in item.reasons}
    assert "zuständig für Bergkamen, Kreis Unna" in texts
    assert not [text for text in texts if "(Unna)" in text]
    esslingen = ask(builder, catalog, COMPANY, "73728")
    office = next(i for i in esslingen.items if i.id == "ihk_rs_bk_esslingen_nuertingen")
    local = next(r.text for r in office.reasons if r.code == "local_office")
    assert local.endswith("vor Ort zuständig für Esslingen am Neckar, Landkreis Esslingen")
    dortmund = ask(builder, catalog, COMPANY, "44137", TRANSIT)
    territory = {r.text for item in dortmund.items for r in item.reasons if r.code == "territory"}
    assert territory == {"zuständig für Stadt Dortmund (kreisfreie Stadt)"}
