"""Every caller against every endpoint, with other organisations' ids: status, problem details and no leak.

``MATRIX`` holds, by hand and keyed by (method, path template), the status every caller gets for every
route of the app (docs/privacy.md); ``test_every_route_is_in_the_matrix`` fails for a route without an
entry. Every request of the matrix is checked for:

* the expected status, and never a 500;
* 4xx answers are problem details (``application/problem+json`` with type, title, status, detail), 401
  with ``WWW-Authenticate: ApiKey``;
* 404 for an organisation answers exactly like an unknown id (``nobody``);
* no leak: every seeded organisation carries unique markers (name, coordinates, contact person, e-mail,
  phone, address; the Dortmund ones share an estate), and the body of every answer holds none of the
  markers — nor, as an id field, none of the ids — that the caller may not see. Who may see what is
  written down here by hand (:func:`may_name`, :func:`may_contact`), not taken from the service.

Writes leave the seeded world as it was: PUT and PATCH send the stored values again, a successful DELETE
of a seeded organisation is undone, and everything else created by a test (throwaway profiles, imports,
generated ids) is removed after it (:func:`intact_world`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx2
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from matcher.residences.aggregation import ResidenceCounts
from service.access import not_found_detail
from service.auth import Role, SqlApiKeyRepository, SubjectRules

API = "/api/v1"
ORGANISATIONS = f"{API}/organisations"
PROBLEM = "application/problem+json"
AS_OF = "2026-03-01"
WRONG_KEY = "bmm_invalid"

# -- the world -----------------------------------------------------------------------------------------

ESTATE = "Gewerbegebiet-Hafen-9090"  # all Dortmund organisations lie in it
MUNICH = (48.1372, 11.5755)  # DE-BY: throwaway profiles lie outside every region and territory of this test


@dataclass(frozen=True)
class Seeded:
    """A stored organisation of the test world; every text it carries is unique, so a leak is a string search."""

    id: str
    marker: str  # e.g. "Hidden-7731"
    city: Literal["dortmund", "stuttgart"]  # Dortmund: Kreis 05913, DE-NW; Stuttgart: Kreis 08111, DE-BW
    lat: float
    lon: float
    visible: bool  # visible_to_peers
    shareable: bool  # contact_shareable
    residences: bool = False  # staff home postcodes uploaded (RESIDENCES_CSV)
    pools: bool = False  # share_residence_aggregates

    @property
    def name(self) -> str:
        return f"Geheimname-{self.marker}"

    @property
    def email(self) -> str:
        return f"{self.marker.lower()}@example.de"

    @property
    def contact_name(self) -> str:
        return f"Kontaktperson-{self.marker}"

    @property
    def phone(self) -> str:
        digits = self.marker[-4:]
        return f"+49 231 {digits}{digits}"

    @property
    def address(self) -> str:
        return f"Adresse-{self.marker} 1"

    @property
    def estate(self) -> str | None:
        return ESTATE if self.city == "dortmund" else None

    def profile(self) -> dict[str, Any]:
        """The profile as stored by the seed (and sent again by PUT)."""
        return {
            "id": self.id,
            "kind": "company",
            "name": self.name,
            "sector": "H",
            "employees": 150,
            "lat": self.lat,
            "lon": self.lon,
            "address": self.address,
            "estate": self.estate,
            "issues": ["parking_shortage"],
            "visible_to_peers": self.visible,
            "contact_shareable": self.shareable,
            "share_residence_aggregates": self.pools,
            "contact": {"name": self.contact_name, "email": self.email, "phone": self.phone},
        }

    def name_markers(self) -> set[str]:
        """What only a caller who may see the organisation at all may read: name and location."""
        return {self.name, repr(self.lat), repr(self.lon)}

    def contact_markers(self) -> set[str]:
        return {self.contact_name, self.email, self.phone, self.address}


# Five employers within 300 m of each other in Dortmund with parking shortage: one cluster (min_size 5).
SEEDS: dict[str, Seeded] = {
    seeded.id: seeded
    for seeded in (
        Seeded("own", "Own-4411", "dortmund", 51.530117, 7.440131, visible=False, shareable=False, residences=True),
        Seeded(
            "visible-shared",
            "Shared-5522",
            "dortmund",
            51.530523,
            7.440712,
            visible=True,
            shareable=True,
            residences=True,
            pools=True,
        ),
        Seeded(
            "visible-private",
            "Private-6633",
            "dortmund",
            51.529734,
            7.441223,
            visible=True,
            shareable=False,
            residences=True,
        ),
        Seeded(
            "hidden",
            "Hidden-7731",
            "dortmund",
            51.530941,
            7.439584,
            visible=False,
            shareable=True,
            residences=True,
            pools=True,
        ),
        Seeded(
            "hidden-private", "Closed-8844", "dortmund", 51.529362, 7.439176, visible=False, shareable=False, pools=True
        ),
        Seeded(
            "far",
            "Far-9955",
            "stuttgart",
            48.775836,
            9.182913,
            visible=True,
            shareable=True,
            residences=True,
            pools=True,
        ),
    )
}
# What every organisation with residences uploaded (the seed and every PUT of the matrix: writes change nothing).
RESIDENCE_COUNTS = {"44139": 12, "44137": 3, "44135": 6}
RESIDENCES_CSV = b"PLZ;Anzahl\r\n" + b"".join(f"{p};{c}\r\n".encode() for p, c in RESIDENCE_COUNTS.items())
# The ids the per-organisation endpoints are called with; "nobody" is stored nowhere.
TARGETS = ("own", "visible-shared", "hidden", "far", "nobody")
THROWAWAY = "throwaway"  # created and removed within one test


def throwaway_profile(organisation_id: str | None = THROWAWAY) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "kind": "company",
        "name": "Wegwerfprofil GmbH",
        "sector": "C",
        "employees": 20,
        "lat": MUNICH[0],
        "lon": MUNICH[1],
        "issues": ["parking_shortage"],
    }
    return profile if organisation_id is None else {"id": organisation_id, **profile}


def stored_or_throwaway(organisation_id: str) -> dict[str, Any]:
    seeded = SEEDS.get(organisation_id)
    return seeded.profile() if seeded is not None else throwaway_profile(organisation_id)


# -- the callers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    label: str
    role: Role | None  # None: no valid key
    subject: str | None = None
    key: Literal["none", "wrong", "valid"] = "valid"


CALLERS: tuple[Caller, ...] = (
    Caller("anonymous", None, key="none"),
    Caller("wrong_key", None, key="wrong"),
    Caller("admin", Role.ADMIN),
    Caller("advisor_dortmund", Role.ADVISOR, "ihk_dortmund"),
    Caller("advisor_stuttgart", Role.ADVISOR, "ihk_region_stuttgart"),
    Caller("planner_nw", Role.PLANNER, "DE-NW"),
    Caller("planner_bw", Role.PLANNER, "DE-BW"),
    Caller("planner_05913", Role.PLANNER, "05913"),
    Caller("org_own", Role.ORGANISATION, "own"),
    Caller("org_far", Role.ORGANISATION, "far"),
)
CALLER = {caller.label: caller for caller in CALLERS}
REGION_CITY = {"DE-NW": "dortmund", "05913": "dortmund", "DE-BW": "stuttgart"}
TERRITORY_CITY = {"ihk_dortmund": "dortmund", "ihk_region_stuttgart": "stuttgart"}  # both serve companies


def may_name(caller: Caller, organisation: Seeded) -> bool:
    """Whether the caller may learn that the organisation exists: its name and location (docs/privacy.md)."""
    match caller.role:
        case None:
            return False
        case Role.ADMIN | Role.ADVISOR:
            return True
        case Role.ORGANISATION:
            return caller.subject == organisation.id or organisation.visible
        case Role.PLANNER:
            return organisation.visible and REGION_CITY[caller.subject or ""] == organisation.city


def may_contact(caller: Caller, organisation: Seeded) -> bool:
    """Whether the caller may read the organisation's contact data (contact person and address)."""
    if caller.role is Role.ADMIN or (caller.role is Role.ORGANISATION and caller.subject == organisation.id):
        return True
    if caller.role is None or not organisation.shareable:
        return False
    match caller.role:
        case Role.ADVISOR:
            return TERRITORY_CITY[caller.subject or ""] == organisation.city
        case Role.ORGANISATION:
            return organisation.visible
        case _:
            return may_name(caller, organisation)


