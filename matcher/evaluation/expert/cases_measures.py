"""Expert cases on measures (h6). Each title is the sentence an experienced BMM advisor would say."""

from __future__ import annotations

from matcher.evaluation.expert.model import ExpertCase, case

RUETHEN = {"lat": 51.4915, "lon": 8.4311}  # Rüthen (Kreis Soest), about 14 km from the nearest station
SHIFT_PLANT = ["shift_work", "poor_transit_access", "transit_schedule_mismatch", "long_commutes"]

MEASURE_CASES: list[ExpertCase] = [
    case(
        "rural_shift_plant_carpool_before_job_ticket",
        "measures",
        "Ein Schichtbetrieb 14 km vom nächsten Bahnhof braucht zuerst Fahrgemeinschaften oder einen Shuttle, "
        "nicht das Jobticket.",
        "NRW",
        "rural",
        "shift",
        {"kind": "company", "sector": "C", "employees": 800, "shift_work": True, **RUETHEN, "issues": SHIFT_PLANT},
        [
            {
                "type": "measure_ranked_before",
                "first": ["category:carpooling", "category:shuttle"],
                "then": ["deutschlandticket_job", "jobticket_solidarity_model", "jobticket_via_chamber_framework"],
            },
            {"type": "measure_in_top", "k": 5, "measure": "shift_carpool_groups"},
        ],
    ),
    case(
        "stadtbahn_shift_plant_timetable_and_ticket",
        "measures",
        "Ein Schichtbetrieb an der Stadtbahn in Dortmund soll mit dem Verkehrsbetrieb über Fahrpläne zu den "
        "Schichtwechseln sprechen und seinen Beschäftigten ein Jobticket anbieten.",
        "NRW",
        "urban",
        "shift",
        {
            "kind": "company",
            "sector": "C",
            "employees": 600,
            "shift_work": True,
            "postcode": "44135",
            "issues": ["shift_work", "transit_schedule_mismatch", "commuting_costs_for_staff", "high_car_share"],
        },
        [
            {"type": "measure_in_top", "k": 3, "measure": "shift_times_timetable_alignment"},
            {"type": "measure_in_top", "k": 10, "measure": "transit_service_dialogue"},
            {"type": "measure_in_top", "k": 5, "measure": "deutschlandticket_job"},
        ],
    ),
    case(
        "shift_plant_carpool_before_remote_work",
        "measures",
        "Schichtarbeit in der Produktion geht nicht im Homeoffice: Schicht-Fahrgemeinschaften kommen vor "
        "Homeoffice-Tagen.",
        "NRW",
        "urban",
        "shift",
        {
            "kind": "company",
            "sector": "C",
            "employees": 450,
            "shift_work": True,
            "postcode": "45127",
            "issues": ["shift_work", "long_commutes", "congestion"],
        },
        [
            {"type": "measure_ranked_before", "first": ["shift_carpool_groups"], "then": ["remote_work_days"]},
            {"type": "measure_ranked_before", "first": ["shift_carpool_groups"], "then": ["satellite_offices"]},
        ],
    ),
    case(
        "tiny_craft_firm_no_solidarity_ticket",
        "measures",
        "Ein Handwerksbetrieb mit 5 Beschäftigten bekommt kein Solidarmodell-Jobticket, das erst ab 50 "
        "Beschäftigten abgeschlossen wird, und keine Maßnahme außerhalb seiner Größe.",
        "NRW",
        "rural",
        "day",
        {
            "kind": "craft_business",
            "sector": "F",
            "employees": 5,
            "postcode": "37671",
            "issues": ["commuting_costs_for_staff", "high_car_share", "long_commutes"],
        },
        [{"type": "measure_absent", "measure": "jobticket_solidarity_model"}, {"type": "measures_fit_size"}],
    ),
    case(
        "large_employer_no_chamber_framework_ticket",
        "measures",
        "Ein Konzern mit 900 Beschäftigten in Köln nutzt nicht den Jobticket-Rahmenvertrag der Kammer für "
        "kleine Betriebe (bis 49 Beschäftigte).",
        "NRW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "K",
            "employees": 900,
            "postcode": "50667",
            "issues": ["commuting_costs_for_staff", "high_car_share"],
        },
        [{"type": "measure_absent", "measure": "jobticket_via_chamber_framework"}, {"type": "measures_fit_size"}],
    ),
    case(
        "small_firm_no_solidarity_ticket",
        "measures",
        "Ein Büro mit 12 Beschäftigten in Köln bekommt das Jobticket über den Kammer-Rahmenvertrag, nicht "
        "das Solidarmodell ab 50 Beschäftigten.",
        "NRW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "M",
            "employees": 12,
            "postcode": "50667",
            "issues": ["commuting_costs_for_staff", "high_car_share"],
        },
        [
            {"type": "measure_absent", "measure": "jobticket_solidarity_model"},
            {"type": "measure_in_top", "k": 5, "measure": "jobticket_via_chamber_framework"},
        ],
    ),
    case(
        "parking_rules_in_place_not_repeated",
        "measures",
        "Wer seine Stellplätze schon nach Regeln vergibt, bekommt diese Maßnahme nicht noch einmal empfohlen.",
        "NRW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "C",
            "employees": 120,
            "postcode": "50667",
            "issues": ["parking_shortage"],
            "measures_in_place": ["parking_allocation_rules"],
        },
        [{"type": "measure_absent", "measure": "parking_allocation_rules"}],
    ),
    case(
        "job_ticket_in_place_not_repeated",
        "measures",
        "Ein Stuttgarter Betrieb, der das Deutschlandticket Job schon anbietet, bekommt es nicht erneut "
        "empfohlen, sondern den nächsten Schritt.",
        "BW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "J",
            "employees": 220,
            "postcode": "70173",
            "issues": ["commuting_costs_for_staff", "high_car_share", "parking_shortage"],
            "measures_in_place": ["deutschlandticket_job", "secure_bike_parking"],
        },
        [
            {"type": "measure_absent", "measure": "deutschlandticket_job"},
            {"type": "measure_absent", "measure": "secure_bike_parking"},
        ],
    ),
    case(
        "city_parking_shortage_parking_management",
        "measures",
        "Bei Parkplatznot in der Essener Innenstadt gehört Parkraummanagement nach vorn, und das Jobticket "
        "liegt bei guter ÖPNV-Anbindung nahe.",
        "NRW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "K",
            "employees": 300,
            "postcode": "45127",
            "issues": ["parking_shortage", "high_car_share"],
        },
        [
            {"type": "measure_ranked_before", "first": ["category:parking_management"], "then": ["remote_work_days"]},
            {"type": "measure_in_top", "k": 10, "measure": "deutschlandticket_job"},
        ],
    ),
    case(
        "cycling_barriers_bike_parking",
        "measures",
        "Wer Radfahrern den Arbeitsweg erleichtern will, fängt in Esslingen mit sicheren Fahrradabstellanlagen an.",
        "BW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "C",
            "employees": 180,
            "postcode": "73728",
            "issues": ["cycling_barriers", "employee_health"],
        },
        [{"type": "measure_in_top", "k": 3, "measure": "secure_bike_parking"}],
    ),
    case(
        "fleet_emissions_electrification",
        "measures",
        "Ein Ludwigsburger Dienstleister mit hohem Flottenausstoß bekommt die Elektrifizierung der Flotte "
        "unter den ersten Empfehlungen.",
        "BW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "N",
            "employees": 140,
            "postcode": "71634",
            "issues": ["fleet_emissions", "fleet_costs"],
        },
        [{"type": "measure_in_top", "k": 5, "measure": "fleet_electrification"}],
    ),
    case(
        "business_travel_rail_first",
        "measures",
        "Eine Düsseldorfer Beratung mit vielen Dienstreisen bekommt eine Reiserichtlinie „Bahn vor Flug und Auto“.",
        "NRW",
        "urban",
        "day",
        {
            "kind": "company",
            "sector": "M",
            "employees": 250,
            "postcode": "40213",
            "issues": ["business_travel_costs", "business_travel_emissions"],
        },
        [{"type": "measure_in_top", "k": 3, "measure": "travel_policy_rail_first"}],
    ),
    case(
        "rural_craft_carpool_before_ticket",
        "measures",
        "Ein Handwerksbetrieb im Hochsauerland mit langen Wegen und schwachem ÖPNV bildet zuerst "
        "Fahrgemeinschaften; das Jobticket hilft dort kaum.",
        "NRW",
        "rural",
        "day",
        {
            "kind": "craft_business",
            "sector": "F",
            "employees": 25,
            "postcode": "59955",
            "issues": ["long_commutes", "poor_transit_access", "rural_location"],
        },
        [
            {
                "type": "measure_ranked_before",
                "first": ["category:carpooling"],
                "then": ["deutschlandticket_job", "jobticket_via_chamber_framework"],
            },
            {"type": "measure_in_top", "k": 5, "measure": "carpool_matching"},
        ],
    ),
    case(
        "municipality_staff_job_ticket",
        "measures",
        "Die Stadtverwaltung Köln mit Parkdruck und hohem Autoanteil bietet ihren Beschäftigten ein Jobticket an.",
        "NRW",
        "urban",
        "day",
        {
            "kind": "municipality",
            "employees": 17000,
            "postcode": "50667",
            "issues": ["parking_shortage", "high_car_share", "commuting_costs_for_staff"],
        },
        [{"type": "measure_in_top", "k": 5, "measure": "deutschlandticket_job"}, {"type": "measures_fit_size"}],
    ),
]

