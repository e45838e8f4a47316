"""What was learned from feedback (issue 16), for admins: the versions, the served one's model card with
its evidence, rollback and switching off. ``bmm learn`` fits; these routes only read and switch."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from matcher.learning.evaluation import LearningResult
from service.access import Capability
from service.api.deps import EngineDep, LearnedDep, LearningStoreDep, PolicyDep, SnapshotDep
from service.api.problems import Problem, problem_responses
from service.api.security import OptionalPrincipalDep
from service.storage.learning import NoActiveVersionError, VersionSummary

router = APIRouter(prefix="/api/v1/learning", tags=["learning"])


class VersionOut(BaseModel):
    id: int
    created_at: datetime
    active: bool
    events: int = Field(description="gezählte Rückmeldungen / judgements counted")
    adjustments: int = Field(description="Anpassungen / adjusted cells (item x segment)")


class LearningOut(BaseModel):
    served: int | None = Field(description="ausgelieferte Version (null: keine) / version served (null: none)")
    versions: list[VersionOut] = Field(description="alle Versionen, neueste zuerst / every version, newest first")
    shown: int | None = Field(description="die Version der Modellkarte / the version of the card")
    card: LearningResult | None = Field(description="Modellkarte: Datenfenster, Zahlen, Kennzahlen, Anpassungen")
    names: dict[str, str] = Field(description="'<type>:<id>' -> Name der Einträge der Karte / item names")


class SwitchOut(BaseModel):
    switched_off: int = Field(description="abgeschaltete Version / version switched off")
    served: int | None = Field(description="jetzt ausgelieferte Version / version now served")


SWITCH_ERRORS = {
    **problem_responses(401, 403),
    409: {"model": Problem, "description": "keine Version ausgeliefert / no version is served"},
}


def _nothing_served() -> HTTPException:
    return HTTPException(
        409,
        detail="Keine Version wird ausgeliefert: nichts abzuschalten. / No version is served: nothing to switch off.",
    )


def _version(summary: VersionSummary) -> VersionOut:
    return VersionOut(
        id=summary.id, created_at=summary.created_at, active=summary.active, events=summary.events,
        adjustments=summary.adjustments,
    )  # fmt: skip


@router.get(
    "",
    summary="Gelerntes aus Rückmeldungen / What was learned from feedback",
    description=(
        "Versionen der gelernten Anpassungen und die Modellkarte der ausgelieferten (oder mit `version` einer "
        "anderen): Datenfenster, Zahlen, Kennzahlen vorher/nachher, Anpassungen mit ihren Belegen. Nur admin.\n\n"
        "Versions of the learned adjustments and the model card of the one served (or of `version`). Admins only."
    ),
    responses=problem_responses(401, 403, 404, 422),
)
def get_learning(
    principal: OptionalPrincipalDep,
    policy: PolicyDep,
    store: LearningStoreDep,
    engine: EngineDep,
    snapshot: SnapshotDep,
    version: int | None = Query(default=None, ge=1, description="Version der Karte / version of the card"),
) -> LearningOut:
    policy.require(principal, Capability.LEARNING)
    versions = store.versions()
    served = next((v.id for v in versions if v.active), None)
    shown = version if version is not None else served if served is not None else (versions[0].id if versions else None)
    card = None
    if shown is not None:
        found = store.get(shown)
        if found is None:
            raise HTTPException(404, detail=f"Die Version {shown} gibt es nicht. / There is no version {shown}.")
        card = found.result
    catalog = engine.reference.catalog
    names: dict[str, str] = {}
    for cell in card.adjustments.changes if card is not None else []:
        key = f"{cell.item_type}:{cell.item_id}"
        if cell.item_type == "measure" and cell.item_id in catalog.measures:
            names[key] = catalog.measures[cell.item_id].name_de
        elif cell.item_type == "funding" and cell.item_id in catalog.funding:
            names[key] = catalog.funding[cell.item_id].name
        elif cell.item_type == "advisor" and cell.item_id in catalog.advisors:
            names[key] = catalog.advisors[cell.item_id].name
        elif cell.item_type == "peer" and cell.item_id in snapshot.organisations:
            names[key] = snapshot.organisations[cell.item_id].name
    return LearningOut(served=served, versions=[_version(v) for v in versions], shown=shown, card=card, names=names)


@router.post(
    "/rollback",
    summary="Zur vorigen Version / Roll back to the previous version",
    description=(
        "Schaltet die ausgelieferte Version ab und die vorige an; alle Worker übernehmen das binnen Sekunden. "
        "Nur admin.\n\nSwitches the served version off and the previous one on. Admins only."
    ),
    responses=SWITCH_ERRORS,
)
def rollback(
    principal: OptionalPrincipalDep, policy: PolicyDep, store: LearningStoreDep, learned: LearnedDep
) -> SwitchOut:
    policy.require(principal, Capability.LEARNING)
    try:
        left, served = store.rollback()
    except NoActiveVersionError:
        raise _nothing_served() from None
    learned.refresh()
    return SwitchOut(switched_off=left, served=served)


@router.post(
    "/disable",
    summary="Gelerntes abschalten / Switch learned adjustments off",
    description=(
        "Schaltet alle Versionen ab, bis wieder gelernt wird (`bmm learn`). Nur admin.\n\n"
        "Switches every version off until the next fit. Admins only."
    ),
    responses=SWITCH_ERRORS,
)
def disable(
    principal: OptionalPrincipalDep, policy: PolicyDep, store: LearningStoreDep, learned: LearnedDep
) -> SwitchOut:
    policy.require(principal, Capability.LEARNING)
    try:
        left = store.disable()
    except NoActiveVersionError:
        raise _nothing_served() from None
    learned.refresh()
    return SwitchOut(switched_off=left, served=None)
