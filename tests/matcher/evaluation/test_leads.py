from __future__ import annotations

from matcher.evaluation.leads import LEAD_CASES, evaluate_leads
from matcher.reference import ReferenceData
from matcher.settings import LeadSettings, LeadWeights, MatcherSettings


def test_every_lead_case_passes(reference: ReferenceData) -> None:
    cases, passed, failed = evaluate_leads(reference, MatcherSettings())
    assert failed == []
    assert cases == passed == len(LEAD_CASES) >= 4


def test_a_failing_case_is_reported_by_name(reference: ReferenceData) -> None:
    # With the fundable component weighted 0 its reason disappears, so that case fails; the others still pass.
    weights = LeadWeights(employees=0.4, severity=0.3, unaddressed=0.2, fundable=0, transit_gap=0.1)
    cases, passed, failed = evaluate_leads(reference, MatcherSettings(leads=LeadSettings(weights=weights)))
    assert failed == ["large plant is fundable (an open NRW grant funds a top measure)"]
    assert (cases, passed) == (len(LEAD_CASES), len(LEAD_CASES) - 1)