def forbidden_markers(caller: Caller) -> set[str]:
    forbidden: set[str] = set()
    for organisation in SEEDS.values():
        if not may_name(caller, organisation):
            forbidden |= organisation.name_markers()
        if not may_contact(caller, organisation):
            forbidden |= organisation.contact_markers()
    if not any(may_name(caller, o) for o in SEEDS.values() if o.estate == ESTATE):
        forbidden.add(ESTATE)
    return forbidden


def forbidden_ids(caller: Caller) -> set[str]:
    return {o.id for o in SEEDS.values() if not may_name(caller, o)}


# -- the matrix ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One concrete request of a route."""

    label: str  # what is asked for: an id, a region, a format
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    csv: bytes | None = None  # a raw text/csv body
    target: str | None = None  # the organisation asked about: a 404 must read like an unknown id
    throwaway: bool = False  # create THROWAWAY (as admin) before the request

    def send(self, client: TestClient, method: str, headers: Mapping[str, str]) -> httpx2.Response:
        if self.csv is not None:
            headers = {**headers, "Content-Type": "text/csv"}
        return client.request(
            method, self.path, params=dict(self.params), json=self.json, content=self.csv, headers=dict(headers)
        )


@dataclass(frozen=True)
class Entry:
    calls: tuple[Call, ...]
    expect: Mapping[str, tuple[int, ...]]  # caller label -> status per call


Row = dict[str, tuple[int, ...]]


def one(path: str, label: str = "-", **fields: Any) -> tuple[Call, ...]:
    return (Call(label, path, **fields),)


def on_targets(template: str, suffix: str = "", **fields: Any) -> tuple[Call, ...]:
    """The calls of a per-organisation route: one per id of TARGETS (``suffix`` tells variants apart)."""
    return tuple(Call(t + suffix, template.format(organisation_id=t), target=t, **fields) for t in TARGETS)


