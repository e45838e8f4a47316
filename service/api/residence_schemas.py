"""Request and response models of the residence endpoints (issue 14), for validation and the OpenAPI document.

The analyses are the JSON-shaped dicts of ``matcher.residences`` (plus what the service adds: organisation, upload
time, site, selection, left_out); the routes write them as they are and these models document their shape.
Every count is null when suppressed (1 … k−1 people, docs/residences.md).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from matcher.residences.aggregation import MAX_COUNT
from service.api.problems import FieldProblem
from service.io.reading import ReadInfo

GEOJSON_MEDIA_TYPE = "application/geo+json"


class ResidenceFormat(StrEnum):
    """Antwortformat / response format."""

    JSON = "json"
    GEOJSON = "geojson"
    HTML = "html"


# -- upload ------------------------------------------------------------------------------------------


class PostcodeCount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    postcode: str = Field(max_length=10, description="Postleitzahl (5 Ziffern) / postcode", examples=["44139"])
    count: int = Field(ge=1, le=MAX_COUNT, description="Beschäftigte mit Wohnort in dieser PLZ / staff living there")


class ResidenceUploadBody(BaseModel):
    """JSON-Form des Hochladens / the JSON form of an upload."""

    model_config = ConfigDict(extra="forbid")

    postcodes: list[PostcodeCount] = Field(description="Anzahl je Postleitzahl / head count per postcode")


class ResidenceUpload(BaseModel):
    """Gespeicherte Wohnorte (nur Summen) / a stored upload (totals only)."""

    organisation: str
    uploaded_at: str = Field(description="Zeitpunkt des Hochladens (ISO 8601, UTC) / upload time")
    total: int = Field(description="Beschäftigte insgesamt / people in the upload")
    postcodes: int = Field(description="Anzahl verschiedener Postleitzahlen / number of distinct postcodes")


class UploadRowProblem(FieldProblem):
    row: int | None = Field(description="Zeile (Kopfzeile = 1; JSON: Listenplatz ab 1), null: die Datei / row")
    field: str | None = Field(description="Spalte, null: die ganze Zeile / column, null: the whole row")
    value: str | None = Field(description="der abgelehnte Wert / the rejected value")


class ReadDetails(BaseModel):
    """Was beim Lesen erkannt wurde / what reading detected."""

    format: str | None = Field(description="csv, xlsx oder json")
    encoding: str | None = Field(description="erkannte Kodierung (nur CSV) / detected encoding (CSV only)")
    delimiter: str | None = Field(description="erkanntes Trennzeichen (nur CSV) / detected delimiter (CSV only)")
    mapping: dict[str, str] = Field(description="Spaltenüberschrift der Datei → Feld / file header → field")
    warnings: list[str] = Field(description="Hinweise, z. B. ignorierte Spalten / warnings, e.g. ignored columns")

    @staticmethod
    def of(info: ReadInfo | None) -> dict[str, object]:
        """The fields from what reading detected; a JSON upload (``None``) is format json."""
        data = info.as_dict() if info is not None else {}
        return {key: data.get(key, default) for key, default in _READ_DEFAULTS.items()}


_READ_DEFAULTS: dict[str, object] = {
    "format": "json", "encoding": None, "delimiter": None, "mapping": {}, "warnings": [],
}  # fmt: skip


class ResidenceUploadResult(ResidenceUpload, ReadDetails):
    """Ergebnis des Hochladens mit dem, was beim Lesen erkannt wurde / result with what reading detected."""


class ResidenceUploadProblem(ReadDetails):
    """Problemdetails eines abgelehnten Hochladens (nichts gespeichert) / a refused upload (nothing stored)."""

    type: str
    title: str
    status: int
    detail: str
    detail_en: str
    errors: list[UploadRowProblem] = Field(description="die ersten Fehler (höchstens 1.000) / the first errors")
    error_count: int = Field(description="Anzahl aller Fehler / number of all errors")


# -- analysis ----------------------------------------------------------------------------------------


class ResidenceCell(BaseModel):
    count: int | None = Field(description="Personen; null wenn unterdrückt (1 … k−1) / people; null if suppressed")
    suppressed: bool
    share: float | None = Field(description="Anteil an total / share of total")


class ResidenceBand(ResidenceCell):
    from_km: float
    to_km: float | None = Field(description="null: offen / open-ended")


class ResidencePotentials(BaseModel):
    walk: ResidenceCell
    bike: ResidenceCell
    pedelec: ResidenceCell
    transit: ResidenceCell
    carpool: ResidenceCell


class ResidenceOrigin(BaseModel):
    postcode: str
    municipality: str
    count: int
    share: float | None
    distance_km: float = Field(description="geschätzte Straßenentfernung / estimated road distance")
    transit_class: str = Field(description="ÖV-Güteklasse des PLZ-Mittelpunkts / transit class of the centroid")


class ResidenceMunicipality(BaseModel):
    municipality: str
    count: int
    share: float | None


class ResidenceAssumptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    detour_factor: float = Field(description="Straßen- ÷ Luftlinienentfernung / road ÷ straight-line distance")
    detour_factor_source: str
    walk_km: float
    bike_km: float
    pedelec_km: float
    transit_rule: str
    carpool_rule: str
    distance: str


class ResidenceSite(BaseModel):
    lat: float
    lon: float
    transit_class: str
    description: str = Field(description="was der Standort ist / what the site is (German)")


class ResidenceAnalysisBase(BaseModel):
    total: int = Field(description="Personen insgesamt / people in all")
    k: int = Field(description="Mindestgröße einer gezeigten Zelle / smallest cell shown")
    assumptions: ResidenceAssumptions
    bands: list[ResidenceBand] = Field(
        description="Entfernungsbänder, unter k zusammengelegt / distance bands, merged below k"
    )
    potentials: ResidencePotentials
    origins: list[ResidenceOrigin] = Field(
        description="Wohn-PLZ mit mindestens k Personen / home postcodes with ≥ k people"
    )
    other_origins: ResidenceCell = Field(description="alle übrigen Wohn-PLZ zusammen / all other home postcodes")
    municipalities: list[ResidenceMunicipality] = Field(
        description="häufigste Wohngemeinden (≥ k) / top municipalities"
    )


class ResidenceAnalysis(ResidenceAnalysisBase):
    """Wohnstandortanalyse einer Organisation / one organisation's residence analysis."""

    organisation: str
    uploaded_at: str
    site: ResidenceSite


