"""Run expert cases over the real reference data and a vectoriser, as the product answers a user.

The context holds what the API holds: the catalogue, the settings, a fitted vectoriser and an index of
organisations nearby (a synthetic demo background, so measures carry the collaborative signal they carry in
the demo). Each case builds its organisation from the profile, asks the recommenders once and checks every
expectation; the result says in German what was expected and what was seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

from matcher.evaluation.expert.checks import check, unknown_ids
from matcher.evaluation.expert.model import REGION_STATES, CaseGroup, ExpertCase, Region, Setting
from matcher.index import OrganisationIndex
from matcher.matching.advisors import AdvisorAnswer, recommend_advisors
from matcher.matching.funding import FundingAnswer, recommend_funding
from matcher.matching.measures import MeasureRecommendation, recommend_measures_nearby
from matcher.matching.peers import PeerAnswer, recommend_peers
from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.synthetic import generate_demo_data
from matcher.vectorise import Vectoriser
from matcher.vocabulary import Urbanisation

ALL_MEASURES = 49  # the recommenders' largest limit: absence is checked over everything they would list

# The background the cases run against (the demo's generator; the same for tests and bmm evaluate).
BACKGROUND_SIZE = 5_000
BACKGROUND_SEED = 11


class CaseResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    group: CaseGroup
    title: str
    passed: bool
    explanation: str = Field(description="German: each expectation with what was seen")


@dataclass(frozen=True)
class ExpertContext:
    reference: ReferenceData
    settings: MatcherSettings
    vectoriser: Vectoriser
    index: OrganisationIndex
    builder: ProfileBuilder


def expert_context(
    reference: ReferenceData,
    settings: MatcherSettings,
    vectoriser: Vectoriser,
    *,
    background: int = BACKGROUND_SIZE,
    seed: int = BACKGROUND_SEED,
) -> ExpertContext:
    """A context with a synthetic demo background of ``background`` organisations (deterministic for a seed)."""
    builder = ProfileBuilder(reference, settings)
    demo = generate_demo_data(reference, size=background, seed=seed)
    built = builder.build_many([(p, p.id or "") for p in demo.profiles])
    organisations = [o for o in built if isinstance(o, Organisation)]
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    return ExpertContext(reference, settings, vectoriser, index, builder)


@dataclass
class Answers:
    """What the product answers for one case's organisation, computed on first use."""

    context: ExpertContext
    case: ExpertCase
    organisation: Organisation = field(init=False)

    def __post_init__(self) -> None:
        profile = OrganisationProfile.model_validate({**self.case.profile.model_dump(), "id": f"expert-{self.case.id}"})
        self.organisation = self.context.builder.build(profile, profile.id or "")

    @cached_property
    def measures(self) -> list[MeasureRecommendation]:
        c = self.context
        return recommend_measures_nearby(
            self.organisation, c.index, c.vectoriser, c.reference.catalog, c.settings.measures, ALL_MEASURES
        )

    @cached_property
    def shown_measures(self) -> list[str]:
        """The measures the user sees by default: the funding answer is computed for these (as the API does)."""
        return [m.id for m in self.measures[: self.context.settings.measures.default_limit]]

    @cached_property
    def funding(self) -> FundingAnswer:
        c = self.context
        measures = self.shown_measures if self.case.funding_for is None else self.case.funding_for
        return recommend_funding(
            self.organisation, c.reference.catalog, measures, c.settings.funding, self.case.as_of,
            include_ineligible=True,
        )  # fmt: skip

    @cached_property
    def advisors(self) -> AdvisorAnswer:
        reference = self.context.reference
        return recommend_advisors(
            self.organisation, reference.catalog, self.context.settings.advisors, reference.geo.kreis_naming
        )

    @cached_property
    def peers(self) -> PeerAnswer:
        c = self.context
        return recommend_peers(self.organisation, c.index, c.vectoriser, c.reference.catalog, c.settings.peers)


def _metadata_problems(case: ExpertCase, organisation: Organisation) -> list[str]:
    """The case's labels (Land, urban/rural) must describe the place the profile resolves to."""
    problems = []
    state = organisation.location.state
    expected = REGION_STATES.get(case.region)
    if (expected is not None and state != expected) or (
        case.region is Region.OTHER and state in REGION_STATES.values()
    ):
        problems.append(f"Fallangabe Region {case.region.value} passt nicht zum Standort ({state})")
    urbanisation = organisation.features.urbanisation
    if (case.setting is Setting.URBAN and urbanisation is Urbanisation.SPARSE) or (
        case.setting is Setting.RURAL and urbanisation is Urbanisation.DENSE
    ):
        problems.append(f"Fallangabe {case.setting.value} passt nicht zur Siedlungsdichte ({urbanisation.value})")
    return problems


def run_case(context: ExpertContext, case: ExpertCase) -> CaseResult:
    answers = Answers(context, case)
    location = answers.organisation.location
    naming = context.reference.geo.kreis_naming
    place = naming.place(location.municipality_name, location.kreis_code, location.kreis_name)
    lines = [f"✗ {text}" for text in _metadata_problems(case, answers.organisation)]
    unknown = unknown_ids(case, context.reference.catalog)
    lines += [f"✗ unbekannte id im Katalog: {name}" for name in unknown]
    passed = not lines
    for expectation in case.expect:
        ok, text = check(expectation, answers)
        passed = passed and ok
        lines.append(f"{'✓' if ok else '✗'} {text}")
    head = f"{case.title} — {place}: {'bestanden' if passed else 'NICHT bestanden'}"
    return CaseResult(
        id=case.id, group=case.group, title=case.title, passed=passed, explanation="\n".join([head, *lines])
    )


def run_cases(context: ExpertContext, cases: list[ExpertCase]) -> list[CaseResult]:
    return [run_case(context, case) for case in cases]