def every(*statuses: int) -> Row:
    """The same statuses for every caller, whatever key it sends (routes that never look at the key)."""
    return {caller.label: statuses for caller in CALLERS}


def with_key(*statuses: int) -> Row:
    """401 without a key and with a wrong key, ``statuses`` for every valid key."""
    return {c.label: (401,) * len(statuses) if c.role is None else statuses for c in CALLERS}


def admin_only(*statuses: int) -> Row:
    """401 without a valid key, ``statuses`` for admins, 403 for every other role."""
    return {
        c.label: (401,) * len(statuses)
        if c.role is None
        else statuses
        if c.role is Role.ADMIN
        else (403,) * len(statuses)
        for c in CALLERS
    }


def twice(row: Row) -> Row:
    return {label: statuses + statuses for label, statuses in row.items()}


# Per-organisation reads and recommendations, columns as TARGETS: own, visible-shared, hidden, far, nobody.
READ: Row = {
    "anonymous": (401, 401, 401, 401, 401),
    "wrong_key": (401, 401, 401, 401, 401),
    "admin": (200, 200, 200, 200, 404),
    "advisor_dortmund": (200, 200, 200, 200, 404),
    "advisor_stuttgart": (200, 200, 200, 200, 404),
    "planner_nw": (404, 200, 404, 404, 404),
    "planner_bw": (404, 404, 404, 200, 404),
    "planner_05913": (404, 200, 404, 404, 404),
    "org_own": (200, 404, 404, 404, 404),
    "org_far": (404, 404, 404, 200, 404),
}
RECOMMENDATIONS: Row = {  # peers, measures, funding, advisors, brief
    "anonymous": (401, 401, 401, 401, 401),
    "wrong_key": (401, 401, 401, 401, 401),
    "admin": (200, 200, 200, 200, 404),
    "advisor_dortmund": (200, 200, 200, 200, 404),
    "advisor_stuttgart": (200, 200, 200, 200, 404),
    "planner_nw": (403, 403, 403, 403, 403),
    "planner_bw": (403, 403, 403, 403, 403),
    "planner_05913": (403, 403, 403, 403, 403),
    "org_own": (200, 404, 404, 404, 404),
    "org_far": (404, 404, 404, 200, 404),
}
REPLACE: Row = {  # PUT and PATCH with the stored values
    "anonymous": (401, 401, 401, 401, 401),
    "wrong_key": (401, 401, 401, 401, 401),
    "admin": (200, 200, 200, 200, 404),
    "advisor_dortmund": (403, 403, 403, 403, 403),
    "advisor_stuttgart": (403, 403, 403, 403, 403),
    "planner_nw": (403, 403, 403, 403, 403),
    "planner_bw": (403, 403, 403, 403, 403),
    "planner_05913": (403, 403, 403, 403, 403),
    "org_own": (200, 404, 404, 404, 404),
    "org_far": (404, 404, 404, 200, 404),
}
DELETE: Row = {  # TARGETS, then a throwaway profile created by the test
    "anonymous": (401, 401, 401, 401, 401, 401),
    "wrong_key": (401, 401, 401, 401, 401, 401),
    "admin": (204, 204, 204, 204, 404, 204),
    "advisor_dortmund": (403, 403, 403, 403, 403, 403),
    "advisor_stuttgart": (403, 403, 403, 403, 403, 403),
    "planner_nw": (403, 403, 403, 403, 403, 403),
    "planner_bw": (403, 403, 403, 403, 403, 403),
    "planner_05913": (403, 403, 403, 403, 403, 403),
    "org_own": (204, 404, 404, 404, 404, 404),
    "org_far": (404, 404, 404, 204, 404, 404),
}
CREATE_CALLS = (
    Call("new id", ORGANISATIONS, json=throwaway_profile(), target=THROWAWAY),
    Call("no id", ORGANISATIONS, json=throwaway_profile(None)),  # an organisation's key creates its own id
    Call("own", ORGANISATIONS, json=SEEDS["own"].profile(), target="own"),
    Call("hidden", ORGANISATIONS, json=SEEDS["hidden"].profile(), target="hidden"),
)
CREATE: Row = {
    "anonymous": (401, 401, 401, 401),
    "wrong_key": (401, 401, 401, 401),
    "admin": (201, 201, 409, 409),
    "advisor_dortmund": (403, 403, 403, 403),
    "advisor_stuttgart": (403, 403, 403, 403),
    "planner_nw": (403, 403, 403, 403),
    "planner_bw": (403, 403, 403, 403),
    "planner_05913": (403, 403, 403, 403),
    "org_own": (404, 409, 409, 404),
    "org_far": (404, 409, 404, 404),
}


def feedback(organisation_id: str, item_type: str = "measure", item_id: str = "mobility_survey") -> Call:
    body = {"organisation_id": organisation_id, "item_type": item_type, "item_id": item_id, "verdict": "accepted"}
    label = organisation_id if item_type == "measure" else f"{organisation_id}, peer {item_id}"
    return Call(label, f"{API}/feedback", json=body, target=organisation_id)


