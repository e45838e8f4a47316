"""recommend_funding: hard eligibility (Land, kind, size, availability on as_of) and relevance, against funding.csv.

Facts used (data/catalog/funding.csv, all checked_on 2026-11-23):
nrw_foeri_nah: NRW, municipalities/districts/associations, status closed, window 2025-07-15 .. 2026-05-31.
bmdv_bmm_breitenfoerderung: federal, companies/craft, SME only, closed, window 2023-05-02 .. 2024-03-31, 60000 EUR.
bmdv_bmm_initialfoerderung: federal, companies/craft, SME only, status unknown, from 2023-05-15, 100 %, 5000 EUR.
bmdv_bmm_innovationsfoerderung: closed, from 2023-01-01, no end date.
bw_b2mm: Baden-Württemberg only, status unknown.
"""

from __future__ import annotations

import inspect
import math
from datetime import date

import pytest

from matcher.catalog import Catalog, FundingStatus
from matcher.conditions import ProgrammeConditions
from matcher.errors import InputError
from matcher.matching.funding import (
    Eligibility,
    FundingAnswer,
    cap_eur,
    cap_score,
    coverage_weights,
    max_rate_percent,
    recommend_funding,
)
from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.settings import FundingSettings
from matcher.vocabulary import BUSINESS_KINDS, OrganisationKind

DEFAULTS = FundingSettings()
CHECKED = date(2026, 11, 23)
MEASURES = ["mobility_concept_consulting", "secure_bike_parking", "deutschlandticket_job", "employee_charging"]
COMPANY = OrganisationKind.COMPANY
MUNICIPALITY = OrganisationKind.MUNICIPALITY
ESSEN, KOELN, STUTTGART = "45127", "50667", "70173"


def organisation(builder: ProfileBuilder, kind: OrganisationKind, postcode: str, employees: int = 120) -> Organisation:
    sector = "C" if kind in BUSINESS_KINDS else None
    profile = OrganisationProfile(kind=kind, name="Test", sector=sector, employees=employees, postcode=postcode)
    return builder.build(profile, f"{kind}-{postcode}-{employees}")


def ask(
    builder: ProfileBuilder,
    catalog: Catalog,
    kind: OrganisationKind,
    postcode: str,
    as_of: date = CHECKED,
    employees: int = 120,
    measures: list[str] | None = None,
) -> FundingAnswer:
    org = organisation(builder, kind, postcode, employees)
    chosen = MEASURES if measures is None else measures
    return recommend_funding(org, catalog, chosen, DEFAULTS, as_of, include_ineligible=True)


def ids(answer: FundingAnswer) -> list[str]:
    return [item.id for item in answer.items]


def why_not(answer: FundingAnswer, programme_id: str) -> dict[str, str]:
    item = next(i for i in answer.ineligible if i.id == programme_id)
    return {r.code: r.text for r in item.ineligible_reasons}


@pytest.mark.parametrize(
    ("as_of", "available", "reason"),
    [
        (date(2025, 7, 1), False, {"not_yet_open": "noch nicht geöffnet (ab 15.07.2025)"}),
        (date(2026, 3, 1), True, {}),
        (date(2026, 5, 31), True, {}),
        (date(2026, 7, 1), False, {"expired": "Antragsfrist am 31.05.2026 abgelaufen"}),
        (CHECKED, False, {"closed": "geschlossen seit 31.05.2026"}),
        (date(2026, 12, 4), False, {"closed": "geschlossen seit 31.05.2026"}),
    ],
)
def test_foeri_nah_availability_follows_as_of(
    builder: ProfileBuilder, catalog: Catalog, as_of: date, available: bool, reason: dict[str, str]
) -> None:
    answer = ask(builder, catalog, MUNICIPALITY, KOELN, as_of)
    assert answer.as_of == as_of
    assert ("nrw_foeri_nah" in ids(answer)) is available
    if available:
        item = next(i for i in answer.items if i.id == "nrw_foeri_nah")
        assert item.eligible
        assert item.status is FundingStatus.CLOSED  # status at checked_on, later than as_of
        assert "closed_later" in {r.code for r in item.reasons}
        assert "abgelaufen" in item.status_note  # status and status text agree (issue 11)
    else:
        assert why_not(answer, "nrw_foeri_nah") == reason


