"""Stored organisation profiles: list, read, create, replace, patch and delete (API key required).

Who may see and change what is decided by :class:`service.access.AccessPolicy` (docs/privacy.md): a role
lacking the capability is 401/403 before anything is looked up; another organisation's id is 404 with the
same message as an unknown id. Lists are filtered in SQL, sorted by id and paginated as
``{items, total, page, per_page}``; planners also get ``hidden_in_region``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from service.access import AccessPolicy, Capability, ProfileView, not_found_detail, redact_profile
from service.api.deps import (
    BuilderDep,
    FeedbackStoreDep,
    LocatorDep,
    PolicyDep,
    RecommendationLogDep,
    RepositoryDep,
)
from service.api.filters import FiltersDep
from service.api.problems import problem_responses
from service.api.schemas import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    OrganisationFull,
    OrganisationIdPath,
    OrganisationPage,
    OrganisationPatch,
    OrganisationPublic,
    OrganisationView,
)
from service.api.security import ApiKeysDep, OptionalPrincipalDep
from service.auth import Principal, Role
from service.coverage import coverage_note
from service.geocoding.locating import AddressLocator
from service.storage.repository import (
    DuplicateIdError,
    OrganisationQuery,
    OrganisationRepository,
    WriteMode,
    new_organisation_id,
)

router = APIRouter(prefix="/api/v1", tags=["organisations"])


def _reader(principal: OptionalPrincipalDep, policy: PolicyDep) -> Principal:
    """401 without a key, 403 for a role that may not read profiles (decided before any lookup)."""
    admitted = policy.require(principal, Capability.READ_PROFILE)
    assert admitted is not None
    return admitted


def _writer(principal: OptionalPrincipalDep, policy: PolicyDep) -> Principal:
    """401 without a key, 403 for a role that may not write profiles (before the body is looked at)."""
    admitted = policy.require(principal, Capability.WRITE_PROFILE)
    assert admitted is not None
    return admitted


ReaderDep = Annotated[Principal, Depends(_reader)]
WriterDep = Annotated[Principal, Depends(_writer)]
PageNumber = Annotated[int, Query(ge=1, description="Seitennummer ab 1 / page number, from 1")]
PerPage = Annotated[
    int,
    Query(ge=1, le=MAX_PER_PAGE, description=f"Einträge je Seite (1–{MAX_PER_PAGE}) / items per page"),
]

LIST_ERRORS = problem_responses(401, 403, 422)
READ_ERRORS = problem_responses(401, 403, 404, 422)
CREATE_ERRORS = problem_responses(401, 403, 404, 409, 413, 422)
WRITE_ERRORS = problem_responses(401, 403, 404, 413, 422)
DELETE_ERRORS = problem_responses(401, 403, 404, 422)


def _invalid(loc: tuple[str, ...], message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": loc, "msg": message, "type": "value_error"}])


def _not_found(organisation_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=not_found_detail(organisation_id))


def _view(
    policy: AccessPolicy, principal: Principal, organisation: Organisation, view: ProfileView
) -> OrganisationView:
    if view is ProfileView.FULL:
        return _full(policy, principal, organisation)
    return OrganisationPublic.model_validate(
        redact_profile(organisation, view, policy.contact_visible(principal, organisation))
    )


def _full(policy: AccessPolicy, principal: Principal, organisation: Organisation) -> OrganisationFull:
    data = redact_profile(organisation, ProfileView.FULL, policy.contact_visible(principal, organisation))
    return OrganisationFull.model_validate({**data, "coverage_note": coverage_note(organisation.location.state)})


def _store(
    repository: RepositoryDep,
    builder: ProfileBuilder,
    locator: AddressLocator | None,
    profile: OrganisationProfile,
    organisation_id: str,
    mode: WriteMode,
) -> Organisation:
    """Validate against geography and catalogue (InputError → 422 naming the field) and store. A street
    address the geocoder already answered (an import did) keeps its point; a request never asks it."""
    organisation = builder.build(profile, organisation_id)
    if locator is not None:
        organisation = locator.locate([organisation], builder, ask=False)[0][0]
    try:
        repository.add_many([organisation], mode=mode)
    except DuplicateIdError:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"Die id '{organisation_id}' ist bereits vergeben. / The id '{organisation_id}' is already taken.",
        ) from None
    stored = repository.get(organisation_id)
    assert stored is not None
    return stored


def _check_body_id(profile: OrganisationProfile, organisation_id: str) -> None:
    if profile.id is not None and profile.id != organisation_id:
        raise _invalid(
            ("body", "id"),
            f"Die id im Inhalt ({profile.id!r}) weicht von der Adresse ab ({organisation_id!r}); weglassen oder "
            "gleich setzen (the id cannot be changed).",
        )


@router.get(
    "/organisations",
    summary="Organisationen auflisten / List organisations",
    description=(
        "Gespeicherte Profile, nach id sortiert, so weit die Rolle sie sehen darf: admin und advisor alle "
        "(Kontaktdaten nur nach docs/privacy.md), planner nur die für Peers sichtbaren seiner Region als Name "
        "und Standort plus `hidden_in_region`, organisation nur sich selbst. Filter werden kombiniert; `q` "
        "sucht im Namen (Groß-/Kleinschreibung egal), `bbox` auf dem ermittelten Standort.\n\n"
        "Stored profiles, sorted by id, as far as the role may see them: admins and advisors all (contact data "
        "as in docs/privacy.md), planners those of their region visible to peers as name and location plus "
        "`hidden_in_region`, organisations only themselves. Filters combine; `q` searches the name "
        "(case-insensitive), `bbox` the resolved location."
    ),
    responses=LIST_ERRORS,
)
def list_organisations(
    principal: ReaderDep,
    policy: PolicyDep,
    repository: RepositoryDep,
    filters: FiltersDep,
    page: PageNumber = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> OrganisationPage:
    scope = policy.listing_scope(principal)
    if scope.nothing:
        return OrganisationPage(items=[], total=0, page=page, per_page=per_page)
    query = filters.query(scope)
    found, total = repository.list(query, (page - 1) * per_page, per_page)
    items: list[OrganisationView] = []
    for organisation in found:
        view = policy.profile_view(principal, organisation)
        if view is not ProfileView.NONE:  # defence in depth: the SQL scope already left the others out
            items.append(_view(policy, principal, organisation, view))
    hidden = None
    if scope.count_hidden:
        region = OrganisationQuery(region_state=scope.state, region_kreis=scope.kreis_code, visible_to_peers=False)
        hidden = repository.list(region, 0, 0)[1]
    return OrganisationPage(items=items, total=total, page=page, per_page=per_page, hidden_in_region=hidden)


@router.post(
    "/organisations",
    status_code=status.HTTP_201_CREATED,
    summary="Organisation anlegen / Create an organisation",
    description=(
        "Speichert ein Profil; ohne `id` wird eine erzeugt (`org-` und 16 Hex-Ziffern; der Schlüssel einer "
        "Organisation legt ihre eigene id an). Antwort: das gespeicherte Profil mit abgeleitetem Standort "
        "(Gemeinde, Kreis, Land, Genauigkeit) und Merkmalen. Nur admin oder der Schlüssel der Organisation "
        "selbst; 409 bei vergebener id, 422 nennt das fehlerhafte Feld. `synthetic` setzt nur admin (sonst 403 "
        "mit dem Feldnamen); außerhalb von NRW und Baden-Württemberg sagt `coverage_note`, was dort fehlt.\n\n"
        "Stores a profile; without `id` one is generated (an organisation's key creates its own id). Answers "
        "the stored profile with its derived location (municipality, Kreis, Land, precision) and features. "
        "Admins or the organisation's own key only; 409 when the id is taken, 422 names the bad field. Only "
        "admins may set `synthetic` (else 403 naming the field); outside NRW and BW `coverage_note` says what "
        "is missing there."
    ),
    responses=CREATE_ERRORS,
)
def create_organisation(
    principal: WriterDep,
    policy: PolicyDep,
    repository: RepositoryDep,
    builder: BuilderDep,
    locator: LocatorDep,
    profile: OrganisationProfile,
    response: Response,
) -> OrganisationFull:
    organisation_id = profile.id
    if organisation_id is None:
        own_subject = principal.subject if principal.role is Role.ORGANISATION else None
        organisation_id = own_subject or new_organisation_id()
    policy.require_organisation(principal, Capability.WRITE_PROFILE, organisation_id, None)
    policy.require_admin_fields(principal, profile, None)
    stored = _store(repository, builder, locator, profile, organisation_id, WriteMode.INSERT)
    response.headers["Location"] = f"{router.prefix}/organisations/{organisation_id}"
    return _full(policy, principal, stored)


@router.get(
    "/organisations/{organisation_id}",
    summary="Eine Organisation / Get an organisation",
    description=(
        "Ein gespeichertes Profil, so weit die Rolle es sehen darf (planner: Name und Standort). Fremde und "
        "unbekannte ids sind gleichermaßen 404.\n\n"
        "One stored profile as far as the role may see it (planners: name and location). Other organisations' "
        "ids and unknown ids are both 404."
    ),
    responses=READ_ERRORS,
)
def get_organisation(
    organisation_id: OrganisationIdPath, principal: ReaderDep, policy: PolicyDep, repository: RepositoryDep
) -> OrganisationView:
    organisation = repository.get(organisation_id)
    view = policy.require_organisation(principal, Capability.READ_PROFILE, organisation_id, organisation)
    assert organisation is not None
    return _view(policy, principal, organisation, view)


def _writable(
    organisation_id: str, principal: Principal, policy: AccessPolicy, repository: OrganisationRepository
) -> Organisation:
    """The stored organisation the caller may change; 404 alike for unknown and other organisations' ids."""
    existing = repository.get(organisation_id)
    policy.require_organisation(principal, Capability.WRITE_PROFILE, organisation_id, existing)
    if existing is None:
        raise _not_found(organisation_id)
    return existing


