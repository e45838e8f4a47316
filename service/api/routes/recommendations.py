"""Recommendations for one stored organisation: peers, advisors, measures, funding and the brief.

Computed on the in-memory snapshot (``service.live``), so every write is reflected from the next request
on. Who may ask is decided by :class:`service.access.AccessPolicy` before anything is looked up; another
organisation's id is 404 like an unknown one. Every answer is logged (``recommendation_id``) with what
was shown, never with contact data.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from matcher.matching.advisors import recommend_advisors
from matcher.matching.funding import recommend_funding
from matcher.matching.peers import recommend_peers
from matcher.planning.brief import build_brief
from matcher.settings import PeerSettings
from service.access import Capability
from service.api.asking_route import AskingRoute
from service.api.deps import AskingDep
from service.api.placing import peer_items
from service.api.problems import problem_responses
from service.api.results import (
    AdvisorsResponse,
    BriefResponse,
    FundingResponse,
    MeasuresResponse,
    PeersResponse,
    peers_response,
)
from service.api.schemas import IsoDate, OrganisationIdPath
from service.brief_html import HEADERS as BRIEF_HEADERS
from service.brief_html import render_brief_html
from service.storage.feedback import MIXED

# AskingRoute: peers, measures and funding read their few parameters themselves (service/api/asking_route.py).
router = APIRouter(prefix="/api/v1/organisations/{organisation_id}", tags=["recommendations"], route_class=AskingRoute)

ERRORS = problem_responses(401, 403, 404, 422)
AsOf = Annotated[
    IsoDate | None,
    Query(description="Stichtag YYYY-MM-DD für die Förderung (Standard: heute) / reference date (default: today)"),
]
MAX_RADIUS_KM = PeerSettings.model_fields["max_radius_km"].default
MAX_MEASURES = 49


class BriefFormat(StrEnum):
    JSON = "json"
    HTML = "html"


def json_answer(answer: BaseModel) -> Response:
    """``answer`` serialised once, by pydantic, exactly as FastAPI serialises a ``response_model`` (which stays on
    the route for the OpenAPI schema), without FastAPI validating the answer a second time: it was built from
    validated parts. The serialiser's bytes go out as they are (``model_dump_json`` decodes them into a str, which
    the Response encodes again: ~10 µs of a peers answer's ~50, docs/benchmarks.md, fifth round)."""
    return Response(answer.__pydantic_serializer__.to_json(answer, by_alias=True), media_type="application/json")


# peers, measures and funding are ``async def``: their work is short and CPU-bound (numpy over the in-memory
# snapshot, nothing that waits on I/O; the log row is only queued), so a hop to the thread pool would cost more
# than it spares the event loop, and under the GIL a thread would not run it beside other requests anyway.


@router.get(
    "/peers",
    summary="Partner in der Nähe / Peers nearby",
    description=(
        "Organisationen in der Nähe mit denselben Problemen oder schon gelösten, mit Score und Begründungen, "
        "deren Gewichte den Score ergeben. Organisationen sehen nur für Peers sichtbare Partner, Kontaktdaten nur "
        "mit Einwilligung; admin und advisor sehen alle. Der Radius wird bis 80 km erweitert, wenn zu wenige "
        "passen.\n\n"
        "Organisations nearby with the same problems or ones that solved them, with a score and reasons whose "
        "weights add up to it. Organisations see only peers visible to peers, contact data only with consent; "
        "admins and advisors see all. The radius widens up to 80 km when too few qualify."
    ),
    response_model=PeersResponse,
    responses=ERRORS,
)
async def get_peers(
    organisation_id: OrganisationIdPath,
    asking: AskingDep,
    limit: Annotated[int | None, Query(ge=1, le=100, description="höchstens / at most (1–100, Standard 10)")] = None,
    radius_km: Annotated[
        float | None,
        Query(gt=0, le=MAX_RADIUS_KM, description=f"Suchradius in km (bis {MAX_RADIUS_KM:g}) / search radius"),
    ] = None,
) -> Response:
    organisation = asking.organisation(organisation_id, Capability.PEERS)
    engine = asking.engine
    rows: list[int] = []  # the shown peers' rows of the snapshot's index, for placing them without an id search
    answer = recommend_peers(
        organisation, asking.snapshot.index, engine.vectoriser, engine.reference.catalog, engine.settings.peers,
        include_invisible=asking.policy.include_invisible_peers(asking.principal), limit=limit, radius_km=radius_km,
        home_places=asking.snapshot.home_places, rows=rows,
    )  # fmt: skip
    adjusted = asking.adjusted(answer.items, "peer", organisation)
    at = dict(zip([item.id for item in answer.items], rows, strict=True))
    items = peer_items(asking.policy, asking.principal, asking.snapshot, adjusted, at)
    parameters = {"limit": limit, "radius_km": radius_km}
    recommendation_id = asking.log("peers", "peer", organisation_id, parameters, items)
    return json_answer(peers_response(organisation_id, recommendation_id, answer, items))