def test_closed_programme_is_never_available_on_or_after_checked_on(builder: ProfileBuilder, catalog: Catalog) -> None:
    for as_of in (CHECKED, date(2027, 1, 1), date(2031, 1, 1)):
        for kind, postcode in ((COMPANY, ESSEN), (MUNICIPALITY, KOELN), (COMPANY, STUTTGART)):
            answer = ask(builder, catalog, kind, postcode, as_of, employees=20)
            assert all(item.status is not FundingStatus.CLOSED for item in answer.items)


def test_closed_programme_without_a_known_window_is_never_available(builder: ProfileBuilder, catalog: Catalog) -> None:
    for as_of in (date(2023, 6, 1), date(2024, 6, 1), CHECKED):
        answer = ask(builder, catalog, COMPANY, ESSEN, as_of)
        assert "bmdv_bmm_innovationsfoerderung" not in ids(answer)
        assert "closed" in why_not(answer, "bmdv_bmm_innovationsfoerderung")


def test_breitenfoerderung_was_available_inside_its_window_only(builder: ProfileBuilder, catalog: Catalog) -> None:
    during = ask(builder, catalog, COMPANY, ESSEN, date(2023, 6, 1))
    assert "bmdv_bmm_breitenfoerderung" in ids(during)
    after_deadline = ask(builder, catalog, COMPANY, ESSEN, date(2024, 6, 1))
    assert why_not(after_deadline, "bmdv_bmm_breitenfoerderung") == {"expired": "Antragsfrist am 31.03.2024 abgelaufen"}
    today = ask(builder, catalog, COMPANY, ESSEN, CHECKED)
    assert why_not(today, "bmdv_bmm_breitenfoerderung") == {"closed": "geschlossen seit 31.03.2024"}


def test_nrw_firm_never_gets_a_baden_wuerttemberg_programme(builder: ProfileBuilder, catalog: Catalog) -> None:
    bw_only = {p.id for p in catalog.funding.values() if p.states == ["DE-BW"]}
    assert {"bw_b2mm", "bw_lgvfg", "wrs_bmm_impulsprogramm"} <= bw_only
    for as_of in (date(2019, 1, 1), date(2024, 1, 1), CHECKED):
        answer = ask(builder, catalog, COMPANY, ESSEN, as_of)
        assert not bw_only & set(ids(answer))
        assert why_not(answer, "bw_b2mm")["state"] == "nur für Baden-Württemberg"
    stuttgart = ask(builder, catalog, COMPANY, STUTTGART)
    assert "bw_b2mm" in ids(stuttgart)
    assert why_not(stuttgart, "nrw_foeri_mm") == {"state": "nur für Nordrhein-Westfalen"}


def test_applicant_kind_decides(builder: ProfileBuilder, catalog: Catalog) -> None:
    company = ask(builder, catalog, COMPANY, KOELN)
    municipality = ask(builder, catalog, MUNICIPALITY, KOELN, employees=5000)
    assert "sonderprogramm_stadt_und_land" in ids(municipality)
    assert "sonderprogramm_stadt_und_land" not in ids(company)
    assert why_not(company, "sonderprogramm_stadt_und_land") == {
        "kind": "nicht für Unternehmen (antragsberechtigt: Gemeinde / Stadt, Kreis)"
    }
    assert "bafa_e_lastenfahrrad" in ids(company)
    assert "kind" in why_not(municipality, "bafa_e_lastenfahrrad")


@pytest.mark.parametrize(("employees", "eligible"), [(10, True), (249, True), (250, False), (5000, False)])
def test_sme_limit(builder: ProfileBuilder, catalog: Catalog, employees: int, eligible: bool) -> None:
    answer = ask(builder, catalog, COMPANY, ESSEN, employees=employees)
    assert ("bmdv_bmm_initialfoerderung" in ids(answer)) is eligible
    if not eligible:
        # max_employees 249 repeats the SME limit: one reason, not two
        assert why_not(answer, "bmdv_bmm_initialfoerderung") == {"sme": "nur für KMU bis 249 Beschäftigte"}


