"""Typed expert cases: a profile, who it stands for, and what a BMM advisor insists the answer shows.

A case is data (see ``cases_*.py``): validated here, checked by ``matcher.evaluation.expert.runner``. Measure,
programme and advisor ids are checked against the catalogue when the cases run (``unknown_ids``).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matcher.matching.advisors import AdvisorRole
from matcher.matching.funding import Eligibility
from matcher.models import OrganisationProfile
from matcher.transit.model import TransitClass
from matcher.vocabulary import MeasureCategory

# The day the cases were written against: funding availability depends on it, so it is fixed.
CASE_DATE = date(2026, 12, 4)


class CaseGroup(StrEnum):
    MEASURES = "measures"
    FUNDING = "funding"
    ADVISORS = "advisors"
    TRANSIT = "transit"
    PEERS = "peers"
    PLANNING = "planning"


class Region(StrEnum):
    NRW = "NRW"
    BW = "BW"
    OTHER = "other"  # outside both regions (the product must not invent local bodies)


REGION_STATES = {Region.NRW: "DE-NW", Region.BW: "DE-BW"}


class Setting(StrEnum):
    URBAN = "urban"
    RURAL = "rural"


class WorkPattern(StrEnum):
    SHIFT = "shift"
    DAY = "day"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MeasureInTop(_Frozen):
    type: Literal["measure_in_top"] = "measure_in_top"
    k: int = Field(ge=1, le=49)
    measure: str


class MeasureRankedBefore(_Frozen):
    """The first of ``first`` (measure ids or ``category:<code>``) comes before the first of ``then``;
    holds also when nothing of ``then`` is listed, fails when nothing of ``first`` is."""

    type: Literal["measure_ranked_before"] = "measure_ranked_before"
    first: list[str] = Field(min_length=1)
    then: list[str] = Field(min_length=1)


class MeasureAbsent(_Frozen):
    type: Literal["measure_absent"] = "measure_absent"
    measure: str


class MeasuresFitSize(_Frozen):
    """No recommended measure has a size limit the organisation misses (min/max employees)."""

    type: Literal["measures_fit_size"] = "measures_fit_size"


class FundingEligibility(_Frozen):
    type: Literal["funding_eligibility"] = "funding_eligibility"
    programme: str
    eligibility: Eligibility


class FundingListed(_Frozen):
    """Listed as usable (in the answer's items), optionally among the first ``k``."""

    type: Literal["funding_listed"] = "funding_listed"
    programme: str
    k: int | None = Field(default=None, ge=1)


class FundingAbsent(_Frozen):
    """Not listed as usable (it may appear among the ineligible ones with a reason)."""

    type: Literal["funding_absent"] = "funding_absent"
    programme: str


class FundingRate(_Frozen):
    """The rate for THIS applicant (``applicant_rate_percent``); None: no confirmed rate may be shown."""

    type: Literal["funding_rate"] = "funding_rate"
    programme: str
    percent: float | None


class FundingCondition(_Frozen):
    """The programme's answer carries a condition with this code (e.g. role_partner_only, municipal_share)."""

    type: Literal["funding_condition"] = "funding_condition"
    programme: str
    code: str


class FundingRateText(_Frozen):
    """The rate text for THIS applicant contains every fragment (e.g. "bis 30 % für Handwerksbetrieb")."""

    type: Literal["funding_rate_text"] = "funding_rate_text"
    programme: str
    contains: list[str] = Field(min_length=1)


class FundingConditionText(_Frozen):
    """Each text is one of the programme's German conditions for THIS applicant, word for word."""

    type: Literal["funding_condition_text"] = "funding_condition_text"
    programme: str
    texts: list[str] = Field(min_length=1)


class FundingNotEligibleBecause(_Frozen):
    """Not usable, and one of the German reasons why not contains ``because``."""

    type: Literal["funding_not_eligible_because"] = "funding_not_eligible_because"
    programme: str
    because: str = Field(min_length=3)


class FundingBelowDirect(_Frozen):
    """Usable only indirectly (says so) and below every directly usable programme that funds a measure."""

    type: Literal["funding_below_direct"] = "funding_below_direct"
    programme: str


class FundingReadsRight(_Frozen):
    """Listed; its score is the sum of its reasons, and a non-grant never reads "fördert …"."""

    type: Literal["funding_reads_right"] = "funding_reads_right"
    programme: str


class FundingRankedBefore(_Frozen):
    type: Literal["funding_ranked_before"] = "funding_ranked_before"
    first: str
    then: str


class FundingOnlyOwnState(_Frozen):
    """Every usable programme is nationwide or for the organisation's Land (and Kreis, where limited)."""

    type: Literal["funding_only_own_region"] = "funding_only_own_region"


class NoGrantFunds(_Frozen):
    """No grant programme claims to fund this measure (ticket discounts and tax rules are not grants)."""

    type: Literal["no_grant_funds"] = "no_grant_funds"
    measure: str


class AdvisorInTop(_Frozen):
    """An advisor (id) or any advisor of a role among the first ``k``."""

    type: Literal["advisor_in_top"] = "advisor_in_top"
    k: int = Field(ge=1)
    advisor: str | None = None
    role: AdvisorRole | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.advisor is None) == (self.role is None):
            raise ValueError("advisor_in_top needs exactly one of advisor and role")
        return self