@router.get(
    "/advisors",
    summary="Zuständige Beratung / Responsible advisors",
    description=(
        "Die für Standort und Organisationsart zuständigen Kammern, Netzwerke und Verbünde, mit Begründungen.\n\n"
        "The chambers, networks and transport associations responsible for the location and kind, with reasons."
    ),
    responses=ERRORS,
)
def get_advisors(
    organisation_id: OrganisationIdPath,
    asking: AskingDep,
) -> AdvisorsResponse:
    organisation = asking.organisation(organisation_id, Capability.RECOMMENDATIONS)
    reference = asking.engine.reference
    answer = recommend_advisors(
        organisation, reference.catalog, asking.engine.settings.advisors, reference.geo.kreis_naming
    )
    answer = answer.model_copy(update={"items": asking.adjusted(answer.items, "advisor", organisation)})
    recommendation_id = asking.log("advisors", "advisor", organisation_id, {}, answer.items)
    return AdvisorsResponse(**answer.model_dump(), organisation_id=organisation_id, recommendation_id=recommendation_id)


@router.get(
    "/measures",
    summary="Passende Maßnahmen / Suitable measures",
    description=(
        "Maßnahmen aus dem Katalog für die Probleme der Organisation, ohne die schon umgesetzten, mit dem Signal "
        "ähnlicher Organisationen in der Nähe und Vielfalt über die Kategorien.\n\n"
        "Catalogue measures for the organisation's problems, without those in place, with the signal of similar "
        "organisations nearby and diversity across categories."
    ),
    response_model=MeasuresResponse,
    responses=ERRORS,
)
async def get_measures(
    organisation_id: OrganisationIdPath,
    asking: AskingDep,
    limit: Annotated[
        int | None, Query(ge=1, le=MAX_MEASURES, description=f"höchstens / at most (1–{MAX_MEASURES}, Standard 10)")
    ] = None,
) -> Response:
    organisation = asking.organisation(organisation_id, Capability.RECOMMENDATIONS)
    items = asking.measures(organisation, limit)
    recommendation_id = asking.log("measures", "measure", organisation_id, {"limit": limit}, items)
    return json_answer(
        MeasuresResponse(organisation_id=organisation_id, recommendation_id=recommendation_id, items=items)
    )