def test_employee_limits_of_a_programme(builder: ProfileBuilder, catalog: Catalog) -> None:
    base = catalog.funding["nrw_foeri_mm"]
    narrow = base.model_copy(update={"id": "narrow", "min_employees": 50, "max_employees": 100})
    small_catalog = catalog.model_copy(update={"funding": {"narrow": narrow}})
    for employees, expected in [(10, {"min_employees": "erst ab 50 Beschäftigten"}), (75, {}), (120, None)]:
        org = organisation(builder, COMPANY, ESSEN, employees)
        answer = recommend_funding(org, small_catalog, MEASURES, DEFAULTS, CHECKED, include_ineligible=True)
        if expected == {}:
            assert ids(answer) == ["narrow"]
        elif expected is None:
            assert why_not(answer, "narrow") == {"max_employees": "nur bis 100 Beschäftigte"}
        else:
            assert why_not(answer, "narrow") == expected


def test_unknown_status_is_available_but_flagged_and_slightly_lower(builder: ProfileBuilder, catalog: Catalog) -> None:
    org = organisation(builder, COMPANY, ESSEN)
    flagged = recommend_funding(org, catalog, MEASURES, DEFAULTS, CHECKED)
    item = next(i for i in flagged.items if i.id == "bmdv_bmm_initialfoerderung")
    assert item.status is FundingStatus.UNKNOWN
    assert item.status_note == "geöffnet am 2023-05-15; aktueller Status unbekannt"
    note = next(r for r in item.reasons if r.code == "status_unknown")
    assert note.text == "Status nicht bestätigt – zuletzt geprüft am 23.11.2026, vor Antrag prüfen"
    assert note.weight == 0
    unpenalised = FundingSettings(unknown_status_factor=1.0)
    plain = next(i for i in recommend_funding(org, catalog, MEASURES, unpenalised, CHECKED).items if i.id == item.id)
    assert item.score == pytest.approx(DEFAULTS.unknown_status_factor * plain.score, abs=2e-4)
    assert item.score < plain.score


def test_not_yet_open_unknown_programme(builder: ProfileBuilder, catalog: Catalog) -> None:
    answer = ask(builder, catalog, COMPANY, ESSEN, date(2023, 1, 1))
    assert why_not(answer, "bmdv_bmm_initialfoerderung") == {"not_yet_open": "noch nicht geöffnet (ab 15.05.2023)"}


def test_ineligible_list_only_when_requested(builder: ProfileBuilder, catalog: Catalog) -> None:
    org = organisation(builder, COMPANY, ESSEN)
    assert recommend_funding(org, catalog, MEASURES, DEFAULTS, CHECKED).ineligible == []
    full = recommend_funding(org, catalog, MEASURES, DEFAULTS, CHECKED, include_ineligible=True)
    listed = ids(full) + [i.id for i in full.ineligible]
    assert sorted(listed) == sorted(catalog.funding)
    assert [i.id for i in full.ineligible] == sorted(i.id for i in full.ineligible)
    for item in full.ineligible:
        assert (item.eligible, item.score, item.reasons) == (False, 0.0, [])
        assert item.ineligible_reasons
        assert all(r.weight == 0 and r.text for r in item.ineligible_reasons)
    for item in full.items:
        assert item.eligible
        assert item.ineligible_reasons == []


def test_non_grants_are_labelled(builder: ProfileBuilder, catalog: Catalog) -> None:
    company = ask(
        builder, catalog, COMPANY, ESSEN, measures=["deutschlandticket_job", "bike_leasing_salary_conversion"]
    )
    labels = {i.id: (i.is_grant, i.instrument_label) for i in company.items}
    assert labels["deutschlandticket_job"] == (False, "kein Zuschuss: Ticketrabatt (Deutschlandticket Job)")
    assert labels["dienstrad_tax_rules"] == (False, "kein Zuschuss: Steuerregel")
    assert labels["nrw_foeri_mm"] == (True, "Zuschuss")
    ticket = next(i for i in company.items if i.id == "deutschlandticket_job")
    assert {r.code for r in ticket.reasons} == {"measure_coverage", "direct_access", "not_a_grant"}  # no rate or cap
    coverage = next(r.text for r in ticket.reasons if r.code == "measure_coverage")
    assert coverage.startswith("Ticketrabatt für 1 der 2 empfohlenen Maßnahmen")
    assert ticket.rate_text.startswith("kein Zuschuss: 5 % Rabatt")
    municipality = ask(builder, catalog, MUNICIPALITY, STUTTGART, employees=5000, measures=[])
    levy = next(i for i in municipality.items if i.id == "bw_mobilitaetspass")
    assert (levy.is_grant, levy.instrument_label) == (False, "kein Zuschuss: kommunale Abgabe")


