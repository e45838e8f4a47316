"""Expert cases for leads (``bmm evaluate``): hand-made organisations in and around the IHK Dortmund's
territory (Dortmund, Hamm, Kreis Unna) with answers a BMM advisor would give."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from matcher.index import OrganisationIndex
from matcher.models import Organisation, OrganisationProfile
from matcher.planning.leads import LeadAnswer, recommend_leads
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.vectorise import Vectoriser, fit_vectoriser

AS_OF = date(2026, 11, 23)
SEVERE = ["parking_shortage", "shift_work", "long_commutes", "poor_transit_access", "data_gap", "high_car_share"]

# id -> profile fields; all synthetic, at real places.
LEAD_PROFILES: dict[str, dict[str, Any]] = {
    # Dortmund harbour: a large plant with many problems and nothing done yet.
    "large-plant": {"employees": 900, "lat": 51.5300, "lon": 7.4400, "issues": SEVERE, "shift_work": True},
    # Unna: a small office whose measures in place address both of its problems.
    "small-solved": {
        "employees": 8, "lat": 51.5347, "lon": 7.6889, "issues": ["parking_shortage", "high_car_share"],
        "measures_in_place": ["carpool_priority_parking"], "visible_to_peers": True,
    },
    # Hamm: medium firm, two problems, nothing in place.
    "hamm-firm": {"employees": 120, "postcode": "59065", "issues": ["parking_shortage", "commuting_costs_for_staff"]},
    # Bochum (IHK Mittleres Ruhrgebiet): large and severe, but outside the IHK Dortmund's territory.
    "bochum-outside": {"employees": 1500, "lat": 51.4818, "lon": 7.2162, "issues": SEVERE},
    # Dortmund: a large craft business: not a member of an IHK.
    "craft-dortmund": {
        "kind": "craft_business", "sector": "F", "employees": 400, "postcode": "44135", "issues": SEVERE,
    },
    # A role model 1.5 km from the plant, visible to peers, with carpool matching in place.
    "role-model": {
        "employees": 300, "lat": 51.5400, "lon": 7.4600, "issues": ["parking_shortage", "long_commutes"],
        "measures_in_place": ["carpool_matching"], "visible_to_peers": True, "name": "Vorbild Logistik Dortmund",
    },
    # Closer still, but not visible to peers: must never be named.
    "hidden-model": {
        "employees": 300, "lat": 51.5310, "lon": 7.4420, "issues": ["parking_shortage", "long_commutes"],
        "measures_in_place": ["carpool_matching", "site_accessibility_audit"], "name": "Verdeckt GmbH",
    },
}  # fmt: skip


@dataclass(frozen=True)
class LeadWorld:
    reference: ReferenceData
    settings: MatcherSettings
    organisations: dict[str, Organisation]
    vectoriser: Vectoriser
    index: OrganisationIndex

    def leads(self, advisor_id: str, *, as_of: date = AS_OF, **options: Any) -> LeadAnswer:
        return recommend_leads(
            advisor_id, self.index, self.organisations, self.vectoriser, self.reference.catalog, self.settings,
            as_of=as_of, kreis_naming=self.reference.geo.kreis_naming, **options,
        )  # fmt: skip

    def ids(self, advisor_id: str, **options: Any) -> list[str]:
        return [lead.id for lead in self.leads(advisor_id, limit=100, **options).items]


def build_lead_world(
    reference: ReferenceData, settings: MatcherSettings, profiles: dict[str, dict[str, Any]] | None = None
) -> LeadWorld:
    """A small index of hand-made organisations (``LEAD_PROFILES`` by default) with its own fitted vectoriser."""
    builder = ProfileBuilder(reference, settings)
    organisations = {}
    for organisation_id, fields in (profiles or LEAD_PROFILES).items():
        data = {"kind": "company", "name": f"{organisation_id} (synthetisch)", "sector": "C", "synthetic": True}
        profile = OrganisationProfile.model_validate({**data, **fields})
        organisations[organisation_id] = builder.build(profile, organisation_id)
    vectoriser = fit_vectoriser(list(organisations.values()), settings.vectors)
    index = OrganisationIndex.build(list(organisations.values()), vectoriser, reference.catalog)
    return LeadWorld(reference, settings, organisations, vectoriser, index)


def _large_before_small(world: LeadWorld) -> bool:
    ids = world.ids("ihk_dortmund")
    return {"large-plant", "small-solved"} <= set(ids) and ids.index("large-plant") < ids.index("small-solved")


def _large_plant_is_fundable(world: LeadWorld) -> bool:
    lead = next(lead for lead in world.leads("ihk_dortmund").items if lead.id == "large-plant")
    return any(reason.code == "fundable" and reason.weight > 0 for reason in lead.reasons)


def _outside_never_appears(world: LeadWorld) -> bool:
    return "bochum-outside" not in world.ids("ihk_dortmund") and "bochum-outside" in world.ids(
        "ihk_mittleres_ruhrgebiet"
    )


def _unserved_kind_never_appears(world: LeadWorld) -> bool:
    return "craft-dortmund" not in world.ids("ihk_dortmund") and "craft-dortmund" in world.ids("hwk_dortmund")


def _three_german_talking_points(world: LeadWorld) -> bool:
    prefixes = ("Einstieg: ", "Förderung: ", "Vorbild in der Nähe: ")
    items = world.leads("ihk_dortmund", limit=100).items
    return bool(items) and all(
        len(lead.talking_points) == 3
        and all(point.startswith(prefix) for point, prefix in zip(lead.talking_points, prefixes, strict=True))
        for lead in items
    )


def _role_model_visible_only(world: LeadWorld) -> bool:
    lead = next(lead for lead in world.leads("ihk_dortmund").items if lead.id == "large-plant")
    peer_point = lead.talking_points[2]
    return "Vorbild Logistik Dortmund" in peer_point and "Verdeckt" not in peer_point


LEAD_CASES: dict[str, Callable[[LeadWorld], bool]] = {
    "large, severe, unaddressed, fundable firm before a small firm with its problems solved": _large_before_small,
    "large plant is fundable (an open NRW grant funds a top measure)": _large_plant_is_fundable,
    "organisation outside the territory never appears (Bochum for the IHK Dortmund)": _outside_never_appears,
    "kind not served never appears (craft business for the IHK, but for the HWK)": _unserved_kind_never_appears,
    "three German talking points: measure, funding, role model": _three_german_talking_points,
    "role model named only when visible to peers": _role_model_visible_only,
}


def evaluate_leads(reference: ReferenceData, settings: MatcherSettings) -> tuple[int, int, list[str]]:
    """(cases, passed, names of the failed cases), in ``LEAD_CASES`` order."""
    world = build_lead_world(reference, settings)
    failed = [name for name, case in LEAD_CASES.items() if not case(world)]
    return len(LEAD_CASES), len(LEAD_CASES) - len(failed), failed
