"""The access policy (service/access.py, docs/privacy.md): every role against own, visible and hidden data."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from matcher.catalog import Catalog
from matcher.models import Organisation
from matcher.planning.clusters.models import Cluster, EstateCount, MunicipalityCount, RegionFilter
from service.access import (
    CONTACT_FIELDS,
    PUBLIC_FIELDS,
    AccessDenied,
    AccessPolicy,
    Capability,
    Denial,
    ProfileView,
    redact_profile,
)
from service.auth import Principal, Role
from tests.service.conftest import OrganisationFactory

WITTEN = {"lat": 51.4434, "lon": 7.3526}  # Witten 05954036, Ennepe-Ruhr-Kreis 05954, NRW (the factory default)
DORTMUND = {"lat": 51.5136, "lon": 7.4653}  # Dortmund 05913000, NRW
STUTTGART = {"lat": 48.7758, "lon": 9.1829}  # Stuttgart 08111000, BW

EMAIL = "geheim.kontakt@beispiel.de"
PHONE = "+49 2302 123456"
PERSON = "Erika Vertraulich"
ADDRESS = "Geheimweg 7, 58452 Witten"

PRINCIPALS: dict[str, Principal | None] = {
    "anonymous": None,
    "admin": Principal("key-admin", Role.ADMIN, None),
    "own": Principal("key-own", Role.ORGANISATION, "org-own"),
    "other_org": Principal("key-other", Role.ORGANISATION, "org-elsewhere"),
    "advisor_in": Principal("key-adv-in", Role.ADVISOR, "ihk_mittleres_ruhrgebiet"),  # covers Witten, companies
    "advisor_out": Principal("key-adv-out", Role.ADVISOR, "ihk_region_stuttgart"),
    "planner_land": Principal("key-pl-nw", Role.PLANNER, "DE-NW"),
    "planner_other_land": Principal("key-pl-bw", Role.PLANNER, "DE-BW"),
    "planner_kreis": Principal("key-pl-en", Role.PLANNER, "05954"),
    "planner_other_kreis": Principal("key-pl-do", Role.PLANNER, "05913"),
}


@pytest.fixture(scope="module")
def policy(catalog: Catalog) -> AccessPolicy:
    return AccessPolicy(catalog)


def _contact() -> dict[str, Any]:
    return {"name": PERSON, "email": EMAIL, "phone": PHONE}


@pytest.fixture
def orgs(make_organisation: OrganisationFactory) -> dict[str, Organisation]:
    """All in Witten: the caller's own (hidden, no consent) and others in each consent combination."""

    def make(org_id: str, name: str, visible: bool, shareable: bool, **extra: Any) -> Organisation:
        return make_organisation(
            id=org_id,
            name=name,
            visible_to_peers=visible,
            contact_shareable=shareable,
            contact=_contact(),
            address=ADDRESS,
            **extra,
        )

    return {
        "own": make("org-own", "Eigene Firma GmbH", False, False),
        "visible_shared": make("org-vs", "Sichtbar Teilend GmbH", True, True),
        "visible_private": make("org-vp", "Sichtbar Verschlossen GmbH", True, False),
        "invisible_shared": make("org-is", "Unsichtbar Teilend GmbH", False, True),
        "invisible_private": make("org-ip", "Unsichtbar Verschlossen GmbH", False, False),
    }