def test_ranking_follows_coverage_and_earlier_measures_count_more(catalog: Catalog, builder: ProfileBuilder) -> None:
    base = catalog.funding["nrw_foeri_mm"].model_copy(update={"funding_rate_percent": "50", "max_amount_eur": ""})
    variants = {
        "a_second_only": ["secure_bike_parking"],
        "b_first_only": ["mobility_concept_consulting"],
        "c_first_two": ["mobility_concept_consulting", "secure_bike_parking"],
        "d_none": ["fleet_electrification"],
        "e_all": MEASURES,
    }
    funding = {k: base.model_copy(update={"id": k, "fundable_measures": v}) for k, v in variants.items()}
    answer = recommend_funding(
        organisation(builder, COMPANY, ESSEN),
        catalog.model_copy(update={"funding": funding}),
        MEASURES,
        DEFAULTS,
        CHECKED,
    )
    assert ids(answer) == ["e_all", "c_first_two", "b_first_only", "a_second_only", "d_none"]
    weights = [1, 1 / math.log2(3), 1 / math.log2(4), 1 / math.log2(5)]  # 1 / log2(i + 1)
    first_only = next(i for i in answer.items if i.id == "b_first_only")
    coverage = next(r for r in first_only.reasons if r.code == "measure_coverage")
    assert coverage.weight == round(DEFAULTS.weights.measure_coverage * weights[0] / sum(weights), 4)
    assert (
        coverage.text
        == "fördert 1 der 4 empfohlenen Maßnahmen: Geförderte Erstberatung / betriebliches Mobilitätskonzept"
    )
    everything = answer.items[0]
    assert everything.funds_measures == MEASURES
    # FöRi-MM confirms no rate for companies (rate_text says so): coverage and direct access only.
    assert everything.score == round(DEFAULTS.weights.measure_coverage + DEFAULTS.weights.direct_access, 4)
    assert everything.rate_text == "bis zu 80 % laut Übersicht; Satz für Unternehmen nicht bestätigt"
    none = answer.items[-1]
    assert (none.score, none.funds_measures) == (0.0, [])
    assert [r.text for r in none.reasons] == ["fördert keine der empfohlenen Maßnahmen"]


def test_reason_texts_for_rate_cap_and_coverage(builder: ProfileBuilder, catalog: Catalog) -> None:
    answer = ask(builder, catalog, COMPANY, ESSEN, date(2023, 6, 1), employees=20, measures=MEASURES)
    item = next(i for i in answer.items if i.id == "bmdv_bmm_breitenfoerderung")
    texts = {r.code: r.text for r in item.reasons}
    assert texts["funding_rate"] == "Förderquote bis 60 % für Unternehmen"  # small firm (20 staff): 60, not 50
    assert texts["cap"] == "bis 60.000 € je Vorhaben"
    assert texts["measure_coverage"] == (
        "fördert 2 der 4 empfohlenen Maßnahmen: Sichere, überdachte Fahrradabstellanlagen nahe Eingang, "
        "Ladepunkte für Beschäftigte am Standort"
    )
    assert item.funds_measures == ["secure_bike_parking", "employee_charging"]
    assert (item.funding_rate_percent, item.max_amount_eur) == (
        "50 (mittlere Unternehmen) / 60 (kleine Unternehmen)",
        "60000",
    )
    assert (item.open_from, item.valid_until, item.checked_on) == (date(2023, 5, 2), date(2024, 3, 31), CHECKED)