MORE_MEASURE_CASES: list[ExpertCase] = [
    case(
        "esslingen_shift_plant_timetable",
        "measures",
        "Ein Schichtbetrieb am Bahnhof Esslingen stimmt Schichtzeiten und Fahrplan ab; das Jobticket gehört nach vorn.",
        "BW",
        "urban",
        "shift",
        {
            "kind": "company",
            "sector": "C",
            "employees": 700,
            "shift_work": True,
            "postcode": "73728",
            "issues": ["shift_work", "transit_schedule_mismatch", "commuting_costs_for_staff"],
        },
        [
            {"type": "measure_in_top", "k": 3, "measure": "shift_times_timetable_alignment"},
            {"type": "measure_in_top", "k": 5, "measure": "deutschlandticket_job"},
        ],
    ),
    case(
        "hoexter_shift_plant_carpool",
        "measures",
        "Ein Schichtbetrieb bei Marienmünster im Kreis Höxter ohne Haltestelle in Gehweite organisiert "
        "Schicht-Fahrgemeinschaften oder einen Werkbus vor jedem Jobticket.",
        "NRW",
        "rural",
        "shift",
        {
            "kind": "company",
            "sector": "C",
            "employees": 350,
            "shift_work": True,
            "postcode": "37696",
            "issues": ["shift_work", "poor_transit_access", "long_commutes"],
        },
        [
            {
                "type": "measure_ranked_before",
                "first": ["category:carpooling", "category:shuttle"],
                "then": ["deutschlandticket_job", "jobticket_solidarity_model"],
            },
            {"type": "transit_class_at_most", "transit_class": "D"},
        ],
    ),
    case(
        "alb_craft_firm_carpool",
        "measures",
        "Ein Handwerksbetrieb in Bad Ditzenbach auf der Alb (Kreis Göppingen), 10 km vom Bahnhof, setzt auf "
        "Fahrgemeinschaften statt Jobticket.",
        "BW",
        "rural",
        "day",
        {
            "kind": "craft_business",
            "sector": "F",
            "employees": 18,
            "postcode": "73342",
            "issues": ["long_commutes", "poor_transit_access", "high_car_share"],
        },
        [
            {
                "type": "measure_ranked_before",
                "first": ["category:carpooling"],
                "then": ["deutschlandticket_job", "jobticket_via_chamber_framework"],
            },
            {"type": "advisor_in_top", "k": 2, "advisor": "hwk_region_stuttgart"},
        ],
    ),
]