def _flat(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# -- roles and capabilities ---------------------------------------------------------------------------

ROLE_TABLE: dict[Capability, set[str]] = {
    Capability.MATCH: {"anonymous", "admin", "own", "advisor_in", "planner_land"},
    Capability.MATCH_WITH_PEERS: {"admin", "own", "advisor_in"},
    Capability.READ_PROFILE: {"admin", "own", "advisor_in", "planner_land"},
    Capability.WRITE_PROFILE: {"admin", "own"},
    Capability.PEERS: {"admin", "own", "advisor_in"},
    Capability.RECOMMENDATIONS: {"admin", "own", "advisor_in"},
    Capability.BRIEF: {"admin", "own", "advisor_in"},
    Capability.LEADS: {"admin", "advisor_in"},
    Capability.CLUSTERS: {"admin", "advisor_in", "planner_land"},
    Capability.FEEDBACK: {"admin", "own", "advisor_in"},
    Capability.RESIDENCES_UPLOAD: {"admin", "own"},
    Capability.RESIDENCES: {"admin", "own", "advisor_in"},
    Capability.RESIDENCES_POOLED: {"admin", "advisor_in", "planner_land"},
    Capability.LEARNING: {"admin"},
}


@pytest.mark.parametrize("capability", list(Capability))
@pytest.mark.parametrize("who", ["anonymous", "admin", "own", "advisor_in", "planner_land"])
def test_may_request_follows_the_role_table(policy: AccessPolicy, capability: Capability, who: str) -> None:
    assert policy.may_request(PRINCIPALS[who], capability) == (who in ROLE_TABLE[capability])


def test_require_is_401_without_key_and_403_for_a_role_without_the_capability(policy: AccessPolicy) -> None:
    assert policy.require(None, Capability.MATCH) is None
    with pytest.raises(AccessDenied) as anonymous:
        policy.require(None, Capability.MATCH_WITH_PEERS)
    assert anonymous.value.kind is Denial.UNAUTHENTICATED
    assert anonymous.value.status_code == 401
    assert "API-Schlüssel" in anonymous.value.detail
    with pytest.raises(AccessDenied) as planner:
        policy.require(PRINCIPALS["planner_land"], Capability.PEERS)
    assert planner.value.status_code == 403
    assert "Die Rolle 'planner' darf 'peers' nicht" in planner.value.detail


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", False),
        ("admin", True),
        ("advisor_in", True),
        ("advisor_out", True),
        ("own", False),
        ("planner_land", False),
        ("planner_kreis", False),
    ],
)
def test_only_admins_and_advisors_see_invisible_peers(policy: AccessPolicy, who: str, expected: bool) -> None:
    assert policy.include_invisible_peers(PRINCIPALS[who]) is expected


def test_peer_results_keep_hidden_peers_only_for_admins_and_advisors(
    policy: AccessPolicy, orgs: dict[str, Organisation]
) -> None:
    hidden, shown = orgs["invisible_private"], orgs["visible_private"]
    assert policy.peer_visible(PRINCIPALS["own"], shown)
    assert not policy.peer_visible(PRINCIPALS["own"], hidden)
    assert policy.peer_visible(PRINCIPALS["advisor_out"], hidden)
    assert policy.peer_visible(PRINCIPALS["admin"], hidden)


# -- profiles ----------------------------------------------------------------------------------------

F, P, N = ProfileView.FULL, ProfileView.PUBLIC, ProfileView.NONE
# who -> view of (own, visible_shared, visible_private, invisible_shared, invisible_private)
VIEW_MATRIX: dict[str, tuple[ProfileView, ...]] = {
    "anonymous": (N, N, N, N, N),
    "admin": (F, F, F, F, F),
    "own": (F, N, N, N, N),
    "other_org": (N, N, N, N, N),
    "advisor_in": (F, F, F, F, F),
    "advisor_out": (F, F, F, F, F),  # advisors read every profile; contacts only in their territory
    "planner_land": (N, P, P, N, N),
    "planner_other_land": (N, N, N, N, N),
    "planner_kreis": (N, P, P, N, N),
    "planner_other_kreis": (N, N, N, N, N),
}
# who -> contact visible for the same five organisations
CONTACT_MATRIX: dict[str, tuple[bool, ...]] = {
    "anonymous": (False, False, False, False, False),
    "admin": (True, True, True, True, True),
    "own": (True, True, False, False, False),  # peers: visible and shared only
    "other_org": (False, True, False, False, False),
    "advisor_in": (False, True, False, True, False),  # consent and territory
    "advisor_out": (False, False, False, False, False),  # consent, but outside its territory
    "planner_land": (False, True, False, False, False),  # consent and a name it may see
    "planner_other_land": (False, False, False, False, False),
    "planner_kreis": (False, True, False, False, False),
    "planner_other_kreis": (False, False, False, False, False),
}
ORG_ORDER = ("own", "visible_shared", "visible_private", "invisible_shared", "invisible_private")


@pytest.mark.parametrize("who", list(VIEW_MATRIX))
def test_profile_view_matrix(policy: AccessPolicy, orgs: dict[str, Organisation], who: str) -> None:
    views = tuple(policy.profile_view(PRINCIPALS[who], orgs[name]) for name in ORG_ORDER)
    assert views == VIEW_MATRIX[who]


