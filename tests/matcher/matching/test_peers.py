"""Peers on a hand-built neighbourhood in Dortmund with known answers."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from matcher.index import OrganisationIndex
from matcher.matching.peers import recommend_peers
from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.distances import PostcodeTable
from matcher.residences.places import HomePlaces, home_places
from matcher.settings import MatcherSettings, PeerSettings
from matcher.vectorise import Vectoriser, fit_vectoriser

ESTATE = "Gewerbegebiet Dortmund-Hafen"
HERE = (51.5300, 7.4400)  # Dortmund, near the harbour


def _organisation(builder: ProfileBuilder, organisation_id: str, **fields: Any) -> Organisation:
    profile: dict[str, Any] = {
        "kind": "company",
        "name": organisation_id,
        "sector": "C",
        "employees": 200,
        "lat": HERE[0],
        "lon": HERE[1],
        "issues": ["parking_shortage", "shift_work"],
        "visible_to_peers": True,
    }
    profile.update(fields)
    return builder.build(OrganisationProfile.model_validate(profile), organisation_id)


@pytest.fixture(scope="module")
def world(reference: ReferenceData) -> tuple[list[Organisation], Vectoriser, OrganisationIndex]:
    builder = ProfileBuilder(reference, MatcherSettings())
    organisations = [
        _organisation(builder, "me", estate=ESTATE),
        _organisation(builder, "estate-twin", lat=51.5310, lon=7.4420, estate=ESTATE.upper()),
        _organisation(builder, "solver", lat=51.5400, lon=7.4600, measures_in_place=["carpool_priority_parking"]),
        _organisation(builder, "far-twin", lat=51.4500, lon=7.5500),
        _organisation(builder, "other-problem", lat=51.5305, lon=7.4405, issues=["fleet_costs"]),
        _organisation(builder, "hidden", lat=51.5301, lon=7.4401, estate=ESTATE, visible_to_peers=False),
        _organisation(builder, "town", kind="municipality", sector=None, issues=["congestion"]),
        _organisation(builder, "neighbour-town", kind="municipality", sector=None, lat=51.50, lon=7.30),
        _organisation(builder, "remote", lat=52.02, lon=8.53),  # Bielefeld, ~100 km away
    ]
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    return organisations, vectoriser, OrganisationIndex.build(organisations, vectoriser, reference.catalog)


def _peers(world: Any, reference: ReferenceData, who: str = "me", **options: Any) -> list[Any]:
    organisations, vectoriser, index = world
    me = next(o for o in organisations if o.id == who)
    settings = options.pop("settings", PeerSettings())
    return recommend_peers(me, index, vectoriser, reference.catalog, settings, **options).items


def test_same_estate_twin_ranks_first_and_never_the_organisation_itself(world: Any, reference: ReferenceData) -> None:
    peers = _peers(world, reference)
    assert peers[0].id == "estate-twin"
    assert peers[0].same_estate is True
    assert "me" not in [p.id for p in peers]


def test_invisible_organisations_only_with_the_policy(world: Any, reference: ReferenceData) -> None:
    assert "hidden" not in [p.id for p in _peers(world, reference)]
    assert "hidden" in [p.id for p in _peers(world, reference, include_invisible=True)]


def test_experience_names_the_measure_that_addresses_my_problem(world: Any, reference: ReferenceData) -> None:
    solver = next(p for p in _peers(world, reference) if p.id == "solver")
    assert solver.solved_with == ["carpool_priority_parking"]
    experience = next(r for r in solver.reasons if r.code == "experience")
    assert "Parkplatzmangel" in experience.text
    assert experience.weight > 0


def test_shared_problems_outrank_a_closer_peer_with_other_problems(world: Any, reference: ReferenceData) -> None:
    ids = [p.id for p in _peers(world, reference)]
    assert ids.index("solver") < ids.index("other-problem")
    other = next(p for p in _peers(world, reference) if p.id == "other-problem")
    assert other.shared_issues == []


def test_municipalities_are_matched_only_with_municipalities(world: Any, reference: ReferenceData) -> None:
    peers = _peers(world, reference, who="town")
    assert [p.id for p in peers] == ["neighbour-town"]
    assert all(p.kind == "company" for p in _peers(world, reference))


def test_radius_widens_until_enough_candidates(world: Any, reference: ReferenceData) -> None:
    organisations, vectoriser, index = world
    me = next(o for o in organisations if o.id == "me")
    narrow = PeerSettings(radius_km=1.0, min_candidates=5, max_radius_km=200)
    answer = recommend_peers(me, index, vectoriser, reference.catalog, narrow)
    assert answer.radius_km > 1.0
    assert answer.candidates >= 5
    fixed = recommend_peers(me, index, vectoriser, reference.catalog, narrow, radius_km=1.0)
    assert fixed.radius_km == 1.0
    assert all(p.distance_km <= 1.0 for p in fixed.items)


def test_reasons_add_up_to_the_score_and_results_are_deterministic(world: Any, reference: ReferenceData) -> None:
    first = _peers(world, reference, include_invisible=True)
    assert first == _peers(world, reference, include_invisible=True)
    for peer in first:
        assert 0 <= peer.score <= 1
        assert sum(r.weight for r in peer.reasons) == pytest.approx(peer.score, abs=1e-9)
    scores = [p.score for p in first]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("options", [{}, {"include_invisible": True}, {"limit": 2}])
def test_rows_given_are_the_shown_peers_rows_of_the_index(
    world: Any, reference: ReferenceData, options: dict[str, Any]
) -> None:
    organisations, vectoriser, index = world
    me = next(o for o in organisations if o.id == "me")
    rows: list[int] = []
    answer = recommend_peers(me, index, vectoriser, reference.catalog, PeerSettings(), rows=rows, **options)
    assert answer.items
    assert rows == [index.position[item.id] for item in answer.items]
    assert answer == recommend_peers(me, index, vectoriser, reference.catalog, PeerSettings(), **options)


def test_profile_not_in_the_index_is_matched_too(world: Any, reference: ReferenceData) -> None:
    _, vectoriser, index = world
    builder = ProfileBuilder(reference, MatcherSettings())
    newcomer = _organisation(builder, "newcomer", estate=ESTATE)
    peers = recommend_peers(newcomer, index, vectoriser, reference.catalog, PeerSettings()).items
    assert peers[0].id in {"me", "estate-twin"}
    assert peers[0].same_estate is True


def test_hidden_organisations_do_not_crowd_out_visible_peers(reference: ReferenceData, builder: ProfileBuilder) -> None:
    hidden = [
        _organisation(builder, f"hidden-{i:03d}", lat=51.5300 + 0.0001 * i, lon=7.4400, visible_to_peers=False)
        for i in range(150)
    ]
    visible = [_organisation(builder, f"visible-{i:02d}", lat=51.5600 + 0.0005 * i, lon=7.4400) for i in range(20)]
    me = _organisation(builder, "me")
    everyone = [me, *hidden, *visible]
    vectoriser = fit_vectoriser(everyone, MatcherSettings().vectors)
    index = OrganisationIndex.build(everyone, vectoriser, reference.catalog)
    peers = recommend_peers(me, index, vectoriser, reference.catalog, PeerSettings()).items
    assert len(peers) == 10
    assert all(p.id.startswith("visible-") for p in peers)


def test_a_group_without_members_gives_no_peers(world: Any, reference: ReferenceData, builder: ProfileBuilder) -> None:
    organisations, vectoriser, _ = world
    companies = [o for o in organisations if o.kind == "company"]
    index = OrganisationIndex.build(companies, vectoriser, reference.catalog)
    town = next(o for o in organisations if o.id == "town")
    assert recommend_peers(town, index, vectoriser, reference.catalog, PeerSettings()).items == []


@pytest.mark.parametrize(("option", "value"), [("limit", 0), ("limit", 101), ("radius_km", -5.0), ("radius_km", 500.0)])
def test_bad_limit_or_radius_is_rejected_naming_the_field(
    world: Any, reference: ReferenceData, option: str, value: float
) -> None:
    from matcher.errors import InputError

    options: dict[str, Any] = {option: value}
    with pytest.raises(InputError) as raised:
        _peers(world, reference, **options)
    assert raised.value.field == option


def test_an_edited_profile_is_not_ranked_with_its_stale_vector(world: Any, reference: ReferenceData) -> None:
    organisations, vectoriser, index = world
    me = next(o for o in organisations if o.id == "me")
    edited = Organisation.model_validate({**me.model_dump(), "issues": ["fleet_costs"]})
    peers = recommend_peers(edited, index, vectoriser, reference.catalog, PeerSettings()).items
    assert peers[0].id == "other-problem"
    fresh = vectoriser.transform([edited])[0]
    assert index.query_point(edited, vectoriser).vector.tolist() == fresh.tolist()


def test_an_updated_index_has_the_vectors_of_a_fresh_build(world: Any, reference: ReferenceData) -> None:
    organisations, vectoriser, index = world
    solver = next(o for o in organisations if o.id == "solver").model_copy(update={"employees": 5})
    changed = [solver if o.id == "solver" else o for o in organisations[1:]]
    updated = index.updated([organisations[0].id], [solver], vectoriser)
    fresh = OrganisationIndex.build(changed, vectoriser, reference.catalog)
    assert updated.compacted().vectors.tobytes() == fresh.vectors.tobytes()
    assert updated.vectors[updated.position["solver"]].tobytes() == fresh.vectors[fresh.position["solver"]].tobytes()
    solver = fresh.position["solver"]
    assert fresh.vectors[solver].tobytes() != index.vectors[index.position["solver"]].tobytes()


def test_an_unknown_sector_is_left_out_and_said_so(reference: ReferenceData, builder: ProfileBuilder) -> None:
    # Craft businesses at one spot, alike but for the sector: F, F again, G and unknown.
    me = _organisation(builder, "me", kind="craft_business", sector="F")
    same = _organisation(builder, "same-sector", kind="craft_business", sector="F")
    other = _organisation(builder, "other-sector", kind="craft_business", sector="G")
    unknown = _organisation(builder, "unknown", kind="craft_business", sector=None)
    everyone = [me, same, other, unknown]
    vectoriser = fit_vectoriser(everyone, MatcherSettings().vectors)
    index = OrganisationIndex.build(everyone, vectoriser, reference.catalog)

    def peers(who: Organisation) -> dict[str, Any]:
        answer = recommend_peers(who, index, vectoriser, reference.catalog, PeerSettings())
        return {p.id: p for p in answer.items}

    mine = peers(me)
    similarity = {i: next(r.weight for r in p.reasons if r.code == "similar_profile") for i, p in mine.items()}
    assert similarity["other-sector"] < similarity["unknown"] < similarity["same-sector"]
    (note,) = [r for r in mine["unknown"].reasons if r.code == "sector_unknown"]
    assert (note.weight, note.text) == (
        0.0,
        "Branche unbekannt (die des Betriebs) – beim Profilvergleich nicht berücksichtigt",
    )
    assert "Branche" not in next(r.text for r in mine["unknown"].reasons if r.code == "similar_profile")
    assert all(r.code != "sector_unknown" for p in ("same-sector", "other-sector") for r in mine[p].reasons)

    theirs = peers(unknown)
    assert theirs.keys() == {"me", "same-sector", "other-sector"}
    assert theirs["me"].score == theirs["same-sector"].score  # F and G are alike to an unknown sector
    for peer in theirs.values():
        assert sum(r.weight for r in peer.reasons) == pytest.approx(peer.score, abs=1e-9)
        assert peer.reasons[-1].code == "sector_unknown"
        assert peer.reasons[-1].text.startswith("Branche unbekannt (Ihre)")

    unknown_twin = _organisation(builder, "unknown-twin", kind="company", sector=None)
    both = recommend_peers(unknown_twin, index, vectoriser, reference.catalog, PeerSettings()).items
    assert next(p for p in both if p.id == "unknown").reasons[-1].text.startswith("Branche unbekannt (Ihre und die")


REMOTE = (51.52, 7.78)  # open country at Fröndenberg/Ruhr: no stop within walking distance (class none)
WERNE = (51.64, 7.56)  # a bus stop 360 m away (class D)
KAMPSTRASSE = (51.5136, 7.4635)  # Dortmund centre, Stadtbahn stop Kampstraße (class B)


@pytest.fixture(scope="module")
def transit_world(reference: ReferenceData) -> tuple[list[Organisation], Vectoriser, OrganisationIndex]:
    builder = ProfileBuilder(reference, MatcherSettings())
    issues = ["poor_transit_access", "parking_shortage"]
    organisations = [
        _organisation(builder, "me", lat=REMOTE[0], lon=REMOTE[1], issues=issues),
        _organisation(builder, "content-me", lat=REMOTE[0], lon=REMOTE[1], issues=["parking_shortage"]),
        _organisation(builder, "rural-twin", lat=WERNE[0], lon=WERNE[1], issues=issues),
        _organisation(builder, "city-twin", lat=KAMPSTRASSE[0], lon=KAMPSTRASSE[1], issues=issues),
        _organisation(
            builder,
            "city-solver",
            lat=KAMPSTRASSE[0],
            lon=KAMPSTRASSE[1],
            issues=issues,
            measures_in_place=["station_shuttle"],
        ),
    ]
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    return organisations, vectoriser, OrganisationIndex.build(organisations, vectoriser, reference.catalog)


def test_a_transit_problem_brings_in_peers_in_the_same_band_or_that_addressed_it(
    transit_world: Any, reference: ReferenceData
) -> None:
    peers = {p.id: p for p in _peers(transit_world, reference)}
    reasons = {pid: {r.code: r for r in p.reasons} for pid, p in peers.items()}
    weight = PeerSettings().weights.transit_situation
    rural = reasons["rural-twin"]["transit_situation"]
    assert rural.weight == weight
    assert rural.text.startswith("gleiche ÖV-Lage (geringe oder keine Erschließung): ÖV-Güteklasse D")
    assert "Bushaltestelle" in rural.text
    assert "transit_situation" not in reasons["city-twin"]  # class B: another situation, nothing addressed
    solver = reasons["city-solver"]["transit_situation"]
    assert solver.text.startswith("hat schlechte ÖPNV-Anbindung bereits angegangen: ÖV-Güteklasse B")
    assert "Kampstraße" in solver.text
    assert (peers["rural-twin"].transit_class, peers["city-twin"].transit_class) == ("D", "B")
    assert peers["city-twin"].transit_label.startswith("ÖV-Güteklasse B (gute Erschließung): Stadtbahn-Haltestelle")
    for peer in peers.values():
        assert sum(r.weight for r in peer.reasons) == pytest.approx(peer.score, abs=1e-9)


def test_without_a_transit_problem_transit_gives_no_reason(transit_world: Any, reference: ReferenceData) -> None:
    peers = _peers(transit_world, reference, who="content-me")
    assert peers
    assert all("transit_situation" not in {r.code for r in p.reasons} for p in peers)


@pytest.fixture(scope="module")
def postcode_table(reference: ReferenceData) -> PostcodeTable:
    return PostcodeTable.build(reference.geo)


DORTMUND, BOCHUM, UNNA, LUENEN, ESSEN = "05913000", "05911000", "05978036", "05978024", "05113000"
NAMES = {DORTMUND: "Dortmund", BOCHUM: "Bochum", UNNA: "Unna", LUENEN: "Lünen", ESSEN: "Essen"}


def _by_id(peers: list[Any]) -> dict[str, Any]:
    return {p.id: p for p in peers}


def test_shared_home_places_add_a_reason_naming_at_most_three_places(world: Any, reference: ReferenceData) -> None:
    places = HomePlaces(
        {
            "me": (DORTMUND, UNNA, LUENEN, ESSEN, BOCHUM),  # ordered by my staff there
            "solver": (ESSEN, LUENEN, UNNA, DORTMUND),
            "far-twin": (BOCHUM,),
            "estate-twin": (BOCHUM, ESSEN),
        },
        NAMES,
    )
    peers = _by_id(_peers(world, reference, home_places=places))
    solver = next(r for r in peers["solver"].reasons if r.code == "shared_homes")
    assert solver.text == (
        "Ihre Beschäftigten wohnen in denselben Orten (Dortmund, Unna, Lünen und 1 weiteren): "
        "Fahrgemeinschaften über Betriebsgrenzen möglich"
    )
    assert solver.weight == pytest.approx(0.10 * 4 / 5)
    assert peers["solver"].shared_home_places == [DORTMUND, UNNA, LUENEN, ESSEN]
    far = next(r for r in peers["far-twin"].reasons if r.code == "shared_homes")
    assert far.text.startswith("Ihre Beschäftigten wohnen im selben Ort (Bochum):")
    assert far.weight == pytest.approx(0.10 / 5)
    twin = next(r for r in peers["estate-twin"].reasons if r.code == "shared_homes")
    assert "in denselben Orten (Essen und Bochum)" in twin.text
    assert all(r.code != "shared_homes" for r in peers["other-problem"].reasons)
    assert peers["other-problem"].shared_home_places == []


def test_shared_homes_make_room_in_the_score_and_reasons_still_add_up(world: Any, reference: ReferenceData) -> None:
    plain = _by_id(_peers(world, reference, include_invisible=True))
    places = HomePlaces({"me": (DORTMUND,), "far-twin": (DORTMUND,)}, NAMES)
    shared = _by_id(_peers(world, reference, include_invisible=True, home_places=places))
    for peer_id, peer in shared.items():
        assert sum(r.weight for r in peer.reasons) == pytest.approx(peer.score, abs=1e-9)
        assert 0 <= peer.score <= 1
        bonus = 0.10 if peer_id == "far-twin" else 0.0
        assert peer.score == pytest.approx(0.9 * plain[peer_id].score + bonus, abs=6e-4)  # 5 reasons rounded
        old = {r.code: r.weight for r in plain[peer_id].reasons}
        for reason in peer.reasons:
            if reason.code != "shared_homes":
                assert reason.weight == pytest.approx(0.9 * old[reason.code], abs=1e-4)
    assert shared["far-twin"].score > plain["far-twin"].score


def test_at_the_largest_weight_shared_homes_can_lift_a_peer_past_another(world: Any, reference: ReferenceData) -> None:
    places = HomePlaces({"me": (DORTMUND,), "far-twin": (DORTMUND,)}, NAMES)
    plain = [p.id for p in _peers(world, reference)]
    lifted = [p.id for p in _peers(world, reference, home_places=places, settings=PeerSettings(shared_homes=0.25))]
    assert plain.index("far-twin") > plain.index("solver")
    assert lifted.index("far-twin") < lifted.index("solver")


def test_without_my_own_home_places_nothing_changes(world: Any, reference: ReferenceData) -> None:
    """Both must have consented: a peer's places alone (I am not in the mapping) add nothing and scale nothing."""
    plain = _peers(world, reference)
    places = HomePlaces({"solver": (DORTMUND,), "far-twin": (DORTMUND,)}, NAMES)
    assert _peers(world, reference, home_places=places) == plain


