"""Funding cases for the values the sources corrected on 2026-12-06 (scripts/funding_reread.json).

Each case is a correction an advisor would insist on: who may apply, what the cap refers to, what a programme
does not pay for, and what is not confirmed.
"""

from __future__ import annotations

from matcher.evaluation.expert.model import ExpertCase, case

REREAD = "funding re-read 2026-12-06 (scripts/funding_reread.json)"
CONCEPT = ["mobility_concept_consulting"]

REREAD_CASES: list[ExpertCase] = [
    case(
        "funding_personalstellen_town_needs_traffic_authority",
        "funding",
        "Eine Gemeinde im Schwarzwald erfährt, dass die Personalstellenförderung nur Städten und "
        "Verwaltungsgemeinschaften mit eigener unterer Verkehrsbehörde offensteht, und sie steht hinter den "
        "direkt nutzbaren Programmen.",
        "BW",
        "rural",
        "day",
        {"kind": "municipality", "employees": 120, "postcode": "72270"},
        [
            {"type": "funding_eligibility", "programme": "bw_personalstellen", "eligibility": "eligible"},
            {"type": "funding_reads_right", "programme": "bw_personalstellen"},
            {
                "type": "funding_condition_text",
                "programme": "bw_personalstellen",
                "texts": ["nur Städte und Verwaltungsgemeinschaften mit eigener unterer Verkehrsbehörde"],
            },
            {"type": "funding_below_direct", "programme": "bw_personalstellen"},
        ],
        funding_for=["mobility_coordinator"],
        source=REREAD,
    ),
    case(
        "funding_personalstellen_kreis_flat_rate",
        "funding",
        "Der Landkreis Esslingen bekommt für eine Mobilitätsstelle zwei Jahre lang 100 %, als Pauschale von "
        "höchstens 78.600 € je Stelle und Jahr, und muss die Stelle zwei weitere Jahre halten.",
        "BW",
        "urban",
        "day",
        {"kind": "district", "employees": 2500, "postcode": "73728"},
        [
            {"type": "funding_eligibility", "programme": "bw_personalstellen", "eligibility": "eligible"},
            {"type": "funding_reads_right", "programme": "bw_personalstellen"},
            {
                "type": "funding_rate_text",
                "programme": "bw_personalstellen",
                "contains": ["bis 100 % für Kreis (in den ersten zwei Jahren", "höchstens 78.600 € je Stelle und Jahr"],
            },
            {
                "type": "funding_condition_text",
                "programme": "bw_personalstellen",
                "texts": ["Stelle für mindestens vier Jahre: der Arbeitgeber verlängert sie um zwei weitere Jahre"],
            },
        ],
        funding_for=["mobility_coordinator"],
        source=REREAD,
    ),
    case(
        "funding_fachkonzepte_cap_per_project",
        "funding",
        "Eine Stadt bekommt für ein Mobilitätskonzept aus der Konzeptionsförderung 50 %, höchstens 200.000 € je "
        "Vorhaben und erst ab 10.000 € Kosten.",
        "BW",
        "urban",
        "day",
        {"kind": "municipality", "employees": 900, "postcode": "71634"},
        [
            {"type": "funding_eligibility", "programme": "bw_fachkonzepte", "eligibility": "eligible"},
            {"type": "funding_reads_right", "programme": "bw_fachkonzepte"},
            {
                "type": "funding_rate_text",
                "programme": "bw_fachkonzepte",
                "contains": ["bis 50 % für Gemeinde / Stadt", "höchstens 200.000 € je Vorhaben"],
            },
            {
                "type": "funding_condition_text",
                "programme": "bw_fachkonzepte",
                "texts": ["Mindestprojektvolumen 10.000 €"],
            },
        ],
        funding_for=CONCEPT,
        source=REREAD,
    ),
    case(
        "funding_bafa_cargo_bike_not_leased",
        "funding",
        "Ein Handwerksbetrieb erfährt, dass das BAFA ein geleastes oder für Arbeitswege genutztes E-Lastenrad "
        "nicht fördert.",
        "BW",
        "urban",
        "day",
        {"kind": "craft_business", "employees": 8, "postcode": "71634", "sector": "F"},
        [
            {"type": "funding_eligibility", "programme": "bafa_e_lastenfahrrad", "eligibility": "eligible"},
            {
                "type": "funding_condition_text",
                "programme": "bafa_e_lastenfahrrad",
                "texts": ["nicht für Leasing, Mietkauf, Sharing oder private Zwecke wie Arbeitswege"],
            },
        ],
        funding_for=["cargo_bikes_commercial"],
        source=REREAD,
    ),
    case(
        "funding_initial_only_for_newcomers",
        "funding",
        "Die Initialförderung des Bundes zahlt einem KMU ein Mobilitätskonzept bis 5.000 €, aber nur, wenn es "
        "noch keine oder wenig Erfahrung im Mobilitätsmanagement hat.",
        "NRW",
        "urban",
        "day",
        {"kind": "company", "employees": 60, "postcode": "44135", "sector": "G"},
        [
            {"type": "funding_eligibility", "programme": "bmdv_bmm_initialfoerderung", "eligibility": "eligible"},
            {"type": "funding_reads_right", "programme": "bmdv_bmm_initialfoerderung"},
            {
                "type": "funding_rate_text",
                "programme": "bmdv_bmm_initialfoerderung",
                "contains": ["bis 100 % für Unternehmen", "höchstens 5.000 €"],
            },
            {
                "type": "funding_condition_text",
                "programme": "bmdv_bmm_initialfoerderung",
                "texts": ["nur für KMU ohne oder mit geringen Vorerfahrungen im Mobilitätsmanagement"],
            },
        ],
        funding_for=CONCEPT,
        source=REREAD,
    ),
    case(
        "funding_wrs_advice_not_promised_free_outside_partners",
        "funding",
        "Einem Ludwigsburger Betrieb verspricht das Werkzeug keine kostenlose Vor-Ort-Beratung im "
        "BMM-Impulsprogramm: die haben bisher nur Stuttgart, der Landkreis Esslingen und Ebersbach bezahlt.",
        "BW",
        "urban",
        "day",
        {"kind": "company", "employees": 150, "postcode": "71634", "sector": "C"},
        [
            {"type": "funding_eligibility", "programme": "wrs_bmm_impulsprogramm", "eligibility": "eligible"},
            {"type": "funding_reads_right", "programme": "wrs_bmm_impulsprogramm"},
            {
                "type": "funding_rate_text",
                "programme": "wrs_bmm_impulsprogramm",
                "contains": ["anderswo ist der Eigenanteil nicht bestätigt"],
            },
        ],
        funding_for=CONCEPT,
        source=REREAD,
    ),
]