@pytest.mark.parametrize("who", list(CONTACT_MATRIX))
def test_contact_visibility_matrix(policy: AccessPolicy, orgs: dict[str, Organisation], who: str) -> None:
    visible = tuple(policy.contact_visible(PRINCIPALS[who], orgs[name]) for name in ORG_ORDER)
    assert visible == CONTACT_MATRIX[who]


@pytest.mark.parametrize("who", list(VIEW_MATRIX))
def test_profiles_carry_contact_data_exactly_when_visible(
    policy: AccessPolicy, orgs: dict[str, Organisation], who: str
) -> None:
    principal = PRINCIPALS[who]
    for name in ORG_ORDER:
        organisation = orgs[name]
        profile = policy.profile_for(principal, organisation)
        if policy.profile_view(principal, organisation) is ProfileView.NONE:
            assert profile is None
            continue
        assert profile is not None
        text = _flat(profile)
        leaked = [secret for secret in (EMAIL, PHONE, PERSON, ADDRESS) if secret in text]
        if policy.contact_visible(principal, organisation):
            assert profile["contact"] == _contact()
            assert profile["address"] == ADDRESS
        else:
            assert profile["contact"] is None
            assert profile["address"] is None
            assert leaked == []


def test_planners_see_names_and_locations_only(policy: AccessPolicy, orgs: dict[str, Organisation]) -> None:
    profile = policy.profile_for(PRINCIPALS["planner_land"], orgs["visible_private"])
    assert profile is not None
    assert set(profile) == set(PUBLIC_FIELDS) | set(CONTACT_FIELDS)
    assert profile["name"] == "Sichtbar Verschlossen GmbH"
    assert profile["location"]["kreis_code"] == "05954"
    for private in ("employees", "issues", "measures_in_place", "sector", "postcode", "features", "lat"):
        assert private not in profile


def test_full_profile_has_derived_fields_and_withholds_contact_without_consent(
    policy: AccessPolicy, orgs: dict[str, Organisation]
) -> None:
    profile = policy.profile_for(PRINCIPALS["advisor_in"], orgs["invisible_private"])
    assert profile is not None
    assert profile["location"]["municipality_name"] == "Witten"
    assert "station_distance_km" in profile["features"]
    assert profile["employees"] == 120
    assert profile["issues"] == ["parking_shortage", "shift_work"]
    assert profile["contact"] is None
    assert profile["address"] is None
    own = policy.profile_for(PRINCIPALS["own"], orgs["own"])
    assert own is not None
    assert own["contact"] == _contact()  # its own contact, consent or not
    assert own["visible_to_peers"] is False


def test_redact_profile_has_no_representation_for_none(orgs: dict[str, Organisation]) -> None:
    with pytest.raises(ValueError, match="NONE"):
        redact_profile(orgs["own"], ProfileView.NONE, contact_visible=False)


def test_shared_contact_for_peer_and_lead_results(policy: AccessPolicy, orgs: dict[str, Organisation]) -> None:
    assert policy.shared_contact(PRINCIPALS["own"], orgs["visible_shared"]) == {
        "contact": _contact(),
        "address": ADDRESS,
    }
    assert policy.shared_contact(PRINCIPALS["own"], orgs["invisible_shared"]) is None
    assert policy.shared_contact(PRINCIPALS["own"], orgs["visible_private"]) is None
    assert policy.shared_contact(None, orgs["visible_shared"]) is None


# -- regions and territories ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "place", "inside"),
    [
        ("DE-NW", WITTEN, True),
        ("DE-NW", STUTTGART, False),
        ("DE-BW", STUTTGART, True),
        ("DE-BW", DORTMUND, False),
        ("05954", WITTEN, True),
        ("05954", DORTMUND, False),
        ("05913", DORTMUND, True),
        ("08111", STUTTGART, True),
        ("08111", WITTEN, False),
    ],
)
def test_planner_region_by_land_and_by_kreis(
    policy: AccessPolicy, make_organisation: OrganisationFactory, subject: str, place: dict[str, float], inside: bool
) -> None:
    organisation = make_organisation(visible_to_peers=True, **place)
    planner = Principal("key-pl", Role.PLANNER, subject)
    assert policy.in_region(planner, organisation) is inside
    assert policy.profile_view(planner, organisation) is (ProfileView.PUBLIC if inside else ProfileView.NONE)


