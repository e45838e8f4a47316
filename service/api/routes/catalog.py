"""The BMM catalogue: measures, funding programmes and advisory bodies (public, read-only).

Lists are sorted by id and paginated as ``{items, total, page, per_page}``; unknown ids are 404 problems.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from matcher.catalog import Advisor as CatalogAdvisor
from matcher.catalog import AdvisorType, Catalog, Instrument
from matcher.catalog import FundingProgramme as CatalogProgramme
from matcher.catalog import Measure as CatalogMeasure
from matcher.matching.advisors import ROLE_LABELS_DE, advisor_role
from matcher.matching.funding import INSTRUMENT_LABELS_DE, availability_problems
from matcher.vocabulary import CATEGORY_LABELS_DE, MeasureCategory, OrganisationKind, ProblemCode
from service.api.problems import problem_responses
from service.api.schemas import (
    CATALOGUE_ID_PATTERN,
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    Advisor,
    AdvisorPage,
    AvailabilityProblem,
    FundingProgramme,
    FundingProgrammePage,
    IsoDate,
    Measure,
    MeasurePage,
    State,
)

PREFIX = "/api/v1"
measures_router = APIRouter(prefix=PREFIX, tags=["measures"])
funding_router = APIRouter(prefix=PREFIX, tags=["funding"])
advisors_router = APIRouter(prefix=PREFIX, tags=["advisors"])
ITEM_ERRORS = problem_responses(404, 422)
LIST_ERRORS = problem_responses(422)

ItemT = TypeVar("ItemT")


def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.engine.reference.catalog
    return catalog


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
PageNumber = Annotated[int, Query(ge=1, description="Seitennummer ab 1 / page number, from 1")]
PerPage = Annotated[
    int,
    Query(ge=1, le=MAX_PER_PAGE, description=f"Einträge je Seite (1–{MAX_PER_PAGE}) / items per page"),
]
ItemId = Annotated[str, Path(pattern=CATALOGUE_ID_PATTERN, description="id aus dem Katalog / catalogue id")]


def _page(items: Sequence[ItemT], page: int, per_page: int) -> list[ItemT]:
    start = (page - 1) * per_page
    return list(items[start : start + per_page])


def _not_found(what: str, item_id: str) -> HTTPException:
    return HTTPException(404, detail=f"{what} mit der id {item_id!r} ist nicht im Katalog (unknown id).")


# Measures ---------------------------------------------------------------------------------------------


def _measure(measure: CatalogMeasure) -> Measure:
    return Measure(**measure.model_dump(), category_label=CATEGORY_LABELS_DE[measure.category])


@measures_router.get(
    "/measures",
    summary="Maßnahmen auflisten / List measures",
    description=(
        "Die Maßnahmen des BMM-Katalogs, nach id sortiert; filterbar nach Kategorie und nach einem Problem, "
        "das die Maßnahme angeht.\n\n"
        "The measures of the BMM catalogue, sorted by id; filter by category and by a problem the measure "
        "addresses."
    ),
    responses=LIST_ERRORS,
)
def list_measures(
    catalog: CatalogDep,
    category: Annotated[MeasureCategory | None, Query(description="nur diese Kategorie / only this category")] = None,
    issue: Annotated[
        ProblemCode | None,
        Query(description="nur Maßnahmen gegen dieses Problem / only measures addressing this problem code"),
    ] = None,
    page: PageNumber = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> MeasurePage:
    found = [
        m
        for _, m in sorted(catalog.measures.items())
        if (category is None or m.category is category) and (issue is None or issue in m.addresses)
    ]
    items = [_measure(m) for m in _page(found, page, per_page)]
    return MeasurePage(items=items, total=len(found), page=page, per_page=per_page)


@measures_router.get(
    "/measures/{measure_id}",
    summary="Eine Maßnahme / Get a measure",
    description="Eine Maßnahme des Katalogs nach id.\n\nOne catalogue measure by id.",
    responses=ITEM_ERRORS,
)
def get_measure(measure_id: ItemId, catalog: CatalogDep) -> Measure:
    measure = catalog.measures.get(measure_id)
    if measure is None:
        raise _not_found("Eine Maßnahme", measure_id)
    return _measure(measure)


# Funding programmes -----------------------------------------------------------------------------------

AsOf = Annotated[
    IsoDate | None,
    Query(
        description=(
            "Stichtag JJJJ-MM-TT für die Verfügbarkeit (Standard: heute) / "
            "date YYYY-MM-DD the availability refers to (default: today)"
        )
    ),
]


def _programme(programme: CatalogProgramme, as_of: date) -> FundingProgramme:
    problems = availability_problems(programme, as_of)
    return FundingProgramme(
        **programme.model_dump(),
        as_of=as_of,
        available=not problems,
        unavailable_reasons=[AvailabilityProblem(code=p.code, text=p.text) for p in problems],
        instrument_label=INSTRUMENT_LABELS_DE[programme.instrument],
    )


@funding_router.get(
    "/funding-programmes",
    summary="Förderprogramme auflisten / List funding programmes",
    description=(
        "Die Förderprogramme des Katalogs, nach id sortiert, mit Verfügbarkeit am Stichtag `as_of` "
        "(Standard: heute) und Begründung, falls nicht verfügbar. Der Status ist der am `checked_on` "
        "gefundene Stand, keine Live-Prüfung. `state` liefert die in diesem Land nutzbaren Programme "
        "(bundesweite eingeschlossen).\n\n"
        "The catalogue's funding programmes, sorted by id, with their availability on `as_of` (default: "
        "today) and the reasons when not available. The status is what was found on `checked_on`, not a live "
        "check. `state` returns the programmes usable in that Land (federal ones included)."
    ),
    responses=LIST_ERRORS,
)
def list_funding_programmes(
    catalog: CatalogDep,
    as_of: AsOf = None,
    state: Annotated[
        State | None,
        Query(description="in diesem Land nutzbar / usable in this Land (ISO 3166-2, e.g. DE-NW)"),
    ] = None,
    kind: Annotated[
        OrganisationKind | None,
        Query(description="für diese Organisationsart antragsberechtigt / open to this organisation kind"),
    ] = None,
    available: Annotated[
        bool | None,
        Query(description="nur (nicht) verfügbare am Stichtag / only (un)available on as_of"),
    ] = None,
    instrument: Annotated[
        Instrument | None,
        Query(description="nur dieses Instrument / only this instrument (grant, ticket_discount, …)"),
    ] = None,
    page: PageNumber = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> FundingProgrammePage:
    day = as_of or date.today()
    found = [
        _programme(p, day)
        for _, p in sorted(catalog.funding.items())
        if (state is None or not p.states or state.value in p.states)
        and (kind is None or kind in p.eligible_kinds)
        and (instrument is None or p.instrument is instrument)
    ]
    if available is not None:
        found = [p for p in found if p.available is available]
    return FundingProgrammePage(items=_page(found, page, per_page), total=len(found), page=page, per_page=per_page)


@funding_router.get(
    "/funding-programmes/{programme_id}",
    summary="Ein Förderprogramm / Get a funding programme",
    description=(
        "Ein Förderprogramm nach id, mit Verfügbarkeit am Stichtag `as_of` (Standard: heute).\n\n"
        "One funding programme by id, with its availability on `as_of` (default: today)."
    ),
    responses=ITEM_ERRORS,
)
def get_funding_programme(programme_id: ItemId, catalog: CatalogDep, as_of: AsOf = None) -> FundingProgramme:
    programme = catalog.funding.get(programme_id)
    if programme is None:
        raise _not_found("Ein Förderprogramm", programme_id)
    return _programme(programme, as_of or date.today())


# Advisors ---------------------------------------------------------------------------------------------


def _advisor(advisor: CatalogAdvisor) -> Advisor:
    role = advisor_role(advisor)
    return Advisor(**advisor.model_dump(), role=role, role_label=ROLE_LABELS_DE[role])


def _active_in(advisor: CatalogAdvisor, state: State) -> bool:
    return advisor.state == state.value or bool({state.value, "DE"} & set(advisor.covers_states))


@advisors_router.get(
    "/advisors",
    summary="Beratungsstellen auflisten / List advisors",
    description=(
        "Die Beratungsstellen des Katalogs (IHK, HWK, Zukunftsnetz, Verkehrsverbünde, …), nach id sortiert. "
        "`state` liefert die im Land ansässigen oder für es zuständigen Stellen (bundesweite eingeschlossen), "
        "`kind` die Stellen, die diese Organisationsart beraten, `type` filtert nach Art der Stelle.\n\n"
        "The catalogue's advisory bodies (chambers, networks, transport associations, …), sorted by id. "
        "`state` returns the bodies seated in or responsible for the Land (nationwide ones included), `kind` "
        "those advising that organisation kind, `type` filters by the body's type."
    ),
    responses=LIST_ERRORS,
)
def list_advisors(
    catalog: CatalogDep,
    state: Annotated[
        State | None,
        Query(description="im Land ansässig oder zuständig / seated in or responsible for this Land"),
    ] = None,
    kind: Annotated[
        OrganisationKind | None,
        Query(description="berät diese Organisationsart / advises this organisation kind"),
    ] = None,
    type: Annotated[
        AdvisorType | None,
        Query(description="Art der Stelle, z. B. ihk, hwk, zukunftsnetz / type of body, e.g. ihk, hwk"),
    ] = None,
    page: PageNumber = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> AdvisorPage:
    found = [
        a
        for _, a in sorted(catalog.advisors.items())
        if (state is None or _active_in(a, state))
        and (kind is None or kind in a.serves_kinds)
        and (type is None or a.organisation_type == type)
    ]
    items = [_advisor(a) for a in _page(found, page, per_page)]
    return AdvisorPage(items=items, total=len(found), page=page, per_page=per_page)


@advisors_router.get(
    "/advisors/{advisor_id}",
    summary="Eine Beratungsstelle / Get an advisor",
    description="Eine Beratungsstelle nach id, mit ihrer Rolle.\n\nOne advisory body by id, with its role.",
    responses=ITEM_ERRORS,
)
def get_advisor(advisor_id: ItemId, catalog: CatalogDep) -> Advisor:
    advisor = catalog.advisors.get(advisor_id)
    if advisor is None:
        raise _not_found("Eine Beratungsstelle", advisor_id)
    return _advisor(advisor)
