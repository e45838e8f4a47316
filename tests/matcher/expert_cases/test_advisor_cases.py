"""Advisor cases a BMM advisor would insist on: who answers for this place and kind, and what role it has.

Checked by hand against data/catalog/advisors.csv. The local Wirtschaftsförderung and transit operators of
issue 11 are not in the catalogue yet, so these cases expect only bodies on file.
"""

from __future__ import annotations

import pytest

from matcher.catalog import Catalog
from matcher.matching.advisors import AdvisorRole, recommend_advisors
from matcher.models import OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.settings import AdvisorSettings
from matcher.vocabulary import BUSINESS_KINDS, OrganisationKind, ProblemCode

K = OrganisationKind
TRANSIT = [ProblemCode.POOR_TRANSIT_ACCESS]

# (case, kind, postcode, issues, expected advisor ids, {id: role_label})
CASES = [
    ("craft_koeln", K.CRAFT_BUSINESS, "50667", [], {"hwk_koeln"}, {"hwk_koeln": "zuständige Kammer"}),
    ("company_koeln_transit", K.COMPANY, "50667", TRANSIT, {"ihk_koeln", "vrs"}, {"vrs": "Verkehrsverbund"}),
    (
        "company_esslingen",
        K.COMPANY,
        "73728",
        TRANSIT,
        {"ihk_region_stuttgart", "ihk_rs_bk_esslingen_nuertingen", "wrs", "vvs"},
        {"wrs": "Wirtschaftsförderung", "vvs": "Verkehrsverbund"},
    ),
    ("municipality_koeln", K.MUNICIPALITY, "50667", [], {"znm_ks_rheinland"}, {}),
    ("craft_dortmund", K.CRAFT_BUSINESS, "44137", [], {"hwk_dortmund", "whkt_mobilityhub"}, {}),
    ("company_essen_transit", K.COMPANY, "45127", TRANSIT, {"ihk_essen", "vrr"}, {}),
    (
        "company_hagen_funders",
        K.COMPANY,
        "58452",
        [],
        {"ihk_mittleres_ruhrgebiet", "balm", "munv_nrw"},
        {"balm": "Fördermittelgeber", "munv_nrw": "Ministerium – Programmgeber"},
    ),
    ("company_stuttgart_ministry", K.COMPANY, "70173", [], {"vm_bw"}, {"vm_bw": "Ministerium – Programmgeber"}),
    ("company_aachen_transit", K.COMPANY, "52062", TRANSIT, {"ihk_aachen", "avv"}, {}),
]


@pytest.mark.parametrize(
    ("kind", "postcode", "issues", "expected", "labels"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_advisor_case(
    builder: ProfileBuilder,
    catalog: Catalog,
    kind: OrganisationKind,
    postcode: str,
    issues: list[ProblemCode],
    expected: set[str],
    labels: dict[str, str],
) -> None:
    profile = OrganisationProfile(
        kind=kind,
        name="Test",
        sector="C" if kind in BUSINESS_KINDS else None,
        employees=80,
        postcode=postcode,
        issues=issues,
    )
    answer = recommend_advisors(
        builder.build(profile, "case"), catalog, AdvisorSettings(), builder.reference.geo.kreis_naming
    )
    by_id = {item.id: item for item in answer.items}
    assert expected <= set(by_id), sorted(by_id)
    assert {i: by_id[i].role_label for i in labels} == labels
    assert answer.covered
    for item in answer.items:
        if item.role is AdvisorRole.FUNDING_AGENCY:
            assert not any(reason.text.startswith("berät") for reason in item.reasons)