@pytest.mark.parametrize(
    ("programme_id", "rate", "cap"),
    [
        ("bw_b2mm", 70.0, None),  # "25–70 (2018 version; …: 60 …)": 2018 is a year, not a rate
        ("nrw_foeri_nah", 90.0, None),
        ("bw_personalstellen", 100.0, 78600.0),
        ("nrw_progres_cargo_bikes", 60.0, 2100.0),  # the first amount is the headline figure
        ("nrw_efre_nachhaltige_staedtische_mobilitaet", 90.0, 10_000_000.0),
        ("wrs_bmm_impulsprogramm", None, None),  # no number in the text
        ("deutschlandticket_job", None, None),  # not a grant
        ("bmdv_bmm_innovationsfoerderung", None, None),  # blank cells
    ],
)
def test_rate_and_cap_parsing(catalog: Catalog, programme_id: str, rate: float | None, cap: float | None) -> None:
    programme = catalog.funding[programme_id]
    assert max_rate_percent(programme) == rate
    assert cap_eur(programme) == cap


def test_cap_score_and_coverage_weights() -> None:
    assert cap_score(1_000_000, 1_000_000) == 1.0
    assert cap_score(1_000, 1_000_000) == pytest.approx(0.5)
    assert cap_score(50_000_000, 1_000_000) == 1.0
    assert coverage_weights(3) == pytest.approx([1.0, 1 / math.log2(3), 0.5])


def test_reasons_add_up_and_items_are_ranked(builder: ProfileBuilder, catalog: Catalog) -> None:
    for kind, postcode, employees in ((COMPANY, ESSEN, 20), (MUNICIPALITY, KOELN, 5000), (COMPANY, STUTTGART, 900)):
        for as_of in (date(2023, 6, 1), date(2026, 3, 1), CHECKED):
            answer = ask(builder, catalog, kind, postcode, as_of, employees)
            assert answer.items
            for item in answer.items:
                assert round(sum(r.weight for r in item.reasons), 4) == item.score
            order = [(i.eligibility is not Eligibility.ELIGIBLE, -i.score, i.id) for i in answer.items]
            assert order == sorted(order)  # partner-only after the directly usable, each by score


def test_measures_beyond_the_setting_are_ignored_and_duplicates_count_once(
    builder: ProfileBuilder, catalog: Catalog
) -> None:
    org = organisation(builder, COMPANY, ESSEN)
    one = FundingSettings(recommended_measures=1)
    answer = recommend_funding(org, catalog, ["employee_charging", "employee_charging", *MEASURES], one, CHECKED)
    assert {tuple(i.funds_measures) for i in answer.items} <= {("employee_charging",), ()}
    charging = next(i for i in answer.items if i.id == "nrw_progres_staff_charging")
    assert next(r for r in charging.reasons if r.code == "measure_coverage").text.startswith("fördert 1 der 1 ")


def test_unknown_measure_is_an_input_error(builder: ProfileBuilder, catalog: Catalog) -> None:
    with pytest.raises(InputError) as info:
        recommend_funding(organisation(builder, COMPANY, ESSEN), catalog, ["teleporter_pool"], DEFAULTS, CHECKED)
    assert (info.value.field, info.value.code) == ("recommended_measures", "unknown_measure")


def test_deterministic_and_as_of_is_required(builder: ProfileBuilder, catalog: Catalog) -> None:
    org = organisation(builder, MUNICIPALITY, KOELN, 5000)
    reversed_catalog = catalog.model_copy(update={"funding": dict(reversed(catalog.funding.items()))})
    first = recommend_funding(org, catalog, MEASURES, DEFAULTS, CHECKED, include_ineligible=True)
    assert recommend_funding(org, catalog, MEASURES, DEFAULTS, CHECKED, include_ineligible=True) == first
    assert recommend_funding(org, reversed_catalog, MEASURES, DEFAULTS, CHECKED, include_ineligible=True) == first
    assert inspect.signature(recommend_funding).parameters["as_of"].default is inspect.Parameter.empty


# -- sector limits ---------------------------------------------------------------------------------------------
# No programme of the shipped catalogue is limited to sectors; FöRi-MM is limited to C and F here for the test.
LIMITED = "nrw_foeri_mm"


@pytest.fixture(scope="module")
def sector_limited(catalog: Catalog) -> Catalog:
    programme = catalog.funding[LIMITED]
    conditions = ProgrammeConditions.model_validate(
        {
            **programme.conditions.model_dump(),
            "sectors": ["C", "F"],
            "sources": {**programme.conditions.sources, "sectors": "Testannahme, nicht die Förderrichtlinie"},
        }
    )
    limited = programme.model_copy(update={"conditions": conditions})
    return catalog.model_copy(update={"funding": {**catalog.funding, LIMITED: limited}})