def test_places_below_k_for_either_firm_give_no_reason(
    world: Any, reference: ReferenceData, postcode_table: PostcodeTable
) -> None:
    """End to end from uploads: Unna holds 6 of my staff; the peer's 4 there stay below k = 5, 5 reach it."""
    mine = ("me", ResidenceCounts.of({"59423": 6, "44135": 2}))
    for peer_count, expected in ((4, []), (5, [UNNA])):
        places = home_places([mine, ("solver", ResidenceCounts.of({"59423": peer_count}))], postcode_table, k=5)
        solver = _by_id(_peers(world, reference, home_places=places))["solver"]
        assert solver.shared_home_places == expected
        assert any(r.code == "shared_homes" for r in solver.reasons) is bool(expected)


@pytest.mark.parametrize("weight", [0.3, -0.1, 0.1234])
def test_shared_homes_weight_is_bounded_and_keeps_weights_exact(weight: float) -> None:
    with pytest.raises(ValidationError, match="shared_homes"):
        PeerSettings(shared_homes=weight)
    assert PeerSettings(shared_homes=0.2).shared_homes == 0.2


def test_proximity_claims_only_what_both_locations_allow(reference: ReferenceData, builder: ProfileBuilder) -> None:
    """Known only by postcode, two firms are 'in derselben PLZ' / 'im selben Ort', never '0,0 km entfernt';
    a shared estate name still says 'im selben Gewerbegebiet'; km only between two sites."""

    def postcode_only(organisation_id: str, postcode: str, **fields: Any) -> Organisation:
        return _organisation(builder, organisation_id, lat=None, lon=None, postcode=postcode, **fields)

    me = postcode_only("me", "44147", estate=ESTATE)
    everyone = [
        me,
        postcode_only("same-plz", "44147"),
        postcode_only("same-estate", "44147", estate=ESTATE),
        postcode_only("same-town", "44135"),
        _organisation(builder, "bochum-site", lat=51.4820, lon=7.2190),
    ]
    vectoriser = fit_vectoriser(everyone, MatcherSettings().vectors)
    index = OrganisationIndex.build(everyone, vectoriser, reference.catalog)
    peers = {p.id: p for p in recommend_peers(me, index, vectoriser, reference.catalog, PeerSettings()).items}
    assert peers["same-plz"].proximity == "in derselben PLZ (44147)"
    assert peers["same-plz"].distance_km == 0.0
    assert peers["same-town"].proximity == "im selben Ort (Dortmund)"
    assert peers["bochum-site"].proximity.startswith("etwa ")
    assert peers["bochum-site"].proximity.endswith(" km entfernt (Lage nur nach Postleitzahl bekannt)")
    assert peers["bochum-site"].location_precision.value == "coordinates"
    assert peers["same-plz"].location_precision.value == "postcode"
    texts = {p.id: [r.text for r in p.reasons] for p in peers.values()}
    assert "in derselben PLZ (44147)" in texts["same-plz"]
    assert not any("km entfernt" in t and not t.startswith("etwa") for ts in texts.values() for t in ts)
    assert "im selben Gewerbegebiet" in texts["same-estate"]
    assert "im selben Gewerbegebiet" not in texts["same-plz"]
    for peer in peers.values():
        assert round(sum(r.weight for r in peer.reasons), 4) == peer.score

    site = _organisation(builder, "site", lat=51.4790, lon=7.2230)
    with_site = [*everyone, site]
    index = OrganisationIndex.build(with_site, vectoriser, reference.catalog)
    (nearest, *_) = recommend_peers(site, index, vectoriser, reference.catalog, PeerSettings()).items
    assert nearest.id == "bochum-site"
    assert nearest.proximity == f"{nearest.distance_km:.1f} km entfernt".replace(".", ",")


