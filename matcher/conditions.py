"""Curated funding conditions (``data/catalog/funding_conditions.json``): who may apply how, at which rate.

One entry per programme; per applicant kind (and size class where rates differ) the applicant's role, rate
and cap. Every value carries its source in ``sources``; a blank value is "nicht bestätigt", never guessed.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matcher.vocabulary import OrganisationKind, Sector


class MeasureNature(StrEnum):
    """What paying for a measure means; decides which instruments can fund it at all."""

    ANALYSIS = "analysis"  # surveys, concepts, consulting, coordinator posts
    INVESTMENT = "investment"  # things bought or built
    SERVICE = "service"  # services operated (shuttles, matching, ride-home guarantee)
    INFORMATION = "information"  # campaigns, challenges, certification, training
    ORGANISATION = "organisation"  # internal rules and dialogues without own cost
    TICKET = "ticket"  # tariff products of transit operators (a ticket discount, not a grant)
    TAX_BENEFIT = "tax_benefit"  # tax rules for staff benefits (a tax rule, not a grant)


class ApplicantRole(StrEnum):
    DIRECT = "direct"
    PARTNER_ONLY = "partner_only"  # only as partner in a consortium under municipal lead
    VIA_MUNICIPALITY = "via_municipality"  # the municipality applies; the organisation takes part


class ApplicantConditions(BaseModel):
    """Rate, cap and role for one applicant kind (and size class)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: OrganisationKind
    role: ApplicantRole
    min_employees: int | None = Field(default=None, ge=0)
    max_employees: int | None = Field(default=None, ge=0)
    rate_percent: float | None = Field(default=None, gt=0, le=100, description="standard rate; blank: not confirmed")
    rate_note: str | None = Field(default=None, description="German: higher rates, variants, or why blank")
    cap_eur: float | None = Field(default=None, gt=0)
    cap_note: str | None = Field(default=None, description="German: what the cap refers to")
    min_municipal_share_percent: float | None = Field(default=None, gt=0, le=100)
    municipal_share_note: str | None = None
    restriction: str | None = Field(default=None, description="German: only some bodies of this kind may apply")
    only_measures: list[str] | None = Field(default=None, description="measures this applicant can use it for")
    sources: dict[str, str]

    def fits(self, employees: int) -> bool:
        low, high = self.min_employees, self.max_employees
        return (low is None or employees >= low) and (high is None or employees <= high)

    @property
    def restricted(self) -> bool:
        """Only some organisations of this kind may apply (a condition the profile cannot show)."""
        return self.min_municipal_share_percent is not None or self.restriction is not None

    @model_validator(mode="after")
    def _every_value_sourced(self) -> Self:
        _check_sources(self, ("rate_percent", "cap_eur", "min_municipal_share_percent", "restriction"), self.sources)
        return self


class ProgrammeConditions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    funds_natures: list[MeasureNature]
    excludes_measures: list[str] = Field(default_factory=list, description="in a funded category, but not funded")
    kreise: list[str] = Field(default_factory=list, description="Kreis codes; empty: the programme's Länder")
    region_label: str | None = None
    mobility_plan: str | None = Field(
        default=None, description="German: the plan or concept the measures must come from"
    )
    min_project_cost_eur: float | None = Field(default=None, gt=0)
    min_project_cost_note: str | None = None
    de_minimis: bool | None = Field(default=None, description="aid to businesses counts against the de-minimis limit")
    sectors: list[Sector] = Field(
        default_factory=list,
        description="WZ sections a company or craft business must belong to; empty: every sector. Public bodies are "
        "admitted by kind alone",
    )
    dates_note: str | None = None
    conditions_de: list[str] = Field(default_factory=list, description="German: further conditions of the source")
    applicants: list[ApplicantConditions]
    sources: dict[str, str]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_sources(
            self,
            ("excludes_measures", "kreise", "mobility_plan", "min_project_cost_eur", "de_minimis", "sectors"),
            self.sources,
        )
        if self.kreise and not self.region_label:
            raise ValueError(f"{self.id}: kreise need a region_label")
        return self

    def for_applicant(self, kind: OrganisationKind, employees: int) -> ApplicantConditions | None:
        return next((a for a in self.applicants if a.kind is kind and a.fits(employees)), None)

    def kinds(self) -> list[OrganisationKind]:
        return list(dict.fromkeys(a.kind for a in self.applicants))


class FundingConditions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    about: str
    checked_on: date
    measure_natures: dict[str, MeasureNature]
    programmes: list[ProgrammeConditions]


def _check_sources(model: BaseModel, fields: tuple[str, ...], sources: dict[str, str]) -> None:
    for name in fields:
        value = getattr(model, name)
        if value not in (None, [], False) and not sources.get(name, "").strip():
            raise ValueError(f"{getattr(model, 'id', getattr(model, 'kind', '?'))}: {name} has no source note")


def load_funding_conditions(path: Path) -> FundingConditions:
    return FundingConditions.model_validate(json.loads(path.read_text(encoding="utf-8")))