class AdvisorAbsent(_Frozen):
    type: Literal["advisor_absent"] = "advisor_absent"
    advisor: str | None = None
    role: AdvisorRole | None = None
    organisation_types: list[str] = Field(default_factory=list, description="none of these types listed either")


class AdvisorHasRole(_Frozen):
    type: Literal["advisor_has_role"] = "advisor_has_role"
    advisor: str
    role: AdvisorRole


class AdvisorsCovered(_Frozen):
    type: Literal["advisors_covered"] = "advisors_covered"
    covered: bool


class TransitClassAtLeast(_Frozen):
    type: Literal["transit_class_at_least"] = "transit_class_at_least"
    transit_class: TransitClass


class TransitClassAtMost(_Frozen):
    type: Literal["transit_class_at_most"] = "transit_class_at_most"
    transit_class: TransitClass


class PeersNearby(_Frozen):
    """At least ``min_count`` peers, each within ``max_km`` and sharing a problem or having solved one."""

    type: Literal["peers_nearby"] = "peers_nearby"
    min_count: int = Field(ge=1)
    max_km: float = Field(gt=0)


Expectation = Annotated[
    MeasureInTop | MeasureRankedBefore | MeasureAbsent | MeasuresFitSize
    | FundingEligibility | FundingListed | FundingAbsent | FundingRate | FundingCondition | FundingRankedBefore
    | FundingOnlyOwnState | NoGrantFunds | FundingRateText | FundingConditionText | FundingNotEligibleBecause
    | FundingBelowDirect | FundingReadsRight
    | AdvisorInTop | AdvisorAbsent | AdvisorHasRole | AdvisorsCovered
    | TransitClassAtLeast | TransitClassAtMost | PeersNearby,
    Field(discriminator="type"),
]  # fmt: skip

CATEGORY_PREFIX = "category:"


def measure_selector_valid(selector: str) -> bool:
    if selector.startswith(CATEGORY_PREFIX):
        return selector.removeprefix(CATEGORY_PREFIX) in {c.value for c in MeasureCategory}
    return True  # measure ids are checked against the catalogue by the runner


class ExpertCase(_Frozen):
    """One case: ``title`` is the advisor's sentence in German; every expectation must hold."""

    id: str = Field(pattern=r"^[a-z0-9_]{3,80}$")
    group: CaseGroup
    title: str = Field(min_length=10, description="German: what an experienced BMM advisor insists on")
    region: Region
    setting: Setting
    work: WorkPattern
    profile: OrganisationProfile = Field(description="as a user would enter it (name and id are filled in)")
    expect: list[Expectation] = Field(min_length=1)
    as_of: date = CASE_DATE
    funding_for: list[str] | None = Field(
        default=None, description="measures to ask funding for; None: the measures the product recommends"
    )
    source: str = Field(default="h6", description="who wrote the case (absorbed cases keep their origin)")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        shift = self.profile.shift_work or "shift_work" in self.profile.issues
        if shift != (self.work is WorkPattern.SHIFT):
            raise ValueError(f"{self.id}: work={self.work.value} contradicts the profile's shift work")
        for item in self.expect:
            if isinstance(item, MeasureRankedBefore):
                bad = [s for s in (*item.first, *item.then) if not measure_selector_valid(s)]
                if bad:
                    raise ValueError(f"{self.id}: unknown measure category in {bad}")
        return self


def case(
    id: str,
    group: str,
    title: str,
    region: str,
    setting: str,
    work: str,
    profile: dict[str, object],
    expect: list[dict[str, object]],
    **extra: object,
) -> ExpertCase:
    """One case row (compact for the case modules); the profile's name marks it as synthetic."""
    full = {"name": f"Expertenfall {id} (synthetisch)", "synthetic": True, **profile}
    return ExpertCase.model_validate(
        {"id": id, "group": group, "title": title, "region": region, "setting": setting, "work": work,
         "profile": full, "expect": expect, **extra}
    )  # fmt: skip