def test_in_region_is_false_for_other_roles(policy: AccessPolicy, orgs: dict[str, Organisation]) -> None:
    for who in ("anonymous", "admin", "own", "advisor_in"):
        assert not policy.in_region(PRINCIPALS[who], orgs["visible_shared"])


@pytest.mark.parametrize(
    ("advisor_id", "kind", "place", "inside"),
    [
        ("ihk_mittleres_ruhrgebiet", "company", WITTEN, True),  # Witten is one of its municipalities
        ("ihk_mittleres_ruhrgebiet", "craft_business", WITTEN, False),  # a kind it does not serve
        ("sihk_hagen", "company", WITTEN, False),  # its Kreis, but Witten is excluded
        ("ihk_dortmund", "company", DORTMUND, True),
        ("ihk_dortmund", "company", WITTEN, False),
        ("hwk_dortmund", "craft_business", WITTEN, True),
        ("ihk_bemo", "company", DORTMUND, True),  # statewide NRW
        ("ihk_bemo", "company", STUTTGART, False),
        ("balm", "company", STUTTGART, True),  # nationwide
        ("no_such_advisor", "company", WITTEN, False),
    ],
)
def test_advisor_territory_is_coverage_and_kind_served(
    policy: AccessPolicy,
    make_organisation: OrganisationFactory,
    advisor_id: str,
    kind: str,
    place: dict[str, float],
    inside: bool,
) -> None:
    organisation = make_organisation(kind=kind, contact_shareable=True, contact=_contact(), **place)
    advisor = Principal("key-adv", Role.ADVISOR, advisor_id)
    assert policy.in_territory(advisor, organisation) is inside
    assert policy.contact_visible(advisor, organisation) is inside
    assert policy.profile_view(advisor, organisation) is ProfileView.FULL


def test_in_territory_is_false_for_other_roles(policy: AccessPolicy, orgs: dict[str, Organisation]) -> None:
    for who in ("anonymous", "admin", "own", "planner_land"):
        assert not policy.in_territory(PRINCIPALS[who], orgs["visible_shared"])


# -- requests on one organisation ----------------------------------------------------------------------


def test_other_organisations_are_404_with_the_message_of_an_unknown_id(
    policy: AccessPolicy, orgs: dict[str, Organisation]
) -> None:
    own = PRINCIPALS["own"]
    for capability in (Capability.READ_PROFILE, Capability.PEERS, Capability.BRIEF, Capability.RECOMMENDATIONS):
        assert policy.require_organisation(own, capability, "org-own", orgs["own"]) is ProfileView.FULL
        with pytest.raises(AccessDenied) as hidden:
            policy.require_organisation(own, capability, "org-vs", orgs["visible_shared"])
        with pytest.raises(AccessDenied) as unknown:
            policy.require_organisation(own, capability, "org-vs", None)
        assert hidden.value.kind is unknown.value.kind is Denial.NOT_FOUND
        assert hidden.value.status_code == 404
        assert hidden.value.detail == unknown.value.detail
        assert "nicht gefunden" in hidden.value.detail


def test_writes_are_for_admins_and_the_own_key_stored_or_not(
    policy: AccessPolicy, orgs: dict[str, Organisation]
) -> None:
    write = Capability.WRITE_PROFILE
    assert policy.require_organisation(PRINCIPALS["own"], write, "org-own", None) is ProfileView.FULL  # create
    assert policy.require_organisation(PRINCIPALS["own"], write, "org-own", orgs["own"]) is ProfileView.FULL
    assert policy.require_organisation(PRINCIPALS["admin"], write, "org-vs", orgs["visible_shared"]) is ProfileView.FULL
    with pytest.raises(AccessDenied) as other:
        policy.require_organisation(PRINCIPALS["own"], write, "org-vs", orgs["visible_shared"])
    assert other.value.kind is Denial.NOT_FOUND
    for who, status in (("advisor_in", 403), ("planner_land", 403), ("anonymous", 401)):
        with pytest.raises(AccessDenied) as denied:
            policy.require_organisation(PRINCIPALS[who], write, "org-own", orgs["own"])
        assert denied.value.status_code == status
    assert policy.can_write_profile(PRINCIPALS["own"], "org-own")
    assert not policy.can_write_profile(PRINCIPALS["own"], "org-vs")
    assert not policy.can_write_profile(None, "org-own")