def _business(builder: ProfileBuilder, sector: str | None, kind: str = "company") -> Organisation:
    profile = OrganisationProfile.model_validate(
        {"kind": kind, "name": "Test", "sector": sector, "employees": 120, "postcode": ESSEN}
    )
    return builder.build(profile, f"{kind}-{sector}")


def _answer(catalog: Catalog, organisation: Organisation) -> FundingAnswer:
    return recommend_funding(organisation, catalog, MEASURES, DEFAULTS, CHECKED, include_ineligible=True)


def test_a_sector_limit_needs_a_source_and_known_sections(catalog: Catalog) -> None:
    data = catalog.funding[LIMITED].conditions.model_dump()
    with pytest.raises(ValueError, match="sectors has no source note"):
        ProgrammeConditions.model_validate({**data, "sectors": ["C"]})
    with pytest.raises(ValueError, match="sectors"):
        ProgrammeConditions.model_validate({**data, "sectors": ["Z"], "sources": {**data["sources"], "sectors": "x"}})


def test_a_business_of_a_listed_sector_is_eligible_and_told_the_limit(
    builder: ProfileBuilder, sector_limited: Catalog
) -> None:
    item = next(i for i in _answer(sector_limited, _business(builder, "C")).items if i.id == LIMITED)
    assert item.eligibility is Eligibility.ELIGIBLE
    conditions = {r.code: r.text for r in item.conditions}
    assert conditions["sectors"] == "nur für Betriebe der Branchen C (Verarbeitendes Gewerbe) und F (Baugewerbe)"


def test_a_business_of_another_sector_is_not_eligible(builder: ProfileBuilder, sector_limited: Catalog) -> None:
    answer = _answer(sector_limited, _business(builder, "G", kind="craft_business"))
    assert LIMITED not in ids(answer)
    assert why_not(answer, LIMITED) == {
        "sector": "nur für Betriebe der Branchen C (Verarbeitendes Gewerbe) und F (Baugewerbe)"
    }


def test_an_unknown_sector_is_listed_to_be_checked_after_the_certain_ones(
    builder: ProfileBuilder, catalog: Catalog, sector_limited: Catalog
) -> None:
    unknown = _business(builder, None)
    answer = _answer(sector_limited, unknown)
    item = next(i for i in answer.items if i.id == LIMITED)
    # Not excluded, not silently eligible: its own eligibility, the check among its conditions and its note.
    assert (item.eligible, item.eligibility, item.eligibility_label) == (
        True,
        Eligibility.SECTOR_UNCHECKED,
        "nicht geprüft: Branche unbekannt",
    )
    conditions = {r.code: r.text for r in item.conditions}
    assert conditions["sectors"].endswith("– nicht geprüft: Branche unbekannt")
    codes = [r.code for r in item.reasons]
    assert "direct_access" not in codes  # "direkt antragsberechtigt" is not known
    assert "sector_unchecked" in codes
    assert round(sum(r.weight for r in item.reasons), 4) == item.score > 0
    # Without the limit the same programme ranks first; with it, after every certainly usable programme.
    assert ids(_answer(catalog, unknown))[0] == LIMITED
    order = [(i.eligibility is not Eligibility.ELIGIBLE, -i.score, i.id) for i in answer.items]
    assert order == sorted(order)
    first_after = next(k for k, i in enumerate(answer.items) if i.eligibility is not Eligibility.ELIGIBLE)
    assert all(i.eligibility is Eligibility.ELIGIBLE for i in answer.items[:first_after])
    assert item.score > answer.items[first_after - 1].score  # placed below a lower score, and says why
    # The rest of the answer is as for a known sector.
    assert ids(_answer(catalog, unknown)) == ids(_answer(catalog, _business(builder, "C")))


def test_a_sector_limit_does_not_touch_public_bodies(builder: ProfileBuilder, sector_limited: Catalog) -> None:
    town = organisation(builder, MUNICIPALITY, ESSEN, 5000)
    item = next(i for i in _answer(sector_limited, town).items if i.id == LIMITED)
    assert item.eligibility is Eligibility.ELIGIBLE
    assert "sectors" not in {r.code for r in item.conditions}
