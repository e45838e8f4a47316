"""Expert cases on funding basics (h6); the eligibility cases of other authors are absorbed beside them."""

from __future__ import annotations

from matcher.evaluation.expert.model import ExpertCase, case

FUNDING_CASES: list[ExpertCase] = [
    case(
        "nrw_firm_no_bw_programme",
        "funding",
        "Ein Dortmunder Unternehmen bekommt nie ein Programm, das nur in Baden-Württemberg gilt.",
        "NRW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "C",
            "employees": 120,
            "postcode": "44135",
            "issues": ["parking_shortage", "cycling_barriers", "ev_charging_demand"],
        },
        [{"type": "funding_only_own_region"}, {"type": "funding_absent", "programme": "bw_lgvfg"}],
    ),
    case(
        "closed_programmes_not_available",
        "funding",
        "Geschlossene Programme wie KfW 441 und Charge@BW werden nicht als beantragbar angeboten.",
        "BW",
        "urban",
        "day",
        {"kind": "company", "sector": "C", "employees": 120, "postcode": "70173", "issues": ["ev_charging_demand"]},
        [
            {"type": "funding_absent", "programme": "kfw_441"},
            {"type": "funding_absent", "programme": "bw_charge_at_bw"},
            {"type": "funding_eligibility", "programme": "kfw_441", "eligibility": "not_eligible"},
        ],
    ),
    case(
        "ticket_and_tax_rule_are_not_grants",
        "funding",
        "Kein Förderprogramm „fördert“ das Deutschlandticket Job oder das Dienstrad per Entgeltumwandlung: "
        "das eine ist ein Ticketrabatt, das andere eine Steuerregel.",
        "NRW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "C",
            "employees": 200,
            "postcode": "44135",
            "issues": ["commuting_costs_for_staff", "cycling_barriers", "high_car_share"],
        },
        [
            {"type": "no_grant_funds", "measure": "deutschlandticket_job"},
            {"type": "no_grant_funds", "measure": "bike_leasing_salary_conversion"},
            {"type": "no_grant_funds", "measure": "bike_as_tax_free_benefit"},
        ],
    ),
    case(
        "efre_large_firm_not_eligible",
        "funding",
        "Ein Dortmunder Hersteller mit 1.467 Beschäftigten ist bei EFRE „Nachhaltige Städtische Mobilität“ nicht "
        "antragsberechtigt: Unternehmen nur als KMU im Verbund mit der Kommune; 90 % gibt es dort für ihn nie.",
        "NRW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "C",
            "employees": 1467,
            "postcode": "44135",
            "issues": ["parking_shortage", "ev_charging_demand", "last_mile_gap", "cycling_barriers"],
        },
        [
            {
                "type": "funding_eligibility",
                "programme": "nrw_efre_nachhaltige_staedtische_mobilitaet",
                "eligibility": "not_eligible",
            },
            {"type": "funding_absent", "programme": "nrw_efre_nachhaltige_staedtische_mobilitaet"},
        ],
    ),
    case(
        "efre_sme_only_partner",
        "funding",
        "Ein Dortmunder Mittelständler kann EFRE „Nachhaltige Städtische Mobilität“ nur im Verbund unter "
        "Federführung der Kommune nutzen, mit Mindestprojekt und Mobilitätsplan; direkt nutzbare Programme "
        "stehen davor.",
        "NRW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "C",
            "employees": 150,
            "postcode": "44135",
            "issues": ["last_mile_gap", "parking_shortage", "ev_charging_demand"],
        },
        [
            {
                "type": "funding_eligibility",
                "programme": "nrw_efre_nachhaltige_staedtische_mobilitaet",
                "eligibility": "partner_only",
            },
            {
                "type": "funding_condition",
                "programme": "nrw_efre_nachhaltige_staedtische_mobilitaet",
                "code": "role_partner_only",
            },
            {
                "type": "funding_condition",
                "programme": "nrw_efre_nachhaltige_staedtische_mobilitaet",
                "code": "min_project_cost",
            },
            {
                "type": "funding_condition",
                "programme": "nrw_efre_nachhaltige_staedtische_mobilitaet",
                "code": "mobility_plan",
            },
            {
                "type": "funding_ranked_before",
                "first": "nrw_progres_staff_charging",
                "then": "nrw_efre_nachhaltige_staedtische_mobilitaet",
            },
        ],
    ),
    case(
        "craft_cargo_bike_firm_rate",
        "funding",
        "Ein Kölner Handwerksbetrieb bekommt für Lastenräder 30 % aus progres.nrw, nicht die 60 % für Kommunen.",
        "NRW",
        "urban",
        "day",
        {
            "kind": "craft_business",
            "sector": "F",
            "employees": 8,
            "postcode": "50667",
            "issues": ["inner_city_access", "fleet_costs", "fleet_emissions"],
        },
        [
            {"type": "measure_in_top", "k": 5, "measure": "cargo_bikes_commercial"},
            {"type": "funding_rate", "programme": "nrw_progres_cargo_bikes", "percent": 30},
            {"type": "funding_listed", "programme": "nrw_progres_cargo_bikes"},
        ],
    ),
    case(
        "rural_municipality_programmes_and_network",
        "funding",
        "Eine Gemeinde im Kreis Kleve bekommt die kommunalen Programme des Landes und das Zukunftsnetz "
        "Mobilität NRW als Berater, nicht die Kammern.",
        "NRW",
        "rural",
        "day",
        {
            "kind": "municipality",
            "employees": 250,
            "postcode": "47574",
            "issues": ["low_awareness", "data_gap", "cycling_barriers", "high_car_share"],
        },
        [
            {"type": "funding_eligibility", "programme": "nrw_foeri_mm", "eligibility": "eligible"},
            {"type": "funding_listed", "programme": "nrw_foeri_mm"},
            {"type": "funding_absent", "programme": "nrw_foeri_nah"},
            {"type": "funding_absent", "programme": "bmdv_bmm_initialfoerderung"},
            {"type": "advisor_in_top", "k": 2, "advisor": "znm_ks_rhein_ruhr"},
            {"type": "advisor_absent", "organisation_types": ["hwk"]},
        ],
    ),
    case(
        "region_stuttgart_municipality_programmes",
        "funding",
        "Eine Stadt in der Region Stuttgart bekommt die kommunalen Landesprogramme (Fachkonzepte, "
        "Personalstellen), aber keine Unternehmensförderung.",
        "BW",
        "urban",
        "day",
        {
            "kind": "municipality",
            "employees": 900,
            "postcode": "71634",
            "issues": ["low_awareness", "data_gap", "high_car_share"],
        },
        [
            {"type": "funding_eligibility", "programme": "bw_fachkonzepte", "eligibility": "eligible"},
            {"type": "funding_eligibility", "programme": "bw_personalstellen", "eligibility": "eligible"},
            {
                "type": "funding_eligibility",
                "programme": "stuttgart_city_bmm_consulting",
                "eligibility": "not_eligible",
            },
            {"type": "funding_only_own_region"},
        ],
    ),
    case(
        "kommunalrichtlinie_firm_needs_municipal_share",
        "funding",
        "Ein Unternehmen kommt an die Kommunalrichtlinie nur mit mindestens 25 % kommunaler Beteiligung – das "
        "muss dabeistehen.",
        "NRW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "H",
            "employees": 300,
            "postcode": "45127",
            "issues": ["last_mile_gap", "cycling_barriers", "parking_shortage"],
        },
        [{"type": "funding_condition", "programme": "nki_kommunalrichtlinie_mobilitaet", "code": "municipal_share"}],
    ),
    case(
        "ulm_firm_no_wrs_programmes",
        "funding",
        "Ein Unternehmen in Ulm bekommt keine Angebote, die nur für die Region Stuttgart gelten.",
        "BW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "C",
            "employees": 200,
            "postcode": "89073",
            "issues": ["low_awareness", "data_gap", "high_car_share"],
        },
        [
            {"type": "funding_absent", "programme": "wrs_bmm_impulsprogramm"},
            {"type": "funding_absent", "programme": "stuttgart_city_bmm_consulting"},
            {"type": "funding_absent", "programme": "region_stuttgart_modellregion"},
            {"type": "funding_only_own_region"},
        ],
    ),
    case(
        "stuttgart_firm_gets_wrs_consulting",
        "funding",
        "Ein Stuttgarter Betrieb, der ein Mobilitätskonzept braucht, erfährt von der geförderten BMM-Beratung in "
        "der Region Stuttgart.",
        "BW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "C",
            "employees": 200,
            "postcode": "70173",
            "issues": ["low_awareness", "data_gap", "high_car_share"],
        },
        [{"type": "funding_listed", "programme": "wrs_bmm_impulsprogramm"}],
    ),
]