def test_role_denials_come_before_lookups_so_unknown_ids_are_not_told_apart(policy: AccessPolicy) -> None:
    with pytest.raises(AccessDenied) as denied:
        policy.require_organisation(PRINCIPALS["planner_land"], Capability.BRIEF, "does-not-exist", None)
    assert denied.value.kind is Denial.FORBIDDEN


def test_planner_reads_visible_organisations_of_its_region_only(
    policy: AccessPolicy, orgs: dict[str, Organisation]
) -> None:
    planner = PRINCIPALS["planner_kreis"]
    read = Capability.READ_PROFILE
    assert policy.require_organisation(planner, read, "org-vp", orgs["visible_private"]) is ProfileView.PUBLIC
    with pytest.raises(AccessDenied) as hidden:
        policy.require_organisation(planner, read, "org-ip", orgs["invisible_private"])
    assert hidden.value.kind is Denial.NOT_FOUND
    with pytest.raises(AccessDenied) as elsewhere:
        policy.require_organisation(PRINCIPALS["planner_other_kreis"], read, "org-vp", orgs["visible_private"])
    assert elsewhere.value.kind is Denial.NOT_FOUND


def test_a_mismatched_id_is_not_found(policy: AccessPolicy, orgs: dict[str, Organisation]) -> None:
    with pytest.raises(AccessDenied):
        policy.require_organisation(PRINCIPALS["admin"], Capability.READ_PROFILE, "org-x", orgs["own"])


def test_require_organisation_rejects_other_capabilities(policy: AccessPolicy) -> None:
    with pytest.raises(ValueError, match="not a capability on one organisation"):
        policy.require_organisation(PRINCIPALS["admin"], Capability.CLUSTERS, "org-own", None)


# -- listing -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", list(VIEW_MATRIX))
def test_listing_scope_agrees_with_profile_view(policy: AccessPolicy, orgs: dict[str, Organisation], who: str) -> None:
    principal = PRINCIPALS[who]
    scope = policy.listing_scope(principal)
    for organisation in orgs.values():
        assert scope.admits(organisation) == (policy.profile_view(principal, organisation) is not ProfileView.NONE)


def test_planners_get_counts_for_the_rest_others_get_nothing_of_it(
    policy: AccessPolicy, orgs: dict[str, Organisation], make_organisation: OrganisationFactory
) -> None:
    everything = [*orgs.values(), make_organisation(id="org-stg", visible_to_peers=False, **STUTTGART)]
    shown, hidden = policy.partition(PRINCIPALS["planner_land"], everything)
    assert [o.id for o in shown] == ["org-vs", "org-vp"]
    assert hidden == 3  # own, invisible_shared, invisible_private; Stuttgart is not in NRW
    assert policy.listing_scope(PRINCIPALS["planner_land"]).count_hidden
    shown, hidden = policy.partition(PRINCIPALS["own"], everything)
    assert ([o.id for o in shown], hidden) == (["org-own"], 0)
    assert policy.partition(None, everything) == ([], 0)


# -- leads and clusters --------------------------------------------------------------------------------


def test_leads_only_of_the_advisor_itself(policy: AccessPolicy) -> None:
    policy.require_leads(PRINCIPALS["advisor_in"], "ihk_mittleres_ruhrgebiet")
    policy.require_leads(PRINCIPALS["admin"], "ihk_dortmund")
    with pytest.raises(AccessDenied) as other:
        policy.require_leads(PRINCIPALS["advisor_in"], "ihk_dortmund")
    assert other.value.kind is Denial.FORBIDDEN
    assert "ihk_mittleres_ruhrgebiet" in other.value.detail
    for who, status in (("own", 403), ("planner_land", 403), ("anonymous", 401)):
        with pytest.raises(AccessDenied) as denied:
            policy.require_leads(PRINCIPALS[who], "ihk_dortmund")
        assert denied.value.status_code == status