FEEDBACK_CALLS = (
    *(feedback(t) for t in TARGETS),
    feedback("own", "peer", "visible-shared"),
    feedback("own", "peer", "hidden"),  # a peer the organisation may not see reads like an unknown one (422)
    feedback("own", "peer", "nobody"),
)
FEEDBACK: Row = {  # TARGETS with a measure, then "own" with a peer: visible-shared, hidden, nobody
    "anonymous": (401, 401, 401, 401, 401, 401, 401, 401),
    "wrong_key": (401, 401, 401, 401, 401, 401, 401, 401),
    "admin": (201, 201, 201, 201, 404, 201, 201, 422),
    "advisor_dortmund": (201, 201, 201, 201, 404, 201, 201, 422),
    "advisor_stuttgart": (201, 201, 201, 201, 404, 201, 201, 422),
    "planner_nw": (403, 403, 403, 403, 403, 403, 403, 403),
    "planner_bw": (403, 403, 403, 403, 403, 403, 403, 403),
    "planner_05913": (403, 403, 403, 403, 403, 403, 403, 403),
    "org_own": (201, 404, 404, 404, 404, 201, 422, 422),
    "org_far": (404, 404, 404, 201, 404, 404, 404, 404),
}
LEADS_CALLS = tuple(Call(a, f"{API}/advisors/{a}/leads") for a in ("ihk_dortmund", "ihk_region_stuttgart", "nobody"))
LEADS: Row = {  # of ihk_dortmund, ihk_region_stuttgart, an unknown advisor
    "anonymous": (401, 401, 401),
    "wrong_key": (401, 401, 401),
    "admin": (200, 200, 404),
    "advisor_dortmund": (200, 403, 403),
    "advisor_stuttgart": (403, 200, 403),
    "planner_nw": (403, 403, 403),
    "planner_bw": (403, 403, 403),
    "planner_05913": (403, 403, 403),
    "org_own": (403, 403, 403),
    "org_far": (403, 403, 403),
}
CLUSTER_CALLS = tuple(
    Call(label, f"{API}/clusters", params={"issue": "parking_shortage", "as_of": AS_OF, **params})
    for label, params in (
        ("own region", {}),
        ("kreis 05913", {"kreis": "05913"}),
        ("state DE-BW", {"state": "DE-BW"}),
        ("kreis 05913 geojson", {"kreis": "05913", "format": "geojson"}),
    )
)
CLUSTERS: Row = {
    "anonymous": (401, 401, 401, 401),
    "wrong_key": (401, 401, 401, 401),
    "admin": (200, 200, 200, 200),
    "advisor_dortmund": (200, 200, 200, 200),
    "advisor_stuttgart": (200, 200, 200, 200),
    "planner_nw": (200, 200, 403, 200),
    "planner_bw": (200, 403, 200, 403),
    "planner_05913": (200, 200, 403, 200),
    "org_own": (403, 403, 403, 403),
    "org_far": (403, 403, 403, 403),
}
IMPORT: Row = {
    "anonymous": (401,),
    "wrong_key": (401,),
    "admin": (200,),
    "advisor_dortmund": (403,),
    "advisor_stuttgart": (403,),
    "planner_nw": (403,),
    "planner_bw": (403,),
    "planner_05913": (403,),
    "org_own": (403,),
    "org_far": (403,),
}
IMPORT_CSV = f"id;kind;name;sector;employees;lat;lon\r\n{THROWAWAY};company;Wegwerfimport GmbH;H;5;48,1372;11,5755\r\n"
# POST /match answers everybody, but a key sent along is checked (peers depend on it): a wrong key is 401.
MATCH: Row = {**every(200), "wrong_key": (401,)}
MATCH_PROFILE = {
    "kind": "company",
    "name": "Was-waere-wenn GmbH",
    "sector": "H",
    "employees": 80,
    "lat": 51.5302,
    "lon": 7.4405,
    "issues": ["parking_shortage"],
}
ID = "/{organisation_id}"
RESIDENCE_UPLOAD: Row = {  # PUT, GET and DELETE of .../residences (DELETE answers 204 instead of 200)
    "anonymous": (401, 401, 401, 401, 401),
    "wrong_key": (401, 401, 401, 401, 401),
    "admin": (200, 200, 200, 200, 404),
    "advisor_dortmund": (403, 403, 403, 403, 403),
    "advisor_stuttgart": (403, 403, 403, 403, 403),
    "planner_nw": (403, 403, 403, 403, 403),
    "planner_bw": (403, 403, 403, 403, 403),
    "planner_05913": (403, 403, 403, 403, 403),
    "org_own": (200, 404, 404, 404, 404),
    "org_far": (404, 404, 404, 200, 404),
}
RESIDENCE_ERASE: Row = {
    label: tuple(204 if status == 200 else status for status in statuses)
    for label, statuses in RESIDENCE_UPLOAD.items()
}
# One organisation's analysis: the organisation, admins, advisors of its territory if it consented (own did not;
# visible-shared and hidden did; far lies in Stuttgart). Planners never.
RESIDENCE_ANALYSIS: Row = {
    "anonymous": (401, 401, 401, 401, 401),
    "wrong_key": (401, 401, 401, 401, 401),
    "admin": (200, 200, 200, 200, 404),
    "advisor_dortmund": (403, 200, 200, 403, 404),
    "advisor_stuttgart": (403, 403, 403, 200, 404),
    "planner_nw": (403, 403, 403, 403, 403),
    "planner_bw": (403, 403, 403, 403, 403),
    "planner_05913": (403, 403, 403, 403, 403),
    "org_own": (200, 404, 404, 404, 404),
    "org_far": (404, 404, 404, 200, 404),
}
POOLED_CALLS = (
    Call("estate", f"{API}/residences/analysis", params={"estate": ESTATE}),
    Call("unknown estate", f"{API}/residences/analysis", params={"estate": "Gewerbegebiet Nirgendwo"}),
    Call("visible-shared", f"{API}/residences/analysis", params={"organisations": "visible-shared"},
         target="visible-shared"),
    Call("hidden", f"{API}/residences/analysis", params={"organisations": "hidden"}, target="hidden"),
    Call("far geojson", f"{API}/residences/analysis", params={"organisations": "far", "format": "geojson"},
         target="far"),
    Call("no selector", f"{API}/residences/analysis"),
    Call("estate html", f"{API}/residences/analysis", params={"estate": ESTATE, "format": "html"}),
)  # fmt: skip
# Pooled: planners of the region (ids only of organisations they may see), advisors of the territory, admins.
POOLED: Row = {
    "anonymous": (401, 401, 401, 401, 401, 401, 401),
    "wrong_key": (401, 401, 401, 401, 401, 401, 401),
    "admin": (200, 404, 200, 200, 200, 422, 200),
    "advisor_dortmund": (200, 404, 200, 200, 404, 422, 200),
    "advisor_stuttgart": (404, 404, 404, 404, 200, 422, 404),
    "planner_nw": (200, 404, 200, 404, 404, 422, 200),
    "planner_bw": (404, 404, 404, 404, 200, 422, 404),
    "planner_05913": (200, 404, 200, 404, 404, 422, 200),
    "org_own": (403, 403, 403, 403, 403, 403, 403),
    "org_far": (403, 403, 403, 403, 403, 403, 403),
}