@router.get(
    "/funding",
    summary="Passende Förderprogramme / Eligible funding programmes",
    description=(
        "Förderprogramme, die am Stichtag `as_of` beantragt werden können und die empfohlenen Maßnahmen fördern; "
        "Nicht-Zuschüsse sind als solche bezeichnet. Mit `include_ineligible=true` auch die übrigen mit Grund.\n\n"
        "Programmes open on `as_of` that fund the recommended measures; non-grants are labelled. With "
        "`include_ineligible=true` also the others, with the reason."
    ),
    response_model=FundingResponse,
    responses=ERRORS,
)
async def get_funding(
    organisation_id: OrganisationIdPath,
    asking: AskingDep,
    as_of: AsOf = None,
    include_ineligible: Annotated[
        bool, Query(description="auch nicht passende Programme mit Grund / also ineligible ones with the reason")
    ] = False,
) -> Response:
    organisation = asking.organisation(organisation_id, Capability.RECOMMENDATIONS)
    day = as_of or date.today()
    recommended = [m.id for m in asking.measures(organisation, None)]
    answer = recommend_funding(
        organisation, asking.engine.reference.catalog, recommended, asking.engine.settings.funding, day,
        include_ineligible,
    )  # fmt: skip
    answer = answer.model_copy(update={"items": asking.adjusted(answer.items, "funding", organisation)})
    parameters = {"as_of": day.isoformat(), "include_ineligible": include_ineligible}
    recommendation_id = asking.log("funding", "funding", organisation_id, parameters, answer.items)
    return json_answer(
        FundingResponse(**answer.model_dump(), organisation_id=organisation_id, recommendation_id=recommendation_id)
    )


@router.get(
    "/brief",
    summary="Beratungsunterlage / Consultation brief",
    description=(
        "Alles für ein Erstgespräch auf einer Seite: Profil, Probleme, Maßnahmen, Förderung, Partner, Beratung "
        "und eine Zusammenfassung. `format=html` liefert eine druckbare deutsche A4-Seite mit kleiner Karte. "
        "Kontaktdaten nur nach docs/privacy.md.\n\n"
        "Everything for a first consultation on one page. `format=html` returns a printable German A4 page with "
        "a small map. Contact data as in docs/privacy.md."
    ),
    response_model=BriefResponse,
    responses={**ERRORS, 200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
def get_brief(
    organisation_id: OrganisationIdPath,
    asking: AskingDep,
    as_of: AsOf = None,
    format: Annotated[BriefFormat, Query(description="json oder html / json or html")] = BriefFormat.JSON,
) -> BriefResponse | HTMLResponse:
    organisation = asking.organisation(organisation_id, Capability.BRIEF)
    engine, policy, principal, snapshot = asking.engine, asking.policy, asking.principal, asking.snapshot
    day = as_of or date.today()
    built = build_brief(
        organisation, snapshot.index, engine.vectoriser, engine.reference.catalog, engine.settings, as_of=day,
        include_invisible_peers=policy.include_invisible_peers(principal),
        kreis_naming=engine.reference.geo.kreis_naming, adjustments=asking.learned, home_places=snapshot.home_places,
    )  # fmt: skip
    contact = {"contact": organisation.contact, "address": organisation.address}
    shown = contact if policy.contact_visible(principal, organisation) else dict.fromkeys(contact)
    visible = [p for p in built.peers.items if policy.peer_visible(principal, snapshot.organisations[p.id])]
    built = built.model_copy(
        update={
            "organisation": built.organisation.model_copy(update=shown),
            "peers": built.peers.model_copy(update={"items": visible}),
        }
    )
    shown_items = [
        *(("measure", m) for m in built.measures), *(("funding", f) for f in built.funding.items),
        *(("peer", p) for p in built.peers.items), *(("advisor", a) for a in built.advisors.items),
    ]  # fmt: skip
    parameters = {"as_of": day.isoformat(), "format": format.value}
    recommendation_id = asking.log("brief", MIXED, organisation_id, parameters, shown_items)
    if format is BriefFormat.HTML:
        peers_shown = [snapshot.organisations[p.id] for p in built.peers.items]
        page = render_brief_html(built, organisation, peers_shown, engine.reference)
        return HTMLResponse(page, headers=BRIEF_HEADERS)
    return BriefResponse(**built.model_dump(), recommendation_id=recommendation_id)