def test_cluster_region_of_a_land_planner(policy: AccessPolicy) -> None:
    planner = PRINCIPALS["planner_land"]
    assert policy.cluster_region(planner, None) == RegionFilter(state="DE-NW")
    assert policy.cluster_region(planner, RegionFilter(kreis="05913")) == RegionFilter(state="DE-NW", kreis="05913")
    bbox = (7.30, 51.45, 7.60, 51.60)
    assert policy.cluster_region(planner, RegionFilter(bbox=bbox)) == RegionFilter(state="DE-NW", bbox=bbox)
    for outside in (RegionFilter(state="DE-BW"), RegionFilter(kreis="08111")):
        with pytest.raises(AccessDenied) as denied:
            policy.cluster_region(planner, outside)
        assert denied.value.kind is Denial.FORBIDDEN
        assert "außerhalb" in denied.value.detail


def test_cluster_region_of_a_kreis_planner(policy: AccessPolicy) -> None:
    planner = PRINCIPALS["planner_other_kreis"]  # 05913 Dortmund
    expected = RegionFilter(state="DE-NW", kreis="05913")
    assert policy.cluster_region(planner, None) == expected
    assert policy.cluster_region(planner, RegionFilter(state="DE-NW")) == expected
    assert policy.cluster_region(planner, RegionFilter(kreis="05913")) == expected
    for outside in (RegionFilter(kreis="05911"), RegionFilter(state="DE-BW")):
        with pytest.raises(AccessDenied):
            policy.cluster_region(planner, outside)


def test_cluster_region_for_other_roles(policy: AccessPolicy) -> None:
    region = RegionFilter(state="DE-BW")
    assert policy.cluster_region(PRINCIPALS["advisor_in"], region) is region
    assert policy.cluster_region(PRINCIPALS["admin"], None) is None
    with pytest.raises(AccessDenied) as organisation:
        policy.cluster_region(PRINCIPALS["own"], region)
    assert organisation.value.status_code == 403


def _cluster(members: list[str]) -> Cluster:
    return Cluster(
        id="c1",
        name="Witten Nord",
        score=0.8,
        reasons=[],
        members=sorted(members),
        size=len(members),
        employees=600,
        employees_affected=480,
        centroid_lat=51.44,
        centroid_lon=7.35,
        radius_km=0.4,
        members_located_at_site=len(members),
        hull=[[[7.35, 51.44], [7.36, 51.44], [7.36, 51.45], [7.35, 51.44]]],
        dominant_problems=[],
        estates=[],
        members_outside_estates=0,
        municipalities=[MunicipalityCount(ags="05954036", name="Witten", members=len(members))],
        transit_classes=[],
        transit_note="überwiegend ÖV-Güteklasse D/keine (4 von 5 Betrieben)",
        transit_stop_note="häufigste nächste Haltestelle: Bushaltestelle Geheimweg, Witten (für 3 Betriebe, 400–600 m)",
        suggested_measures=[],
        funding=[],
        at_the_table=[],
    )


def test_cluster_members_are_those_whose_profile_the_caller_may_see(
    policy: AccessPolicy, orgs: dict[str, Organisation], make_organisation: OrganisationFactory
) -> None:
    stuttgart = make_organisation(id="org-stg", name="Stuttgarter Firma", visible_to_peers=True, **STUTTGART)
    by_id = {o.id: o for o in [*orgs.values(), stuttgart]}
    cluster = _cluster([*by_id, "org-deleted"])
    assert policy.cluster_members_visible(PRINCIPALS["admin"], cluster, by_id) == (sorted(by_id), 7)
    assert policy.cluster_members_visible(PRINCIPALS["advisor_out"], cluster, by_id) == (sorted(by_id), 7)
    assert policy.cluster_members_visible(PRINCIPALS["planner_land"], cluster, by_id) == (["org-vp", "org-vs"], 7)
    assert policy.cluster_members_visible(PRINCIPALS["planner_other_land"], cluster, by_id) == (["org-stg"], 7)
    assert policy.cluster_members_visible(None, cluster, by_id) == ([], 7)


