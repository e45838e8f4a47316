"""Response models of ``GET /api/v1/clusters``: the library's cluster answer, redacted per caller.

The clusters are ``matcher.planning.clusters.models.Cluster`` as :meth:`service.access.AccessPolicy.redact_cluster`
returns them: ``members`` only the ids the caller may see, ``member_count`` all members, ``hull`` withheld
unless every member is shown (docs/privacy.md, Clusters).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from matcher.planning.clusters.models import Cluster, ClusterParameters

# A state-wide answer holds hundreds of clusters (NRW on the 20,000 demo organisations: 583); a page of 50
# keeps the answer and the map legible, and only the page is enriched with measures, funding and table.
CLUSTER_PAGE_SIZE = 50
CLUSTER_PAGE_MAX = 1000


class ClusterFormat(StrEnum):
    """Antwortformat / response format."""

    JSON = "json"
    GEOJSON = "geojson"


class ClusterState(StrEnum):
    """Die Länder mit Beratungskatalog / the Länder the catalogue covers."""

    BW = "DE-BW"
    NW = "DE-NW"


class ClusterView(Cluster):
    """Ein Cluster von Arbeitgebern mit gemeinsamem Problem, für den Aufrufer geschwärzt / a cluster of
    employers sharing a problem, redacted for the caller."""

    members: list[str] = Field(
        description=(
            "ids der Mitglieder, die Sie sehen dürfen (sortiert; Planer: für Peers sichtbare ihrer Region) / "
            "ids of the members you may see (sorted; planners: those of their region visible to peers)"
        )
    )
    member_count: int = Field(
        ge=0, description="Anzahl aller Mitglieder, auch der nicht gezeigten / number of all members, shown or not"
    )
    hull: list[list[list[float]]] | None = Field(
        description=(
            "konvexe Hülle als GeoJSON-Polygon (lon, lat); null unter 3 Punkten oder wenn nicht alle Mitglieder "
            "gezeigt werden (ihre Ecken sind Standorte) / convex hull as GeoJSON polygon coordinates; null below "
            "3 points or unless every member is shown (its corners are member locations)"
        )
    )
    members_withheld: int = Field(
        default=0, ge=0, description="Mitglieder, die nicht namentlich genannt werden / members not listed by id"
    )
    withheld_reason: str | None = Field(
        default=None,
        description="Warum Mitglieder fehlen (Einwilligung) / why members are not listed (consent), German",
    )
    hull_withheld_reason: str | None = Field(
        default=None, description="Warum die Hülle fehlt / why the hull is null, German"
    )


class ClusterResult(BaseModel):
    """Eine Seite der Cluster einer Region, in der Reihenfolge `parameters.order` / one page of the clusters of
    a region, in the order of `parameters.order`."""

    model_config = ConfigDict(frozen=True)

    as_of: date = Field(description="Stichtag der Förderprogramme / date funding availability refers to")
    parameters: ClusterParameters = Field(
        description=(
            "verwendete Parameter, Region nach Einschränkung auf die Region des Schlüssels / parameters used, "
            "the region after narrowing to the key's region"
        )
    )
    considered: int = Field(
        ge=0,
        description=(
            "Arbeitgeber in der Region (mit dem Problem, falls angegeben) / employers in the region (reporting "
            "the problem, if given)"
        ),
    )
    clustered: int = Field(ge=0, description="davon in einem Cluster / of these, members of a cluster")
    noise: int = Field(ge=0, description="davon in keinem Cluster / of these, in no cluster")
    total: int = Field(ge=0, description="gefundene Cluster auf allen Seiten / clusters found, on all pages")
    offset: int = Field(ge=0, description="übersprungene Cluster vor dieser Seite / clusters before this page")
    limit: int | None = Field(ge=1, description="Seitengröße / page size asked for")
    returned: int = Field(ge=0, description="Cluster auf dieser Seite / clusters on this page")
    clusters: list[ClusterView] = Field(
        description=(
            "Ränge offset+1 bis offset+returned in der Reihenfolge `parameters.order` (`parameters.order_text` "
            "sagt sie auf Deutsch; Standard `score`: nach Relevanz absteigend, gleichauf nach id) / ranks "
            "offset+1 to offset+returned in the order of `parameters.order` (default `score`: score "
            "descending, ties by id)"
        )
    )
    note: str | None = Field(
        default=None,
        description=(
            "nur ohne Cluster: warum keiner gefunden wurde und mit welchem eps_km oder min_size einer entstünde "
            "(Deutsch) / only without clusters: why none was found and which eps_km or min_size would find one"
        ),
    )
