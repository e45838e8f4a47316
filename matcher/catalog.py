"""The BMM catalogue: measures, funding programmes and advisory bodies (``data/catalog``)."""

from __future__ import annotations

import csv
import re
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from matcher.conditions import MeasureNature, ProgrammeConditions, load_funding_conditions
from matcher.models import Location
from matcher.vocabulary import MeasureCategory, OrganisationKind, ProblemCode


def _split(value: Any) -> Any:
    """Catalogue multi-value cells are ';'-separated; blank means none."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _yes_no(value: Any) -> Any:
    if isinstance(value, str):
        return {"yes": True, "no": False}.get(value.strip().lower(), value)
    return value


SplitList = BeforeValidator(_split)
BlankIsNone = BeforeValidator(_blank_to_none)
YesNo = BeforeValidator(_yes_no)


class ShiftSuitability(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class Measure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name_de: str
    name_en: str
    category: MeasureCategory
    addresses: Annotated[list[ProblemCode], SplitList]
    min_employees: Annotated[int | None, BlankIsNone] = None
    max_employees: Annotated[int | None, BlankIsNone] = None
    suits_shift_work: ShiftSuitability
    needs_transit_nearby: Annotated[bool, YesNo]
    cost_level: int = Field(ge=1, le=3)
    effort_level: int = Field(ge=1, le=3)
    typical_lead_time_months: int = Field(ge=0)
    joint_with_neighbours: Annotated[bool, YesNo]
    co2_effect_note: str
    source_url: str


class FundingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


class Instrument(StrEnum):
    GRANT = "grant"
    COMPETITION = "competition"
    CO_FINANCING = "co_financing"
    CONSULTING = "consulting"
    TICKET_DISCOUNT = "ticket_discount"
    TAX_RULE = "tax_rule"
    LEVY = "levy"


NON_GRANT_INSTRUMENTS = frozenset({Instrument.TICKET_DISCOUNT, Instrument.TAX_RULE, Instrument.LEVY})


class FundingProgramme(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    funder: str
    level: str
    states: Annotated[list[str], SplitList]
    eligible_kinds: Annotated[list[OrganisationKind], SplitList]
    sme_only: Annotated[bool, YesNo]
    min_employees: Annotated[int | None, BlankIsNone] = None
    max_employees: Annotated[int | None, BlankIsNone] = None
    funded_categories: Annotated[list[MeasureCategory], SplitList]
    fundable_measures: Annotated[list[str], SplitList]
    funding_rate_percent: str = Field(description="as the source states it (text)")
    max_amount_eur: str = Field(description="as the source states it (text)")
    status_as_of: str = Field(description="the source's wording of the status")
    status: FundingStatus = Field(description="status at checked_on")
    instrument: Instrument
    open_from: Annotated[date | None, BlankIsNone] = None
    valid_until: Annotated[date | None, BlankIsNone] = None
    checked_on: date
    source_url: str
    notes: str
    conditions: ProgrammeConditions = Field(description="curated per applicant kind (funding_conditions.json)")

    @property
    def is_grant(self) -> bool:
        return self.instrument not in NON_GRANT_INSTRUMENTS


class AdvisorType(StrEnum):
    """The kinds of advisory body in the catalogue (``advisors.csv`` column ``organisation_type``)."""

    IHK = "ihk"
    HWK = "hwk"
    ZUKUNFTSNETZ = "zukunftsnetz"
    VERKEHRSVERBUND = "verkehrsverbund"
    VERKEHRSUNTERNEHMEN = "verkehrsunternehmen"
    WIRTSCHAFTSFOERDERUNG = "wirtschaftsfoerderung"
    ECONOMIC_DEVELOPMENT = "economic_development"
    MINISTRY = "ministry"
    OTHER = "other"


class Advisor(BaseModel):
    """An advisory body and its territory (Land, Kreise and municipalities as AGS codes)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    organisation_type: AdvisorType
    serves_kinds: Annotated[list[OrganisationKind], SplitList]
    state: Annotated[str | None, BlankIsNone] = None
    seat_city: str
    lat: float
    lon: float
    covers: str = Field(description="coverage as the source names it")
    covers_states: Annotated[list[str], SplitList]
    covers_kreise: Annotated[list[str], SplitList]
    covers_municipalities: Annotated[list[str], SplitList]
    excludes_municipalities: Annotated[list[str], SplitList]
    parent_id: Annotated[str | None, BlankIsNone] = None
    specialisms: str
    source_url: str

    @property
    def is_statewide(self) -> bool:
        return bool(self.covers_states)

    def covers_location(self, location: Location) -> bool:
        if location.municipality_ags in self.excludes_municipalities:
            return False
        return (
            "DE" in self.covers_states
            or location.state in self.covers_states
            or location.kreis_code in self.covers_kreise
            or location.municipality_ags in self.covers_municipalities
        )


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True)

    measures: dict[str, Measure]
    funding: dict[str, FundingProgramme]
    advisors: dict[str, Advisor]
    measure_natures: dict[str, MeasureNature] = Field(description="what funding a measure means (funding_conditions)")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_catalog(data_dir: Path) -> Catalog:
    """Load and validate the catalogue in ``data_dir/catalog``."""
    folder = data_dir / "catalog"
    conditions = load_funding_conditions(folder / "funding_conditions.json")
    by_id = {entry.id: entry for entry in conditions.programmes}
    rows = _rows(folder / "funding.csv")
    missing = sorted({row["id"] for row in rows} - set(by_id))
    if missing:
        raise ValueError(f"funding_conditions.json has no conditions for {', '.join(missing)}")
    return Catalog(
        measures={row["id"]: Measure.model_validate(row) for row in _rows(folder / "measures.csv")},
        funding={row["id"]: FundingProgramme.model_validate({**row, "conditions": by_id[row["id"]]}) for row in rows},
        advisors={row["id"]: Advisor.model_validate(row) for row in _rows(folder / "advisors.csv")},
        measure_natures=conditions.measure_natures,
    )


def vocabulary_codes(vocabulary_markdown: str, heading: str) -> list[str]:
    """The codes of one table in VOCABULARY.md (first column of the table under ``heading``)."""
    section = vocabulary_markdown.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    cells = re.findall(r"^\| ([a-z0-9_]+) \|", section, flags=re.MULTILINE)
    return [cell for cell in cells if cell != "code"]  # 'code' is the header row
