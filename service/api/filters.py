"""The filters of the organisation list, shared by the list and the export (same parameters, same SQL).

:func:`organisation_filters` is a FastAPI dependency declaring the query parameters ``kind, kreis, ags,
state, issue, estate, bbox, q``; :meth:`OrganisationFilters.query` combines them with the caller's
:class:`service.access.ListingScope` into one :class:`OrganisationQuery`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError

from matcher.vocabulary import OrganisationKind, ProblemCode
from service.access import ListingScope
from service.api.schemas import AGS_PATTERN, BBOX_PATTERN, KREIS_PATTERN, State
from service.storage.repository import OrganisationQuery

BBox = tuple[float, float, float, float]


BBOX_HINT = "minlon,minlat,maxlon,maxlat (WGS84, min ≤ max), z. B. 6.9,51.3,7.6,51.6"
BBoxQuery = Annotated[
    str | None,
    Query(
        pattern=BBOX_PATTERN,
        description="minlon,minlat,maxlon,maxlat (WGS84, Längen −180…180, Breiten −90…90, min ≤ max), z. B. "
        "6.9,51.3,7.6,51.6 / bounding box (min ≤ max: a rule between the numbers that the pattern cannot state)",
    ),
]


def parse_bbox(text: str) -> BBox:
    """The four numbers of a ``bbox`` that matched :data:`BBOX_PATTERN` (so they parse and lie in range); a 422
    naming ``bbox`` when a minimum exceeds its maximum, the one rule a pattern cannot state."""
    min_lon, min_lat, max_lon, max_lat = (float(part) for part in text.split(","))
    if min_lon > max_lon or min_lat > max_lat:
        message = f"{text!r} ist keine gültige Box; erwartet {BBOX_HINT}."
        raise RequestValidationError([{"loc": ("query", "bbox"), "msg": message, "type": "value_error"}])
    return min_lon, min_lat, max_lon, max_lat


@dataclass(frozen=True)
class OrganisationFilters:
    """The content filters of one request (None: not given)."""

    kind: OrganisationKind | None = None
    kreis: str | None = None
    ags: str | None = None
    state: State | None = None
    issue: ProblemCode | None = None
    estate: str | None = None
    bbox: BBox | None = None
    q: str | None = None

    def query(self, scope: ListingScope) -> OrganisationQuery:
        """These filters within what ``scope`` admits (the caller checks ``scope.nothing`` first)."""
        return OrganisationQuery(
            kind=self.kind.value if self.kind else None,
            kreis_code=self.kreis,
            municipality_ags=self.ags,
            state=self.state.value if self.state else None,
            issue=self.issue.value if self.issue else None,
            estate=self.estate,
            bbox=self.bbox,
            name_contains=self.q,
            only_id=scope.organisation_id,
            region_state=scope.state,
            region_kreis=scope.kreis_code,
            visible_to_peers=True if scope.visible_only else None,
        )


def organisation_filters(
    kind: Annotated[OrganisationKind | None, Query(description="Organisationsart / organisation kind")] = None,
    kreis: Annotated[
        str | None, Query(pattern=KREIS_PATTERN, description="Kreisschlüssel, z. B. 05913 / Kreis code")
    ] = None,
    ags: Annotated[
        str | None,
        Query(pattern=AGS_PATTERN, description="Gemeindeschlüssel (AGS), z. B. 05913000 / municipality code"),
    ] = None,
    state: Annotated[State | None, Query(description="Land (ISO 3166-2), z. B. DE-NW / Land")] = None,
    issue: Annotated[ProblemCode | None, Query(description="hat dieses Problem / has this problem")] = None,
    estate: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Gewerbegebiet (genauer Name) / industrial estate (exact)"),
    ] = None,
    bbox: BBoxQuery = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Teil des Namens / part of the name")
    ] = None,
) -> OrganisationFilters:
    box = parse_bbox(bbox) if bbox is not None else None
    return OrganisationFilters(kind=kind, kreis=kreis, ags=ags, state=state, issue=issue, estate=estate, bbox=box, q=q)


FiltersDep = Annotated[OrganisationFilters, Depends(organisation_filters)]
