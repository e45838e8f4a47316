"""Response models of the recommendation endpoints: the matcher's answers plus what the service adds.

The service adds the ``recommendation_id`` under which the answer was logged (quote it in feedback), the
organisation it was computed for, and — for organisations in a result (peers, leads) — their location
and, only where the access policy allows, their contact data.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from matcher.matching.advisors import AdvisorAnswer
from matcher.matching.funding import FundingAnswer
from matcher.matching.measures import MeasureRecommendation
from matcher.matching.peers import PeerAnswer, PeerRecommendation
from matcher.models import Contact, assembled
from matcher.planning.brief import Brief
from matcher.planning.leads import Lead, LeadAnswer
from service.api.schemas import OrganisationFull

LOGGED = Field(
    description="Protokoll-id dieser Antwort (null, wenn sie nicht protokolliert werden konnte) / "
    "log id of this answer (null when it could not be logged)"
)


class SharedContact(BaseModel):
    contact: Contact | None = Field(default=None, description="nur mit Einwilligung / only with consent")
    address: str | None = Field(default=None, description="nur mit Einwilligung / only with consent")


class PlacedOrganisation(SharedContact):
    lat: float = Field(description="ermittelter Standort (WGS84) / resolved location")
    lon: float
    municipality: str = Field(description="Gemeinde / municipality")
    estate: str | None = Field(default=None, description="Gewerbegebiet / industrial estate")
    synthetic: bool = Field(description="synthetisches Demo-Profil / synthetic demo profile")


class PeerItem(PeerRecommendation, PlacedOrganisation):
    """Ein Partner in der Nähe / a peer nearby."""


class PeersResponse(BaseModel):
    organisation_id: str
    recommendation_id: str | None = LOGGED
    radius_km: float = Field(description="verwendeter Suchradius / search radius finally used (widened if needed)")
    candidates: int = Field(description="bewertete Kandidaten im Radius / qualifying organisations ranked")
    items: list[PeerItem]


PEERS_RESPONSE_FIELDS = frozenset(PeersResponse.model_fields)


def peers_response(
    organisation_id: str, recommendation_id: str | None, answer: PeerAnswer, items: list[PeerItem]
) -> PeersResponse:
    """The peers answer assembled from validated parts (the answer's radius and count, the placed items), not
    validated again: in the request, after the numpy work of the answer, the validator's first use costs ~25 µs
    (docs/benchmarks.md, sixth round). tests/service/api/test_recommendations.py holds it to the validating
    constructor."""
    values = {
        "organisation_id": organisation_id, "recommendation_id": recommendation_id, "radius_km": answer.radius_km,
        "candidates": answer.candidates, "items": items,
    }  # fmt: skip
    return assembled(PeersResponse, values, PEERS_RESPONSE_FIELDS)


class MeasuresResponse(BaseModel):
    organisation_id: str
    recommendation_id: str | None = LOGGED
    items: list[MeasureRecommendation]


class FundingResponse(FundingAnswer):
    organisation_id: str
    recommendation_id: str | None = LOGGED


class AdvisorsResponse(AdvisorAnswer):
    organisation_id: str
    recommendation_id: str | None = LOGGED


class BriefResponse(Brief):
    recommendation_id: str | None = LOGGED


class MatchPeers(BaseModel):
    radius_km: float
    candidates: int
    items: list[PeerItem]


class MatchResponse(BaseModel):
    """Empfehlungen für ein nicht gespeichertes Profil / recommendations for a profile that is not stored."""

    recommendation_id: str | None = LOGGED
    profile: OrganisationFull = Field(description="das Profil mit abgeleiteten Feldern / with its derived fields")
    measures: list[MeasureRecommendation]
    funding: FundingAnswer
    advisors: AdvisorAnswer
    peers: MatchPeers | None = Field(
        description="nur mit einem Schlüssel, der Peers sehen darf (admin, advisor, organisation), sonst null / "
        "only with a key allowed to see peers, else null"
    )


class LeadItem(Lead, PlacedOrganisation):
    """Eine Organisation im Gebiet mit Gesprächsanlass / an organisation of the territory worth a visit."""


class LeadsResponse(LeadAnswer):
    recommendation_id: str | None = LOGGED
    items: list[LeadItem]  # type: ignore[assignment]
