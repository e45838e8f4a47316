"""Funding cases a German BMM advisor would insist on (issue 11): one small data row per case, reusable by
``bmm evaluate``. Each row: a profile (kind, postcode, headcount, recommended measures, date) and the expected
answer for one programme — eligibility code (None: not listed), fragments of the rate text for THIS applicant,
condition texts, and whether it must rank below every directly usable programme."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from matcher.catalog import Catalog
from matcher.matching.funding import Eligibility, FundingAnswer, recommend_funding
from matcher.models import OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.settings import FundingSettings
from matcher.vocabulary import BUSINESS_KINDS, OrganisationKind

TODAY = date(2026, 12, 4)
DORTMUND, ESSEN, KOELN, STUTTGART, ESSLINGEN, FREIBURG = "44135", "45127", "50667", "70173", "73728", "79098"
COMPANY, CRAFT = OrganisationKind.COMPANY, OrganisationKind.CRAFT_BUSINESS
MUNICIPALITY = OrganisationKind.MUNICIPALITY
ELIGIBLE, PARTNER = Eligibility.ELIGIBLE, Eligibility.PARTNER_ONLY
STATION = ["estate_mobility_station", "secure_bike_parking", "safe_access_routes"]
CARGO = ["cargo_bikes_commercial"]
CHARGING = ["employee_charging"]
CONSULTING = ["mobility_concept_consulting", "mobility_survey"]


@dataclass(frozen=True)
class FundingCase:
    id: str
    kind: OrganisationKind
    postcode: str
    employees: int
    measures: list[str]
    programme: str
    eligibility: Eligibility | None  # None: not listed (not eligible or not available)
    rate_has: list[str] = field(default_factory=list)
    conditions_have: list[str] = field(default_factory=list)
    below_direct: bool = False
    why_not_has: str | None = None
    as_of: date = TODAY


CASES = [
    FundingCase("efre_large_manufacturer", COMPANY, DORTMUND, 1467, STATION,
                "nrw_efre_nachhaltige_staedtische_mobilitaet", None, why_not_has="nur bis 249 Beschäftigte"),
    FundingCase("efre_sme_only_as_partner", COMPANY, DORTMUND, 120, STATION,
                "nrw_efre_nachhaltige_staedtische_mobilitaet", PARTNER,
                conditions_have=["nur im Verbund unter Federführung einer Kommune", "Mindestprojektvolumen 200.000 €",
                                 "Maßnahmen aus einem kommunalen oder regionalen Mobilitätsplan (SUMP)"],
                below_direct=True),
    FundingCase("efre_municipality_80", MUNICIPALITY, DORTMUND, 3000, STATION,
                "nrw_efre_nachhaltige_staedtische_mobilitaet", ELIGIBLE,
                rate_has=["bis 80 % für Gemeinde / Stadt", "90 % für Kommunen ohne ausgeglichenen Haushalt"]),
    FundingCase("cargo_craft_30", CRAFT, ESSEN, 12, CARGO, "nrw_progres_cargo_bikes", ELIGIBLE,
                rate_has=["bis 30 % für Handwerksbetrieb", "höchstens 2.100 €"],
                conditions_have=["De-minimis-Beihilfe: zählt auf die De-minimis-Grenze des Betriebs an"]),
    FundingCase("cargo_municipality_60", MUNICIPALITY, KOELN, 800, CARGO, "nrw_progres_cargo_bikes", ELIGIBLE,
                rate_has=["bis 60 % für Gemeinde / Stadt", "höchstens 4.200 €"]),
    FundingCase("bafa_not_for_municipalities", MUNICIPALITY, KOELN, 800, CARGO, "bafa_e_lastenfahrrad", None,
                why_not_has="nicht für Gemeinde / Stadt"),
    FundingCase("bafa_craft_25", CRAFT, STUTTGART, 8, CARGO, "bafa_e_lastenfahrrad", ELIGIBLE,
                rate_has=["bis 25 %", "höchstens 3.500 €"]),
    FundingCase("krl_company_needs_municipal_share", COMPANY, ESSEN, 300, STATION,
                "nki_kommunalrichtlinie_mobilitaet", ELIGIBLE,
                conditions_have=["nur mit mindestens 25 % kommunaler Beteiligung"], below_direct=True),
    FundingCase("wrs_in_region_stuttgart", COMPANY, ESSLINGEN, 150, CONSULTING, "wrs_bmm_impulsprogramm", ELIGIBLE,
                conditions_have=["nur für Standorte in: Region Stuttgart"]),
    FundingCase("wrs_not_in_freiburg", COMPANY, FREIBURG, 150, CONSULTING, "wrs_bmm_impulsprogramm", None,
                why_not_has="Region Stuttgart"),
    FundingCase("stuttgart_city_advice_not_in_esslingen", COMPANY, ESSLINGEN, 150, CONSULTING,
                "stuttgart_city_bmm_consulting", None, why_not_has="Stadtkreis Stuttgart"),
    FundingCase("staff_charging_large_firm_20", COMPANY, DORTMUND, 1467, CHARGING, "nrw_progres_staff_charging",
                ELIGIBLE, rate_has=["bis 20 % für Unternehmen", "höchstens 1.500 € je Ladepunkt"]),
    FundingCase("staff_charging_sme_40", COMPANY, DORTMUND, 120, CHARGING, "nrw_progres_staff_charging", ELIGIBLE,
                rate_has=["bis 40 % für Unternehmen"]),
    FundingCase("breite_small_firm_60", COMPANY, DORTMUND, 20, ["secure_bike_parking"],
                "bmdv_bmm_breitenfoerderung", ELIGIBLE, rate_has=["bis 60 %"],
                conditions_have=["nur mit vorhandenem betrieblichem Mobilitätskonzept"], as_of=date(2023, 6, 1)),
    FundingCase("breite_medium_firm_50", COMPANY, DORTMUND, 120, ["secure_bike_parking"],
                "bmdv_bmm_breitenfoerderung", ELIGIBLE, rate_has=["bis 50 %"], as_of=date(2023, 6, 1)),
    FundingCase("foeri_nah_inside_window", MUNICIPALITY, KOELN, 800, STATION, "nrw_foeri_nah", ELIGIBLE,
                rate_has=["bis 80 %"], as_of=date(2026, 3, 1)),
    FundingCase("foeri_nah_window_ended", MUNICIPALITY, KOELN, 800, STATION, "nrw_foeri_nah", None,
                why_not_has="geschlossen seit 31.05.2026"),
    FundingCase("lgvfg_firm_via_municipality", COMPANY, STUTTGART, 200, ["safe_access_routes"], "bw_lgvfg", PARTNER,
                conditions_have=["nur über die Kommune: die Kommune beantragt, der Betrieb wirkt mit"],
                below_direct=True),
    FundingCase("b2mm_small_craft_60", CRAFT, STUTTGART, 30, CONSULTING, "bw_b2mm", ELIGIBLE, rate_has=["bis 60 %"]),
    FundingCase("dienstrad_is_a_tax_rule", COMPANY, DORTMUND, 120, ["bike_leasing_salary_conversion"],
                "dienstrad_tax_rules", ELIGIBLE, rate_has=["kein Zuschuss"]),
    FundingCase("jobticket_is_a_discount", CRAFT, ESSEN, 12, ["deutschlandticket_job"], "deutschlandticket_job",
                ELIGIBLE, rate_has=["kein Zuschuss: 5 % Rabatt"]),
]  # fmt: skip


def answer_for(case: FundingCase, builder: ProfileBuilder, catalog: Catalog) -> FundingAnswer:
    sector = "C" if case.kind in BUSINESS_KINDS else None
    profile = OrganisationProfile(
        kind=case.kind, name=case.id, sector=sector, employees=case.employees, postcode=case.postcode
    )
    organisation = builder.build(profile, case.id)
    return recommend_funding(organisation, catalog, case.measures, FundingSettings(), case.as_of, True)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_funding_case(case: FundingCase, builder: ProfileBuilder, catalog: Catalog) -> None:
    answer = answer_for(case, builder, catalog)
    listed = {item.id: item for item in answer.items}
    if case.eligibility is None:
        assert case.programme not in listed
        item = next(i for i in answer.ineligible if i.id == case.programme)
        assert item.eligibility is Eligibility.NOT_ELIGIBLE
        assert case.why_not_has is not None
        assert any(case.why_not_has in r.text for r in item.ineligible_reasons), item.ineligible_reasons
        return
    item = listed[case.programme]
    assert item.eligibility is case.eligibility
    for fragment in case.rate_has:
        assert fragment in item.rate_text, item.rate_text
    texts = [c.text for c in item.conditions]
    for condition in case.conditions_have:
        assert condition in texts, texts
    assert item.score == round(sum(r.weight for r in item.reasons), 4)
    if case.below_direct:
        assert "indirect" in {r.code for r in item.reasons}
        direct = [i for i in answer.items if i.funds_measures and "direct_access" in {r.code for r in i.reasons}]
        assert all(i.score > item.score for i in direct)
    if not item.is_grant:  # a discount or tax rule never reads like a grant
        assert all(not r.text.startswith("fördert") for r in item.reasons)


def test_grants_never_list_payroll_bike_leasing(builder: ProfileBuilder, catalog: Catalog) -> None:
    case = FundingCase("x", COMPANY, DORTMUND, 120, ["bike_leasing_salary_conversion"], "", ELIGIBLE)
    answer = answer_for(case, builder, catalog)
    funding_it = [i.id for i in answer.items if i.funds_measures]
    assert funding_it == ["dienstrad_tax_rules"]
