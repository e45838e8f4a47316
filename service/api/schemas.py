"""Response models of the public API (catalogue and vocabulary).

The catalogue models of ``matcher.catalog`` are public data, so the API reuses them and adds what clients
need to show them: German labels, availability on a date, the advisor's role.
"""

from __future__ import annotations

import re
from copy import copy
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, computed_field, create_model
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from matcher import catalog
from matcher.matching.advisors import AdvisorRole
from matcher.models import (
    ORGANISATION_ID_PATTERN,
    Contact,
    Location,
    Organisation,
    OrganisationId,
    OrganisationProfile,
)
from matcher.vocabulary import OrganisationKind

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200

# Formats of request parameters, declared in the schema (``pattern``) and enforced by the same declaration.
CATALOGUE_ID_PATTERN = r"^[a-z0-9_]{1,64}$"
KREIS_PATTERN = r"^[0-9]{5}$"
AGS_PATTERN = r"^[0-9]{8}$"
CLUSTER_KREIS_PATTERN = r"^0[58][0-9]{3}$"  # a Kreis in NRW (05…) or Baden-Württemberg (08…)
_LON = r"-?(?:180(?:\.0+)?|(?:1[0-7][0-9]|[0-9]{1,2})(?:\.[0-9]+)?)"
_LAT = r"-?(?:90(?:\.0+)?|[0-8]?[0-9](?:\.[0-9]+)?)"
BBOX_PATTERN = rf"^{_LON},{_LAT},{_LON},{_LAT}$"
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date_text(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` (the schema's ``format: date``): pydantic alone would also read ``0`` as 1970-01-01."""
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise PydanticCustomError("date_parsing", "Input should be a valid date in the format YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]
OrganisationIdPath = Annotated[
    str, Path(pattern=ORGANISATION_ID_PATTERN, description="id der Organisation / organisation id")
]


class State(StrEnum):
    """German Länder as ISO 3166-2 codes."""

    SH = "DE-SH"
    HH = "DE-HH"
    NI = "DE-NI"
    HB = "DE-HB"
    NW = "DE-NW"
    HE = "DE-HE"
    RP = "DE-RP"
    BW = "DE-BW"
    BY = "DE-BY"
    SL = "DE-SL"
    BE = "DE-BE"
    BB = "DE-BB"
    MV = "DE-MV"
    SN = "DE-SN"
    ST = "DE-ST"
    TH = "DE-TH"


class VocabularyEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(description="stabiler Code / stable code used in requests and responses")
    label: str = Field(description="deutsche Bezeichnung / German label")


class Vocabulary(BaseModel):
    """Kontrollierte Vokabulare mit deutschen Bezeichnungen / controlled vocabularies with German labels."""

    kinds: list[VocabularyEntry] = Field(description="Organisationsarten / organisation kinds")
    problems: list[VocabularyEntry] = Field(description="Problemcodes (Pendelprobleme) / problem codes")
    measure_categories: list[VocabularyEntry] = Field(description="Maßnahmenkategorien / measure categories")
    sectors: list[VocabularyEntry] = Field(description="Branchen (WZ 2008 Abschnitte) / sectors (WZ 2008 sections)")
    location_precisions: list[VocabularyEntry] = Field(
        description="Genauigkeit des Standorts (location.precision) / how well a location is known"
    )


ItemT = TypeVar("ItemT", bound=BaseModel)


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT] = Field(description="die Einträge dieser Seite / the items on this page")
    total: int = Field(ge=0, description="Anzahl aller Treffer / number of all matching items")
    page: int = Field(ge=1, description="Seitennummer ab 1 / page number, from 1")
    per_page: int = Field(ge=1, le=MAX_PER_PAGE, description="Einträge je Seite / items per page")


class Measure(catalog.Measure):
    """Eine BMM-Maßnahme aus dem Katalog / a workplace mobility measure from the catalogue."""

    category_label: str = Field(description="deutsche Bezeichnung der Kategorie / German label of the category")


class AvailabilityProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(description="stabiler Code, z. B. closed, expired, not_yet_open / stable reason code")
    text: str = Field(description="Begründung (deutsch) / reason in German")


class FundingProgramme(catalog.FundingProgramme):
    """Ein Förderprogramm mit Verfügbarkeit am Stichtag / a funding programme with its availability on as_of."""

    as_of: date = Field(description="Stichtag der Verfügbarkeit / the date availability refers to")
    available: bool = Field(description="am Stichtag beantragbar / open for applications on as_of")
    unavailable_reasons: list[AvailabilityProblem] = Field(
        description="warum nicht verfügbar (leer, wenn verfügbar) / why not available (empty when available)"
    )
    instrument_label: str = Field(
        description="deutsche Bezeichnung; Nicht-Zuschüsse beginnen mit 'kein Zuschuss' / "
        "German label; non-grants start with 'kein Zuschuss'"
    )

    @computed_field(  # type: ignore[prop-decorator]
        description="Zuschuss oder nicht / whether it is a grant (false: ticket discount, tax rule, levy)"
    )
    @property
    def is_grant(self) -> bool:
        return super().is_grant


class Advisor(catalog.Advisor):
    """Eine Beratungsstelle und ihr Gebiet / an advisory body and its territory (Land, Kreis, municipality AGS)."""

    role: AdvisorRole = Field(description="Rolle beim Matching / role in advisor matching")
    role_label: str = Field(description="deutsche Bezeichnung der Rolle / German label of the role")


class MeasurePage(Page[Measure]):
    """Eine Seite Maßnahmen / a page of measures."""


class FundingProgrammePage(Page[FundingProgramme]):
    """Eine Seite Förderprogramme / a page of funding programmes."""


class AdvisorPage(Page[Advisor]):
    """Eine Seite Beratungsstellen / a page of advisors."""


class OrganisationFull(Organisation):
    """Ein gespeichertes Profil mit abgeleitetem Standort und Merkmalen / a stored profile with its derived
    location and features. ``contact`` und ``address`` sind null, wenn nicht gespeichert oder nicht für Sie
    freigegeben / null when not stored or not shared with you."""

    view: Literal["full"] = Field(default="full", description="vollständige Sicht / full view")
    coverage_note: str | None = Field(
        default=None,
        description="Hinweis, wenn der Standort außerhalb von NRW und Baden-Württemberg liegt (dort keine "
        "Beratungsstellen, Förderprogramme und Planungsregionen) / note when the location lies outside NRW and BW",
    )


class OrganisationPublic(BaseModel):
    """Name und Standort einer für Peers sichtbaren Organisation (Planer) / name and location of an
    organisation visible to peers (planners)."""

    view: Literal["public"] = Field(default="public", description="Name und Standort / name and location only")
    id: OrganisationId
    name: str
    kind: OrganisationKind
    estate: str | None = Field(default=None, description="Gewerbegebiet / industrial estate")
    location: Location
    synthetic: bool
    contact: Contact | None = Field(default=None, description="nur mit Einwilligung / only with consent")
    address: str | None = Field(default=None, description="nur mit Einwilligung / only with consent")


OrganisationView = Annotated[OrganisationFull | OrganisationPublic, Field(discriminator="view")]


class OrganisationPage(BaseModel):
    """Eine Seite Organisationen / a page of organisations."""

    items: list[OrganisationView] = Field(description="die Einträge dieser Seite / the items on this page")
    total: int = Field(ge=0, description="Anzahl aller sichtbaren Treffer / number of all visible matches")
    page: int = Field(ge=1, description="Seitennummer ab 1 / page number, from 1")
    per_page: int = Field(ge=1, le=MAX_PER_PAGE, description="Einträge je Seite / items per page")
    hidden_in_region: int | None = Field(
        default=None,
        description=(
            "nur Planer: Anzahl der nicht für Peers sichtbaren Organisationen der Region (ohne Filter) / "
            "planners only: number of organisations in the region not visible to peers (filters not applied)"
        ),
    )


def _optional(info: FieldInfo) -> FieldInfo:
    """The field without a default: left out, it is not set (the schema shows no default either)."""
    field = copy(info)
    field.default, field.default_factory, field.validate_default = None, None, False
    extra = info.json_schema_extra
    if extra is None or isinstance(extra, dict):

        def schema_without_default(schema: dict[str, Any]) -> None:
            schema.update(extra or {})
            schema.pop("default", None)

        field.json_schema_extra = schema_without_default
    return field


def _patch_of(model: type[BaseModel]) -> type[BaseModel]:
    """``model`` with every field optional (same types and constraints, no default applied): the body of a
    PATCH, so that the schema names the fields a PATCH may change; the merged result is validated as ``model``."""
    fields: dict[str, Any] = {name: (info.annotation, _optional(info)) for name, info in model.model_fields.items()}
    return create_model(
        f"{model.__name__}Patch",
        __config__=ConfigDict(extra="forbid", str_strip_whitespace=True),
        __doc__="Die zu ändernden Felder eines Profils (wie bei PUT); nicht genannte bleiben. / The fields to change.",
        **fields,
    )


if TYPE_CHECKING:
    OrganisationPatch = BaseModel
else:
    OrganisationPatch = _patch_of(OrganisationProfile)