MATRIX: dict[tuple[str, str], Entry] = {
    # public: nothing of any organisation; the key is not looked at (a wrong key is ignored)
    ("GET", "/health"): Entry(one("/health"), every(200)),
    ("GET", f"{API}/vocabulary"): Entry(one(f"{API}/vocabulary"), every(200)),
    ("GET", f"{API}/measures"): Entry(one(f"{API}/measures"), every(200)),
    ("GET", f"{API}/measures/{{measure_id}}"): Entry(
        (Call("mobility_survey", f"{API}/measures/mobility_survey"), Call("nobody", f"{API}/measures/nobody")),
        every(200, 404),
    ),
    ("GET", f"{API}/funding-programmes"): Entry(one(f"{API}/funding-programmes", params={"as_of": AS_OF}), every(200)),
    ("GET", f"{API}/funding-programmes/{{programme_id}}"): Entry(
        (
            Call("bmdv_bmm_breitenfoerderung", f"{API}/funding-programmes/bmdv_bmm_breitenfoerderung"),
            Call("nobody", f"{API}/funding-programmes/nobody"),
        ),
        every(200, 404),
    ),
    ("GET", f"{API}/advisors"): Entry(one(f"{API}/advisors"), every(200)),
    ("GET", f"{API}/advisors/{{advisor_id}}"): Entry(
        (Call("ihk_dortmund", f"{API}/advisors/ihk_dortmund"), Call("nobody", f"{API}/advisors/nobody")),
        every(200, 404),
    ),
    ("POST", f"{API}/match"): Entry(one(f"{API}/match", params={"as_of": AS_OF}, json=MATCH_PROFILE), MATCH),
    # with a key
    ("GET", f"{API}/me"): Entry(one(f"{API}/me"), with_key(200)),
    ("GET", f"{API}/limits"): Entry(one(f"{API}/limits"), every(200)),
    ("GET", ORGANISATIONS): Entry(
        (
            Call("all", ORGANISATIONS, params={"per_page": "200"}),
            Call("q=Hidden-7731", ORGANISATIONS, params={"q": "Hidden-7731"}),
        ),
        with_key(200, 200),
    ),
    ("GET", f"{ORGANISATIONS}/export"): Entry(
        (
            Call("csv", f"{ORGANISATIONS}/export", params={"format": "csv"}),
            Call("geojson", f"{ORGANISATIONS}/export", params={"format": "geojson"}),
        ),
        with_key(200, 200),
    ),
    ("POST", f"{ORGANISATIONS}/import"): Entry(one(f"{ORGANISATIONS}/import", csv=IMPORT_CSV.encode()), IMPORT),
    ("POST", ORGANISATIONS): Entry(CREATE_CALLS, CREATE),
    ("GET", ORGANISATIONS + ID): Entry(on_targets(ORGANISATIONS + ID), READ),
    ("PUT", ORGANISATIONS + ID): Entry(
        tuple(Call(t, f"{ORGANISATIONS}/{t}", json=stored_or_throwaway(t), target=t) for t in TARGETS),
        REPLACE,
    ),
    ("PATCH", ORGANISATIONS + ID): Entry(
        tuple(
            Call(t, f"{ORGANISATIONS}/{t}", json={"employees": stored_or_throwaway(t)["employees"]}, target=t)
            for t in TARGETS
        ),
        REPLACE,
    ),
    ("DELETE", ORGANISATIONS + ID): Entry(
        (
            *on_targets(ORGANISATIONS + ID),
            Call(THROWAWAY, f"{ORGANISATIONS}/{THROWAWAY}", target=THROWAWAY, throwaway=True),
        ),
        DELETE,
    ),
    ("GET", f"{ORGANISATIONS}{ID}/peers"): Entry(on_targets(ORGANISATIONS + ID + "/peers"), RECOMMENDATIONS),
    ("GET", f"{ORGANISATIONS}{ID}/measures"): Entry(on_targets(ORGANISATIONS + ID + "/measures"), RECOMMENDATIONS),
    ("GET", f"{ORGANISATIONS}{ID}/funding"): Entry(
        on_targets(ORGANISATIONS + ID + "/funding", params={"as_of": AS_OF}), RECOMMENDATIONS
    ),
    ("GET", f"{ORGANISATIONS}{ID}/advisors"): Entry(on_targets(ORGANISATIONS + ID + "/advisors"), RECOMMENDATIONS),
    ("GET", f"{ORGANISATIONS}{ID}/brief"): Entry(
        (
            *on_targets(ORGANISATIONS + ID + "/brief", params={"as_of": AS_OF}),
            *on_targets(ORGANISATIONS + ID + "/brief", " html", params={"as_of": AS_OF, "format": "html"}),
        ),
        twice(RECOMMENDATIONS),
    ),
    ("POST", f"{API}/feedback"): Entry(FEEDBACK_CALLS, FEEDBACK),
    ("GET", f"{API}/advisors/{{advisor_id}}/leads"): Entry(LEADS_CALLS, LEADS),
    ("GET", f"{API}/clusters"): Entry(CLUSTER_CALLS, CLUSTERS),
    ("PUT", f"{ORGANISATIONS}{ID}/residences"): Entry(
        on_targets(ORGANISATIONS + ID + "/residences", csv=RESIDENCES_CSV), RESIDENCE_UPLOAD
    ),
    ("GET", f"{ORGANISATIONS}{ID}/residences"): Entry(on_targets(ORGANISATIONS + ID + "/residences"), RESIDENCE_UPLOAD),
    ("DELETE", f"{ORGANISATIONS}{ID}/residences"): Entry(
        on_targets(ORGANISATIONS + ID + "/residences"), RESIDENCE_ERASE
    ),
    ("GET", f"{ORGANISATIONS}{ID}/residences/analysis"): Entry(
        (
            *on_targets(ORGANISATIONS + ID + "/residences/analysis"),
            *on_targets(ORGANISATIONS + ID + "/residences/analysis", " geojson", params={"format": "geojson"}),
            *on_targets(ORGANISATIONS + ID + "/residences/analysis", " html", params={"format": "html"}),
        ),
        {label: statuses * 3 for label, statuses in RESIDENCE_ANALYSIS.items()},
    ),
    ("GET", f"{API}/residences/analysis"): Entry(POOLED_CALLS, POOLED),
    # learned from feedback: admins only (no version in this world: nothing to switch off, 409)
    ("GET", f"{API}/learning"): Entry(one(f"{API}/learning"), admin_only(200)),
    ("POST", f"{API}/learning/rollback"): Entry(one(f"{API}/learning/rollback"), admin_only(409)),
    ("POST", f"{API}/learning/disable"): Entry(one(f"{API}/learning/disable"), admin_only(409)),
}
# Routes of the web app (docs/web.md): static, no organisation data, not part of the API; listed so that
# every route of the app is accounted for.
WEB_ROUTES = {("GET", "/"), ("GET", "/web/boundaries/kreise.geojson")}


