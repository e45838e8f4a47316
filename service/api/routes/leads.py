"""GET /api/v1/advisors/{id}/leads: whom an advisor should consult first in its territory."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status

from matcher.planning.leads import recommend_leads
from matcher.vocabulary import OrganisationKind, ProblemCode
from service.api.deps import AskingDep
from service.api.placing import placed
from service.api.problems import problem_responses
from service.api.results import LeadItem, LeadsResponse
from service.api.schemas import CATALOGUE_ID_PATTERN, KREIS_PATTERN, IsoDate

router = APIRouter(prefix="/api/v1", tags=["advisors"])


@router.get(
    "/advisors/{advisor_id}/leads",
    summary="Gesprächsanlässe im eigenen Gebiet / Leads in the advisor's territory",
    description=(
        "Die Organisationen im Gebiet der Beratungsstelle (nur Arten, die sie berät), geordnet nach Potenzial: "
        "Beschäftigte, Schwere der Probleme, ungelöster Anteil und jetzt förderbar; je drei Gesprächspunkte "
        "(Einstiegsmaßnahme, Förderung, Partner, der es schon gelöst hat). Nur admin und die Beratungsstelle "
        "selbst; Kontaktdaten nur mit Einwilligung.\n\n"
        "The organisations of the advisor's territory (kinds it serves), ranked by potential: employees, problem "
        "severity, unaddressed share and fundable now; three talking points each. Admins and the advisor itself "
        "only; contact data only with consent."
    ),
    responses=problem_responses(401, 403, 404, 422),
)
def get_leads(
    advisor_id: Annotated[str, Path(pattern=CATALOGUE_ID_PATTERN, description="id der Beratungsstelle / advisor id")],
    asking: AskingDep,
    limit: Annotated[int | None, Query(ge=1, le=500, description="höchstens / at most (1–500, Standard 20)")] = None,
    kreis: Annotated[str | None, Query(pattern=KREIS_PATTERN, description="nur dieser Kreis / Kreis code")] = None,
    kind: Annotated[OrganisationKind | None, Query(description="nur diese Art / organisation kind")] = None,
    problem: Annotated[ProblemCode | None, Query(description="nur mit diesem Problem / with this problem")] = None,
    min_employees: Annotated[
        int | None, Query(ge=1, description="mindestens so viele Beschäftigte / minimum employees")
    ] = None,
    as_of: Annotated[
        IsoDate | None, Query(description="Stichtag YYYY-MM-DD (Standard: heute) / reference date (default: today)")
    ] = None,
) -> LeadsResponse:
    engine, policy, principal, snapshot = asking.engine, asking.policy, asking.principal, asking.snapshot
    policy.require_leads(principal, advisor_id)
    if advisor_id not in engine.reference.catalog.advisors:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"Beratungsstelle '{advisor_id}' nicht gefunden. / Advisor '{advisor_id}' not found.",
        )
    day = as_of or date.today()
    answer = recommend_leads(
        advisor_id, snapshot.index, snapshot.organisations, engine.vectoriser, engine.reference.catalog,
        engine.settings, as_of=day, kreis_naming=engine.reference.geo.kreis_naming, limit=limit, kreis=kreis,
        kind=kind.value if kind else None, problem=problem.value if problem else None, min_employees=min_employees,
    )  # fmt: skip
    items = [
        LeadItem(**{**placed(policy, principal, snapshot.organisations[item.id]), **item.model_dump()})
        for item in answer.items
    ]
    parameters = {
        "advisor_id": advisor_id, "limit": limit, "kreis": kreis, "kind": kind, "problem": problem,
        "min_employees": min_employees, "as_of": day,
    }  # fmt: skip
    recommendation_id = asking.log("leads", "lead", None, parameters, items)
    return LeadsResponse(**{**answer.model_dump(), "items": items}, recommendation_id=recommendation_id)