class CrossFirmOrigin(BaseModel):
    postcode: str
    municipality: str
    count: int
    share: float | None
    organisations: int = Field(description="Betriebe mit Beschäftigten dort (≥ 2) / firms with staff there")
    distance_km: float


class CorridorPart(BaseModel):
    organisation: str
    count: int


class ResidenceCorridor(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", description="Wohngemeinde / origin municipality")
    to: str = Field(description="Ziel (Gewerbegebiet, Cluster) / destination")
    count: int
    share: float | None
    organisations: int
    by_organisation: list[CorridorPart] | None = Field(
        description="Aufteilung je Betrieb, nur wenn jeder Teil ≥ k ist und Sie jeden Betrieb sehen dürfen / split "
        "by firm, only when every part is ≥ k and you may see every firm"
    )


class ResidenceLeftOut(BaseModel):
    total: int = Field(description="ausgewählte Betriebe, die nicht einbezogen sind / selected firms not pooled")
    without_consent: int = Field(description="ohne Einwilligung (share_residence_aggregates) / without consent")
    without_upload: int = Field(description="mit Einwilligung, aber ohne hochgeladene Wohnorte / without an upload")


class PooledResidenceAnalysis(ResidenceAnalysisBase):
    """Über die einwilligenden Betriebe gepoolte Analyse / analysis pooled over the consenting firms."""

    estate: str | None = None
    cluster: str | None = None
    selected: list[str] | None = Field(default=None, description="die angefragten ids / the ids asked for")
    site: ResidenceSite | None = Field(description="Mittelpunkt der einbezogenen Standorte; null ohne Betrieb")
    organisations: int = Field(description="einbezogene Betriebe / firms pooled")
    cross_firm: list[CrossFirmOrigin]
    corridors: list[ResidenceCorridor]
    left_out: ResidenceLeftOut
