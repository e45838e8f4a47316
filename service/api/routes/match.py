"""POST /api/v1/match: recommendations for a profile that is not stored ("what if", first contact)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from matcher.matching.advisors import recommend_advisors
from matcher.matching.funding import recommend_funding
from matcher.matching.peers import recommend_peers
from matcher.models import OrganisationProfile
from service.access import Capability, ProfileView, redact_profile
from service.api.deps import AskingDep, BuilderDep
from service.api.openapi import OPTIONAL_KEY
from service.api.placing import peer_items
from service.api.problems import problem_responses
from service.api.results import MatchPeers, MatchResponse
from service.api.schemas import IsoDate, OrganisationFull
from service.auth import Role
from service.coverage import coverage_note
from service.storage.feedback import MIXED

router = APIRouter(prefix="/api/v1", tags=["match"])

# The id an unsaved profile is matched under; an organisation's own key matches under its own id, so its
# stored profile is not offered as its own peer.
UNSAVED_ID = "unsaved-profile"


@router.post(
    "/match",
    summary="Profil abgleichen, ohne es zu speichern / Match a profile without storing it",
    description=(
        "Für Was-wäre-wenn-Fragen und den ersten Kontakt: das Profil wird geprüft, verortet und abgeglichen, "
        "aber nicht gespeichert. Antwort: das Profil mit abgeleiteten Feldern, Maßnahmen, Förderung am Stichtag "
        "`as_of` und Beratung; `peers` nur mit einem Schlüssel, der Partner sehen darf (admin, advisor, "
        "organisation), sonst null. Ohne Schlüssel nutzbar.\n\n"
        "For 'what if' questions and first contact: the profile is validated, located and matched but not "
        "stored. Answers the profile with its derived fields, measures, funding on `as_of` and advisors; `peers` "
        "only with a key allowed to see peers, else null. Usable without a key."
    ),
    responses=problem_responses(401, 413, 422),
    openapi_extra=OPTIONAL_KEY,  # usable without a key (peers then null)
)
def recommend_for_profile(
    profile: OrganisationProfile,
    asking: AskingDep,
    builder: BuilderDep,
    as_of: Annotated[
        IsoDate | None, Query(description="Stichtag YYYY-MM-DD (Standard: heute) / reference date (default: today)")
    ] = None,
) -> MatchResponse:
    engine, policy, principal, snapshot = asking.engine, asking.policy, asking.principal, asking.snapshot
    policy.require(principal, Capability.MATCH)
    own = principal is not None and principal.role is Role.ORGANISATION and principal.subject is not None
    organisation_id = principal.subject if own and principal is not None and principal.subject else UNSAVED_ID
    organisation = builder.build(profile, organisation_id)
    catalog, settings, day = engine.reference.catalog, engine.settings, as_of or date.today()
    measures = asking.measures(organisation, None)
    funding = recommend_funding(organisation, catalog, [m.id for m in measures], settings.funding, day)
    funding = funding.model_copy(update={"items": asking.adjusted(funding.items, "funding", organisation)})
    advisors = recommend_advisors(organisation, catalog, settings.advisors, engine.reference.geo.kreis_naming)
    advisors = advisors.model_copy(update={"items": asking.adjusted(advisors.items, "advisor", organisation)})
    peers = None
    if policy.may_request(principal, Capability.MATCH_WITH_PEERS):
        answer = recommend_peers(
            organisation, snapshot.index, engine.vectoriser, catalog, settings.peers,
            include_invisible=policy.include_invisible_peers(principal), home_places=snapshot.home_places,
        )  # fmt: skip
        items = peer_items(policy, principal, snapshot, asking.adjusted(answer.items, "peer", organisation))
        peers = MatchPeers(radius_km=answer.radius_km, candidates=answer.candidates, items=items)
    shown = [
        *(("measure", m) for m in measures), *(("funding", f) for f in funding.items),
        *(("advisor", a) for a in advisors.items), *(("peer", p) for p in (peers.items if peers else [])),
    ]  # fmt: skip
    logged_for = organisation_id if own else None
    recommendation_id = asking.log("match", MIXED, logged_for, {"as_of": day.isoformat()}, shown)
    return MatchResponse(
        recommendation_id=recommendation_id,
        profile=OrganisationFull.model_validate(
            {
                **redact_profile(organisation, ProfileView.FULL, True),
                "coverage_note": coverage_note(organisation.location.state),
            }
        ),
        measures=measures, funding=funding, advisors=advisors, peers=peers,
    )  # fmt: skip