def test_redacted_clusters_never_name_hidden_members_nor_show_their_corners(
    policy: AccessPolicy, orgs: dict[str, Organisation]
) -> None:
    by_id = {o.id: o for o in orgs.values()}
    cluster = _cluster(list(by_id))
    planner = policy.redact_cluster(PRINCIPALS["planner_kreis"], cluster, by_id)
    assert planner["members"] == ["org-vp", "org-vs"]
    assert planner["member_count"] == 5
    assert planner["hull"] is None
    text = _flat(planner)
    for hidden in ("own", "invisible_shared", "invisible_private"):
        assert orgs[hidden].id not in text
        assert orgs[hidden].name not in text
    for secret in (EMAIL, PHONE, PERSON, ADDRESS):
        assert secret not in text
    # Centroid and radius describe the shown members only, so no hidden member can be located from them.
    shown = [by_id[m] for m in planner["members"]]
    assert planner["centroid_lat"] == pytest.approx(sum(o.location.lat for o in shown) / len(shown))
    assert planner["centroid_lon"] == pytest.approx(sum(o.location.lon for o in shown) / len(shown))
    nobody = policy.redact_cluster(None, cluster, by_id)
    assert nobody["members"] == []
    assert (nobody["centroid_lat"], nobody["centroid_lon"]) == (round(cluster.centroid_lat, 2), 7.35)
    # The stop most members have nearest, with distances, would locate hidden members: withheld with them.
    assert planner["transit_stop_note"] is None
    assert planner["transit_note"] == cluster.transit_note
    admin = policy.redact_cluster(PRINCIPALS["admin"], cluster, by_id)
    assert admin["members"] == sorted(by_id)
    assert admin["hull"] == cluster.hull
    assert admin["transit_stop_note"] == cluster.transit_stop_note
    assert (admin["centroid_lat"], admin["radius_km"]) == (cluster.centroid_lat, cluster.radius_km)


def test_redacted_clusters_name_only_the_estates_of_shown_members(
    policy: AccessPolicy, orgs: dict[str, Organisation]
) -> None:
    by_id = {o.id: o.model_copy(update={"estate": "Hafen"}) for o in orgs.values()}
    by_id["org-is"] = orgs["invisible_shared"].model_copy(update={"estate": "Geheimes Gebiet"})
    estates = [EstateCount(name="Hafen", members=len(by_id) - 1), EstateCount(name="Geheimes Gebiet", members=1)]
    cluster = _cluster(list(by_id)).model_copy(update={"estates": estates, "name": "Cluster Geheimes Gebiet"})
    planner = policy.redact_cluster(PRINCIPALS["planner_kreis"], cluster, by_id)
    assert planner["estates"] == [{"name": "Hafen", "members": 2}]
    assert planner["members_outside_estates"] == planner["member_count"] - 2
    assert "Geheimes Gebiet" not in _flat(planner)
    assert planner["name"] == "Cluster Witten (5 Betriebe)"  # 2 shown of 5 in "Hafen": named by municipality
    admin = policy.redact_cluster(PRINCIPALS["admin"], cluster, by_id)
    assert [e["name"] for e in admin["estates"]] == ["Hafen", "Geheimes Gebiet"]


def test_nothing_a_planner_gets_names_a_hidden_organisation(
    policy: AccessPolicy, orgs: dict[str, Organisation]
) -> None:
    for who in ("planner_land", "planner_kreis", "planner_other_land", "planner_other_kreis"):
        principal = PRINCIPALS[who]
        shown, _ = policy.partition(principal, orgs.values())
        answers = [policy.profile_for(principal, o) for o in orgs.values()]
        text = _flat([answers, [o.id for o in shown]])
        for hidden in ("own", "invisible_shared", "invisible_private"):
            assert orgs[hidden].name not in text
            assert orgs[hidden].id not in text


# -- logging -------------------------------------------------------------------------------------------


def test_denials_are_logged_without_contact_data(
    policy: AccessPolicy, orgs: dict[str, Organisation], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="service.access"):
        for capability in (Capability.READ_PROFILE, Capability.BRIEF):
            with pytest.raises(AccessDenied):
                policy.require_organisation(PRINCIPALS["own"], capability, "org-vs", orgs["visible_shared"])
        with pytest.raises(AccessDenied):
            policy.require_leads(PRINCIPALS["advisor_in"], "ihk_dortmund")
        policy.profile_for(PRINCIPALS["admin"], orgs["visible_shared"])
    assert "key-own" in caplog.text
    assert "org-vs" in caplog.text
    for secret in (EMAIL, PHONE, PERSON, ADDRESS):
        assert secret not in caplog.text
