"""POST /api/v1/feedback: what an organisation (or its advisor) made of a recommendation."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, field_validator

from matcher.models import PRINTABLE_PATTERN, OrganisationId, no_control_characters
from service.access import Capability
from service.api.deps import AskingDep
from service.api.problems import problem_responses
from service.storage.feedback import FeedbackEntry

router = APIRouter(prefix="/api/v1", tags=["feedback"])


class ItemType(StrEnum):
    PEER = "peer"
    ADVISOR = "advisor"
    MEASURE = "measure"
    FUNDING = "funding"


class Verdict(StrEnum):
    ACCEPTED = "accepted"  # interesting / fits
    REJECTED = "rejected"  # not relevant
    CONTACTED = "contacted"
    IMPLEMENTED = "implemented"


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: OrganisationId = Field(description="für wen empfohlen wurde / whom it was recommended to")
    item_type: ItemType = Field(description="peer, advisor, measure oder funding")
    item_id: str = Field(min_length=1, max_length=64, description="id des empfohlenen Eintrags / recommended item")
    verdict: Verdict = Field(
        description="accepted (interessant), rejected (nicht relevant), contacted (kontaktiert), implemented "
        "(umgesetzt)"
    )
    comment: str | None = Field(
        default=None,
        max_length=2000,
        description="freier Kommentar / free comment",
        json_schema_extra={"pattern": PRINTABLE_PATTERN},
    )

    _printable = field_validator("comment")(no_control_characters)


class FeedbackOut(BaseModel):
    id: str
    recommendation_id: str | None = Field(
        description="die zuletzt ausgelieferte Empfehlung, die den Eintrag zeigte (null: keine protokolliert) / "
        "the latest logged recommendation that showed the item (null: none logged)"
    )


@router.post(
    "/feedback",
    status_code=status.HTTP_201_CREATED,
    summary="Rückmeldung zu einer Empfehlung / Feedback on a recommendation",
    description=(
        "Speichert die Rückmeldung und verknüpft sie mit der zuletzt ausgelieferten Empfehlung, die den Eintrag "
        "zeigte. Erlaubt: die Organisation selbst, admin und advisor. Der Eintrag muss existieren (Maßnahmen, "
        "Programme, Beratungsstellen: Katalog-ids; Partner: für Sie sichtbare Organisationen).\n\n"
        "Stores the feedback and links it to the latest recommendation served that showed the item. Allowed: "
        "the organisation itself, admins and advisors. The item must exist (catalogue ids; peers: organisations "
        "you may see)."
    ),
    responses=problem_responses(401, 403, 404, 413, 422),
)
def give_feedback(
    body: FeedbackIn,
    asking: AskingDep,
) -> FeedbackOut:
    asking.organisation(body.organisation_id, Capability.FEEDBACK)
    principal, catalog = asking.principal, asking.engine.reference.catalog
    known: dict[ItemType, bool] = {
        ItemType.MEASURE: body.item_id in catalog.measures,
        ItemType.FUNDING: body.item_id in catalog.funding,
        ItemType.ADVISOR: body.item_id in catalog.advisors,
    }
    if body.item_type is ItemType.PEER:
        peer = asking.snapshot.organisations.get(body.item_id)
        own = peer is not None and peer.id == body.organisation_id
        known[ItemType.PEER] = peer is not None and not own and asking.policy.peer_visible(principal, peer)
    if not known[body.item_type]:
        allowed = "eine für Sie sichtbare Organisation" if body.item_type is ItemType.PEER else "eine Katalog-id"
        raise RequestValidationError(
            [{"loc": ("body", "item_id"), "type": "value_error",
              "msg": f"Unbekannter Eintrag '{body.item_id}' für item_type '{body.item_type}'; erlaubt: {allowed}."}]
        )  # fmt: skip
    asking.log_writer.flush()  # the answer rated may still wait in this worker's log queue: link to it
    feedback_id, recommendation_id = asking.store.add_feedback(
        FeedbackEntry(
            organisation_id=body.organisation_id, item_type=body.item_type.value, item_id=body.item_id,
            verdict=body.verdict.value, comment=body.comment,
            key_id=principal.key_id if principal else None, role=principal.role.value if principal else None,
        )
    )  # fmt: skip
    return FeedbackOut(id=feedback_id, recommendation_id=recommendation_id)