@dataclass(frozen=True)
class Case:
    caller: Caller
    method: str
    template: str
    call: Call
    status: int

    @property
    def id(self) -> str:
        return f"{self.caller.label}-{self.method} {self.template.removeprefix(API)}-{self.call.label}"


CASES = [
    Case(caller, method, template, call, entry.expect[caller.label][i])
    for (method, template), entry in MATRIX.items()
    for caller in CALLERS
    for i, call in enumerate(entry.calls)
]


# -- fixtures -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    headers: dict[str, dict[str, str]]  # per caller label

    @property
    def admin(self) -> dict[str, str]:
        return self.headers["admin"]


@pytest.fixture(scope="module")
def world(client: TestClient) -> World:
    keys: SqlApiKeyRepository = client.app.state.api_keys  # type: ignore[attr-defined]
    rules = SubjectRules.from_reference(client.app.state.engine.reference)  # type: ignore[attr-defined]
    headers: dict[str, dict[str, str]] = {}
    for caller in CALLERS:
        if caller.key == "none":
            headers[caller.label] = {}
        elif caller.key == "wrong":
            headers[caller.label] = {"X-API-Key": WRONG_KEY}
        else:
            assert caller.role is not None
            headers[caller.label] = {"X-API-Key": keys.create(caller.role, caller.subject, rules=rules)[1]}
    for seeded in SEEDS.values():
        response = client.post(ORGANISATIONS, json=seeded.profile(), headers=headers["admin"])
        assert response.status_code == 201, response.text
    restore_residences(client)
    return World(headers)