@router.put(
    "/organisations/{organisation_id}",
    summary="Organisation ersetzen / Replace an organisation",
    description=(
        "Ersetzt das gespeicherte Profil vollständig (Standort und Merkmale werden neu abgeleitet, der "
        "Anlagezeitpunkt bleibt). Eine `id` im Inhalt muss der Adresse entsprechen; `synthetic` ändert nur admin "
        "(403).\n\n"
        "Replaces the stored profile (location and features are derived again, the creation time is kept). "
        "An `id` in the body must equal the one in the path; only admins may change `synthetic` (403)."
    ),
    responses=WRITE_ERRORS,
)
def replace_organisation(
    organisation_id: OrganisationIdPath,
    principal: WriterDep,
    policy: PolicyDep,
    repository: RepositoryDep,
    builder: BuilderDep,
    locator: LocatorDep,
    profile: OrganisationProfile,
) -> OrganisationFull:
    existing = _writable(organisation_id, principal, policy, repository)
    _check_body_id(profile, organisation_id)
    policy.require_admin_fields(principal, profile, existing)
    stored = _store(repository, builder, locator, profile, organisation_id, WriteMode.UPSERT)
    return _full(policy, principal, stored)


PatchBody = Annotated[
    OrganisationPatch,
    Body(
        description=(
            "Die zu ändernden Felder des Profils (wie bei PUT); nicht genannte bleiben. Das Ergebnis wird neu "
            "geprüft. / The profile fields to change (as for PUT); others are kept. The result is re-validated."
        ),
        examples=[{"employees": 150, "visible_to_peers": True}],
    ),
]


