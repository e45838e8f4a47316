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
from service.api.schemas import State
from service.storage.repository import OrganisationQuery

BBox = tuple[float, float, float, float]


def parse_bbox(text: str) -> BBox:
    """``minlon,minlat,maxlon,maxlat`` as floats, or a 422 naming ``bbox``."""
    message = (
        f"{text!r} ist keine gültige Box; erwartet minlon,minlat,maxlon,maxlat (WGS84, min ≤ max), "
        "z. B. 6.9,51.3,7.6,51.6."
    )
    invalid = RequestValidationError([{"loc": ("query", "bbox"), "msg": message, "type": "value_error"}])
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in text.split(","))
    except ValueError:
        raise invalid from None
    ordered = min_lon <= max_lon and min_lat <= max_lat
    in_range = all(-180 <= v <= 180 for v in (min_lon, max_lon)) and all(-90 <= v <= 90 for v in (min_lat, max_lat))
    if not (ordered and in_range):
        raise invalid
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
        str | None, Query(pattern=r"^[0-9]{5}$", description="Kreisschlüssel, z. B. 05913 / Kreis code")
    ] = None,
    ags: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{8}$", description="Gemeindeschlüssel (AGS), z. B. 05913000 / municipality code"),
    ] = None,
    state: Annotated[State | None, Query(description="Land (ISO 3166-2), z. B. DE-NW / Land")] = None,
    issue: Annotated[ProblemCode | None, Query(description="hat dieses Problem / has this problem")] = None,
    estate: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Gewerbegebiet (genauer Name) / industrial estate (exact)"),
    ] = None,
    bbox: Annotated[
        str | None,
        Query(description="minlon,minlat,maxlon,maxlat (WGS84), z. B. 6.9,51.3,7.6,51.6 / bounding box"),
    ] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Teil des Namens / part of the name")
    ] = None,
) -> OrganisationFilters:
    box = parse_bbox(bbox) if bbox is not None else None
    return OrganisationFilters(kind=kind, kreis=kreis, ags=ags, state=state, issue=issue, estate=estate, bbox=box, q=q)


FiltersDep = Annotated[OrganisationFilters, Depends(organisation_filters)]
