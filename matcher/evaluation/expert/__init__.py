"""Expert test set: cases a German BMM advisor would insist on, run by the tests and by ``bmm evaluate``."""

from __future__ import annotations

from matcher.evaluation.expert.cases_conditions import CONDITION_CASES
from matcher.evaluation.expert.cases_funding import FUNDING_CASES
from matcher.evaluation.expert.cases_measures import MEASURE_CASES, MORE_MEASURE_CASES
from matcher.evaluation.expert.cases_places import ADVISOR_CASES, MORE_ADVISOR_CASES, PEER_CASES, TRANSIT_CASES
from matcher.evaluation.expert.cases_reread import REREAD_CASES
from matcher.evaluation.expert.known_defects import KNOWN_DEFECTS
from matcher.evaluation.expert.model import CaseGroup, ExpertCase
from matcher.evaluation.expert.runner import CaseResult, ExpertContext, expert_context, run_case, run_cases

ALL_CASES: list[ExpertCase] = [
    *MEASURE_CASES, *MORE_MEASURE_CASES, *TRANSIT_CASES, *ADVISOR_CASES, *MORE_ADVISOR_CASES, *PEER_CASES,
    *FUNDING_CASES, *CONDITION_CASES, *REREAD_CASES,
]  # fmt: skip

__all__ = [
    "ALL_CASES", "KNOWN_DEFECTS", "CaseGroup", "CaseResult", "ExpertCase", "ExpertContext",
    "expert_context", "run_case", "run_cases",
]  # fmt: skip