@router.patch(
    "/organisations/{organisation_id}",
    summary="Organisation ändern / Update some fields of an organisation",
    description=(
        "Übernimmt die angegebenen Felder in das gespeicherte Profil und prüft das Ergebnis wie bei PUT "
        "(422 nennt das Feld).\n\n"
        "Merges the given fields into the stored profile and validates the result as for PUT (422 names the "
        "field)."
    ),
    responses=WRITE_ERRORS,
)
def update_organisation(
    organisation_id: OrganisationIdPath,
    principal: WriterDep,
    policy: PolicyDep,
    repository: RepositoryDep,
    builder: BuilderDep,
    locator: LocatorDep,
    changes: PatchBody,
) -> OrganisationFull:
    existing = _writable(organisation_id, principal, policy, repository)
    current = existing.model_dump(mode="json", exclude={"location", "features"})
    try:
        profile = OrganisationProfile.model_validate({**current, **changes.model_dump(exclude_unset=True)})
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None
    _check_body_id(profile, organisation_id)
    policy.require_admin_fields(principal, profile, existing)
    stored = _store(repository, builder, locator, profile, organisation_id, WriteMode.UPSERT)
    return _full(policy, principal, stored)


@router.delete(
    "/organisations/{organisation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Organisation löschen / Delete an organisation",
    description=(
        "Löscht das Profil mit allen gespeicherten Angaben (Probleme, Maßnahmen, Kontaktdaten, an die "
        "Organisation ausgelieferte Empfehlungen und ihr Feedback); ab der nächsten Anfrage "
        "erscheint es in keiner Empfehlung.\n\n"
        "Deletes the profile with everything stored about it (problems, measures, contact data, the "
        "recommendations served to it and its feedback); from the next request on it appears in no recommendation."
    ),
    responses=DELETE_ERRORS,
)
def delete_organisation(
    organisation_id: OrganisationIdPath,
    principal: WriterDep,
    policy: PolicyDep,
    repository: RepositoryDep,
    feedback: FeedbackStoreDep,
    log_writer: RecommendationLogDep,
    api_keys: ApiKeysDep,
) -> Response:
    _writable(organisation_id, principal, policy, repository)
    if not repository.delete(organisation_id):
        raise _not_found(organisation_id)
    api_keys.forget()  # its keys were revoked in the same transaction: no cached verification outlives that
    log_writer.flush()  # its queued answers are not written (no longer stored); one being written is erased now
    feedback.erase_organisation(organisation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
