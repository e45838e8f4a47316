"""The expert test set (matcher/evaluation/expert): one test per case, failing with its German explanation."""

from __future__ import annotations

import pytest

from matcher.artefacts import load_model
from matcher.evaluation.expert import ALL_CASES, KNOWN_DEFECTS, CaseGroup, ExpertCase, ExpertContext, expert_context
from matcher.evaluation.expert.model import Region, Setting, WorkPattern
from matcher.evaluation.expert.runner import run_case
from matcher.reference import ReferenceData
from matcher.resources import models_dir
from matcher.settings import MatcherSettings
from matcher.vocabulary import OrganisationKind


@pytest.fixture(scope="module")
def context(reference: ReferenceData, settings: MatcherSettings) -> ExpertContext:
    vectoriser, _ = load_model(models_dir())  # the shipped vectoriser, as bmm evaluate uses it by default
    return expert_context(reference, settings, vectoriser)


def _param(case: ExpertCase) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[case.id])] if case.id in KNOWN_DEFECTS else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in ALL_CASES])
def test_expert_case(case: ExpertCase, context: ExpertContext) -> None:
    result = run_case(context, case)
    assert result.passed, result.explanation


def test_case_ids_unique_and_defects_known() -> None:
    ids = [case.id for case in ALL_CASES]
    assert len(ids) == len(set(ids))
    assert set(KNOWN_DEFECTS) <= set(ids)


def test_the_set_spans_what_issue_11_asks_for() -> None:
    """At least 40 cases: companies, crafts, municipalities; urban and rural; shift and day; NRW and BW."""
    assert len(ALL_CASES) >= 40
    kinds = {case.profile.kind for case in ALL_CASES}
    assert {OrganisationKind.COMPANY, OrganisationKind.CRAFT_BUSINESS, OrganisationKind.MUNICIPALITY} <= kinds
    assert {Setting.URBAN, Setting.RURAL} <= {case.setting for case in ALL_CASES}
    assert {WorkPattern.SHIFT, WorkPattern.DAY} <= {case.work for case in ALL_CASES}
    assert {Region.NRW, Region.BW} <= {case.region for case in ALL_CASES}
    groups = {case.group for case in ALL_CASES}
    assert {CaseGroup.MEASURES, CaseGroup.FUNDING, CaseGroup.ADVISORS, CaseGroup.TRANSIT} <= groups


def test_a_wrong_expectation_fails_with_a_german_explanation(context: ExpertContext) -> None:
    """The runner is no rubber stamp: the Rüthen plant does not get the job ticket first."""
    base = next(case for case in ALL_CASES if case.id == "rural_shift_plant_carpool_before_job_ticket")
    wrong = ExpertCase.model_validate({**base.model_dump(), "expect": [
        {"type": "measure_ranked_before", "first": ["deutschlandticket_job"], "then": ["category:carpooling"]},
        {"type": "transit_class_at_least", "transit_class": "A"},
    ]})  # fmt: skip
    result = run_case(context, wrong)
    assert not result.passed
    assert result.explanation.count("✗") == 2
    assert "NICHT bestanden" in result.explanation
    assert "ÖV-Güteklasse mindestens A" in result.explanation


def test_case_labels_must_match_the_place(context: ExpertContext) -> None:
    base = next(case for case in ALL_CASES if case.id == "stuttgart_hbf_class_a")
    mislabelled = base.model_copy(update={"region": Region.NRW, "setting": Setting.RURAL})
    explanation = run_case(context, mislabelled).explanation
    assert "Region NRW passt nicht" in explanation
    assert "rural passt nicht" in explanation


def test_unknown_catalogue_ids_fail(context: ExpertContext) -> None:
    base = next(case for case in ALL_CASES if case.id == "parking_rules_in_place_not_repeated")
    typo = ExpertCase.model_validate(
        {**base.model_dump(), "expect": [{"type": "measure_absent", "measure": "parking_alocation_rules"}]}
    )
    result = run_case(context, typo)
    assert not result.passed
    assert "unbekannte id im Katalog: parking_alocation_rules" in result.explanation


def test_work_pattern_must_match_the_profile() -> None:
    base = next(case for case in ALL_CASES if case.id == "parking_rules_in_place_not_repeated")
    with pytest.raises(ValueError, match="contradicts"):
        ExpertCase.model_validate({**base.model_dump(), "work": "shift"})