def assert_as_validated(model: BaseModel) -> None:
    """A model assembled without validation is what the validating constructor makes of its fields: equal
    values of the very same types (a StrEnum equals its str, so the types are compared too), fields set, JSON."""
    again = type(model)(**{name: getattr(model, name) for name in model.model_fields_set})
    assert model == again
    assert model.model_fields_set == again.model_fields_set == set(type(model).model_fields)
    assert model.model_dump_json() == again.model_dump_json()
    assert list(model.__dict__) == list(again.__dict__)  # field order
    for name in type(model).model_fields:
        mine, theirs = getattr(model, name), getattr(again, name)
        assert type(mine) is type(theirs), name
        if isinstance(mine, list):
            assert [type(v) for v in mine] == [type(v) for v in theirs], name
            for value in mine:
                if isinstance(value, BaseModel):
                    assert_as_validated(value)


EXTRAS: tuple[dict[str, Any], ...] = ({}, {"radius_km": 5, "limit": 3})  # an int radius: a float all the same


def test_peers_and_reasons_equal_their_validated_construction(world: Any, reference: ReferenceData) -> None:
    organisations, vectoriser, index = world
    places = HomePlaces({"me": (DORTMUND, UNNA), "solver": (UNNA,)}, NAMES)
    answers = [
        recommend_peers(
            o, index, vectoriser, reference.catalog, PeerSettings(), include_invisible=True, home_places=places, **extra
        )
        for o in organisations
        for extra in EXTRAS
    ]
    for answer in answers:
        assert_as_validated(answer)
    items = [item for answer in answers for item in answer.items]
    assert {item.kind for item in items} == {"company", "municipality"}  # both kinds and
    assert any(item.shared_issues for item in items)
    assert any(item.solved_with for item in items)
    assert any(item.shared_home_places for item in items)
    for item in items:
        assert_as_validated(item)