def restore_residences(client: TestClient) -> None:
    """Store RESIDENCES_CSV's counts again for every seeded organisation with residences that lacks them."""
    store = client.app.state.residences  # type: ignore[attr-defined]
    stored = store.get_many([o.id for o in SEEDS.values()])
    for seeded in SEEDS.values():
        if seeded.residences and seeded.id not in stored:
            store.replace(seeded.id, ResidenceCounts.of(RESIDENCE_COUNTS))


@pytest.fixture(autouse=True)
def intact_world(client: TestClient, world: World) -> Iterator[None]:
    """After each test: exactly the seeded organisations, as seeded (writes in the matrix are undone)."""
    yield
    response = client.get(ORGANISATIONS, params={"per_page": "200"}, headers=world.admin)
    assert response.status_code == 200, response.text
    stored = {item["id"] for item in response.json()["items"]}
    for extra in stored - set(SEEDS):
        assert client.delete(f"{ORGANISATIONS}/{extra}", headers=world.admin).status_code == 204
    for missing in set(SEEDS) - stored:
        response = client.post(ORGANISATIONS, json=SEEDS[missing].profile(), headers=world.admin)
        assert response.status_code == 201, response.text
    restore_residences(client)
    # A delete revoked the deleted organisation's keys (issue 17.2): its callers get new ones.
    keys: SqlApiKeyRepository = client.app.state.api_keys  # type: ignore[attr-defined]
    rules = SubjectRules.from_reference(client.app.state.engine.reference)  # type: ignore[attr-defined]
    for caller in CALLERS:
        if caller.key == "valid" and caller.role is Role.ORGANISATION and caller.subject in set(SEEDS) - stored:
            world.headers[caller.label] = {"X-API-Key": keys.create(caller.role, caller.subject, rules=rules)[1]}


# -- checks -------------------------------------------------------------------------------------------------


def ids_in(value: Any) -> Iterator[str]:
    """Organisation ids in a JSON answer: ``id`` and ``organisation_id`` fields and cluster ``members``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("id", "organisation_id") and isinstance(item, str):
                yield item
            elif key == "members" and isinstance(item, list):
                yield from (member for member in item if isinstance(member, str))
            else:
                yield from ids_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from ids_in(item)


def answered_ids(response: httpx2.Response) -> set[str]:
    media_type = response.headers.get("content-type", "").split(";")[0]
    if media_type == "text/csv":
        return {row["id"] for row in csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")))}
    if media_type.endswith("json"):
        return set(ids_in(json.loads(response.text)))
    return set()


def assert_no_leak(caller: Caller, response: httpx2.Response) -> None:
    leaked = sorted(marker for marker in forbidden_markers(caller) if marker in response.text)
    assert not leaked, f"{caller.label} reads {leaked}"
    leaked_ids = sorted(answered_ids(response) & forbidden_ids(caller))
    assert not leaked_ids, f"{caller.label} reads the ids {leaked_ids}"


def assert_problem(response: httpx2.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == PROBLEM, response.headers["content-type"]
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == response.status_code
    assert body["type"].startswith("urn:bmm-match:problem:")
    assert body["title"]
    assert body["detail"]
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"] == "ApiKey"
    return body


def assert_hull_withheld_unless_all_members_shown(response: httpx2.Response) -> None:
    """A hull's corners are member locations: only when every member is listed (docs/privacy.md)."""
    body = response.json()
    if "clusters" in body:
        for cluster in body["clusters"]:
            if len(cluster["members"]) < cluster["member_count"]:
                assert cluster["hull"] is None, cluster
    else:  # GeoJSON: a withheld hull is the centroid as a point
        for feature in body["features"]:
            properties = feature["properties"]
            if len(properties["members"]) < properties["member_count"]:
                assert feature["geometry"]["type"] == "Point", feature


# -- tests --------------------------------------------------------------------------------------------------


def test_every_route_is_in_the_matrix(client: TestClient) -> None:
    routes = {
        (method, context.path)
        for context in iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
        if isinstance(context.original_route, APIRoute) and context.path is not None
        for method in context.methods or ()
    }
    assert routes - WEB_ROUTES == set(MATRIX), "a route without a matrix entry, or an entry without a route"
    assert routes >= WEB_ROUTES


def test_the_matrix_has_a_status_for_every_caller_and_call() -> None:
    for key, entry in MATRIX.items():
        assert set(entry.expect) == set(CALLER), key
        for label, statuses in entry.expect.items():
            assert len(statuses) == len(entry.calls), (key, label)
            assert all(200 <= status < 500 for status in statuses), (key, label)


