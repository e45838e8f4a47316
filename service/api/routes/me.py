"""GET /api/v1/me: who the key belongs to (the web app uses it to choose its view)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from service.access import AccessPolicy, Capability
from service.api.problems import problem_responses
from service.api.security import PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["system"])


class Me(BaseModel):
    key_id: str = Field(description="id des Schlüssels (nicht das Geheimnis) / key id (not the secret)")
    role: str = Field(description="admin, advisor, planner oder organisation")
    subject: str | None = Field(
        description="Beratungsstelle, Region (DE-NW, DE-BW, Kreis) oder Organisation / advisor, region or organisation"
    )
    capabilities: list[Capability] = Field(description="was der Schlüssel darf / what the key may do")


@router.get(
    "/me",
    summary="Eigener Schlüssel / The caller's key",
    description="Rolle, Bezug und Rechte des Schlüssels. / Role, subject and capabilities of the key.",
    responses=problem_responses(401),
)
def get_me(principal: PrincipalDep) -> Me:
    allowed = [c for c in Capability if AccessPolicy.may_request(principal, c)]
    return Me(key_id=principal.key_id, role=principal.role.value, subject=principal.subject, capabilities=allowed)