def test_the_world_has_what_the_markers_stand_for() -> None:
    """The oracle itself: the contract's examples hold in the world (so the leak checks are not vacuous)."""
    own, shared, hidden = CALLER["org_own"], SEEDS["visible-shared"], SEEDS["hidden"]
    assert not may_name(own, hidden)
    assert {o.id for o in SEEDS.values() if may_contact(own, o) and o.city == "dortmund"} == {"own", shared.id}
    assert not any(may_name(CALLER["planner_bw"], o) for o in SEEDS.values() if o.city == "dortmund")
    assert forbidden_ids(CALLER["anonymous"]) == set(SEEDS)
    assert forbidden_markers(CALLER["admin"]) == set()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_role_matrix(client: TestClient, world: World, case: Case) -> None:
    if case.call.throwaway:
        response = client.post(ORGANISATIONS, json=throwaway_profile(), headers=world.admin)
        assert response.status_code == 201, response.text
    response = case.call.send(client, case.method, world.headers[case.caller.label])
    request = f"{case.method} {response.request.url} as {case.caller.label}"
    assert response.status_code < 500, f"{request}: {response.status_code} {response.text}"
    assert response.status_code == case.status, f"{request}: {response.status_code} {response.text[:500]}"
    if response.status_code >= 400:
        body = assert_problem(response)
        if response.status_code == 404 and case.call.target is not None:
            assert body["detail"] == not_found_detail(case.call.target), request
    assert_no_leak(case.caller, response)
    if case.template == f"{API}/clusters" and response.status_code == 200:
        assert_hull_withheld_unless_all_members_shown(response)


# Positive controls: the markers do appear where they may, so their absence elsewhere means something.


def _get(client: TestClient, world: World, caller: str, path: str, **params: str) -> httpx2.Response:
    response = client.get(path, params=params, headers=world.headers[caller])
    assert response.status_code == 200, response.text
    return response


def test_markers_appear_where_they_may(client: TestClient, world: World) -> None:
    shared, private, hidden = SEEDS["visible-shared"], SEEDS["visible-private"], SEEDS["hidden"]
    text = _get(client, world, "admin", f"{ORGANISATIONS}/hidden").text
    assert {m for m in hidden.name_markers() | hidden.contact_markers() if m not in text} == set()
    text = _get(client, world, "advisor_dortmund", f"{ORGANISATIONS}/own/peers").text
    assert hidden.name in text
    assert hidden.email in text
    text = _get(client, world, "org_own", f"{ORGANISATIONS}/own/peers").text
    assert shared.name in text
    assert shared.email in text
    assert private.name in text
    text = _get(client, world, "planner_nw", f"{ORGANISATIONS}/export").text
    assert shared.name in text
    assert shared.email in text
    assert private.name in text


@pytest.mark.parametrize(
    ("caller", "visible", "hidden_in_region"),
    [
        ("planner_nw", {"visible-shared", "visible-private"}, 3),
        ("planner_05913", {"visible-shared", "visible-private"}, 3),
        ("planner_bw", {"far"}, 0),
    ],
)
def test_planners_list_names_and_locations_of_their_region_and_count_the_rest(
    client: TestClient, world: World, caller: str, visible: set[str], hidden_in_region: int
) -> None:
    body = _get(client, world, caller, ORGANISATIONS, per_page="200").json()
    assert {item["id"] for item in body["items"]} == visible
    assert body["hidden_in_region"] == hidden_in_region
    public = {"view", "id", "name", "kind", "estate", "location", "synthetic", "contact", "address"}
    for item in body["items"]:
        assert set(item) == public, item
        assert (item["contact"] is not None) == SEEDS[item["id"]].shareable


@pytest.mark.parametrize("caller", ["planner_nw", "planner_05913", "admin", "advisor_dortmund"])
def test_the_dortmund_cluster_counts_everybody_and_lists_whom_the_caller_may_see(
    client: TestClient, world: World, caller: str
) -> None:
    body = _get(client, world, caller, f"{API}/clusters", issue="parking_shortage", kreis="05913", as_of=AS_OF).json()
    dortmund = {o.id for o in SEEDS.values() if o.city == "dortmund"}
    (cluster,) = [c for c in body["clusters"] if c["member_count"] == len(dortmund)]
    shown = {o for o in dortmund if may_name(CALLER[caller], SEEDS[o])}
    assert set(cluster["members"]) == shown
    assert (cluster["hull"] is not None) == (shown == dortmund)


@pytest.mark.parametrize("caller", ["anonymous", "wrong_key", "advisor_dortmund", "planner_nw", "planner_bw"])
def test_a_denied_capability_answers_alike_for_every_id(client: TestClient, world: World, caller: str) -> None:
    """401 and 403 are decided before any lookup: stored, hidden and unknown ids get the same answer."""
    compared = 0
    for (method, template), entry in MATRIX.items():
        statuses = entry.expect[caller]
        targeted = [call for call in entry.calls if call.target in TARGETS]
        if not targeted or not all(status in (401, 403) for status in statuses):
            continue
        answers = {call.send(client, method, world.headers[caller]).text for call in targeted}
        assert len(answers) == 1, (caller, method, template, answers)
        compared += 1
    assert compared >= 3


def test_a_hidden_peer_in_feedback_reads_like_an_unknown_one(client: TestClient, world: World) -> None:
    def answer(item_id: str) -> dict[str, Any]:
        response = feedback("own", "peer", item_id).send(client, "POST", world.headers["org_own"])
        assert response.status_code == 422, response.text
        body: dict[str, Any] = json.loads(response.text.replace(item_id, "ID"))
        return body

    assert answer("hidden") == answer("nobody")
