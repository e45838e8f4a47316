"""Controlled vocabularies with German labels.

Problem codes and measure categories are exactly the codes of ``data/catalog/VOCABULARY.md``
(a test keeps them in sync). They are enums because they are part of the public API contract.
"""

from __future__ import annotations

from enum import StrEnum


class OrganisationKind(StrEnum):
    COMPANY = "company"
    CRAFT_BUSINESS = "craft_business"
    MUNICIPALITY = "municipality"
    DISTRICT = "district"
    PUBLIC_AGENCY = "public_agency"
    ASSOCIATION = "association"


KIND_LABELS_DE: dict[OrganisationKind, str] = {
    OrganisationKind.COMPANY: "Unternehmen",
    OrganisationKind.CRAFT_BUSINESS: "Handwerksbetrieb",
    OrganisationKind.MUNICIPALITY: "Gemeinde / Stadt",
    OrganisationKind.DISTRICT: "Kreis",
    OrganisationKind.PUBLIC_AGENCY: "Behörde / öffentliche Einrichtung",
    OrganisationKind.ASSOCIATION: "Verband / Verein / Körperschaft",
}

BUSINESS_KINDS = frozenset({OrganisationKind.COMPANY, OrganisationKind.CRAFT_BUSINESS})
PUBLIC_KINDS = frozenset(set(OrganisationKind) - BUSINESS_KINDS)


class ProblemCode(StrEnum):
    PARKING_SHORTAGE = "parking_shortage"
    POOR_TRANSIT_ACCESS = "poor_transit_access"
    TRANSIT_SCHEDULE_MISMATCH = "transit_schedule_mismatch"
    SHIFT_WORK = "shift_work"
    LONG_COMMUTES = "long_commutes"
    RURAL_LOCATION = "rural_location"
    CONGESTION = "congestion"
    PEAK_HOUR_CROWDING = "peak_hour_crowding"
    RECRUITMENT_REACHABILITY = "recruitment_reachability"
    HIGH_CAR_SHARE = "high_car_share"
    COMMUTING_COSTS_FOR_STAFF = "commuting_costs_for_staff"
    FLEET_EMISSIONS = "fleet_emissions"
    FLEET_COSTS = "fleet_costs"
    BUSINESS_TRAVEL_COSTS = "business_travel_costs"
    BUSINESS_TRAVEL_EMISSIONS = "business_travel_emissions"
    MULTI_SITE_TRAVEL = "multi_site_travel"
    LAST_MILE_GAP = "last_mile_gap"
    CYCLING_BARRIERS = "cycling_barriers"
    UNSAFE_ROUTES = "unsafe_routes"
    LOW_AWARENESS = "low_awareness"
    DATA_GAP = "data_gap"
    SCOPE3_REPORTING = "scope3_reporting"
    CARPOOL_CRITICAL_MASS = "carpool_critical_mass"
    ALTERNATIVE_MODE_RISK = "alternative_mode_risk"
    LAND_USE_PRESSURE = "land_use_pressure"
    EV_CHARGING_DEMAND = "ev_charging_demand"
    VISITOR_CUSTOMER_TRAFFIC = "visitor_customer_traffic"
    EMPLOYEE_HEALTH = "employee_health"
    INNER_CITY_ACCESS = "inner_city_access"


PROBLEM_LABELS_DE: dict[ProblemCode, str] = {
    ProblemCode.PARKING_SHORTAGE: "Parkplatzmangel",
    ProblemCode.POOR_TRANSIT_ACCESS: "schlechte ÖPNV-Anbindung",
    ProblemCode.TRANSIT_SCHEDULE_MISMATCH: "ÖPNV-Fahrplan passt nicht zu den Arbeitszeiten",
    ProblemCode.SHIFT_WORK: "Schichtarbeit",
    ProblemCode.LONG_COMMUTES: "lange Arbeitswege",
    ProblemCode.RURAL_LOCATION: "ländliche Lage",
    ProblemCode.CONGESTION: "Stau in den Spitzenzeiten",
    ProblemCode.PEAK_HOUR_CROWDING: "Überfüllung bei Schichtwechsel und zu Spitzenzeiten",
    ProblemCode.RECRUITMENT_REACHABILITY: "Fachkräftegewinnung leidet unter schlechter Erreichbarkeit",
    ProblemCode.HIGH_CAR_SHARE: "hoher Anteil allein fahrender Pkw-Pendler",
    ProblemCode.COMMUTING_COSTS_FOR_STAFF: "hohe Pendelkosten der Beschäftigten",
    ProblemCode.FLEET_EMISSIONS: "hohe Emissionen des Fuhrparks",
    ProblemCode.FLEET_COSTS: "hohe Fuhrparkkosten",
    ProblemCode.BUSINESS_TRAVEL_COSTS: "hohe Dienstreisekosten",
    ProblemCode.BUSINESS_TRAVEL_EMISSIONS: "Emissionen durch Dienstreisen",
    ProblemCode.MULTI_SITE_TRAVEL: "häufige Fahrten zwischen Standorten und zu Kunden",
    ProblemCode.LAST_MILE_GAP: "Lücke auf der letzten Meile",
    ProblemCode.CYCLING_BARRIERS: "fehlende Radabstellanlagen, Duschen, Spinde oder Reparaturangebote",
    ProblemCode.UNSAFE_ROUTES: "unsichere Fuß- und Radwege",
    ProblemCode.LOW_AWARENESS: "Alternativen sind wenig bekannt",
    ProblemCode.DATA_GAP: "fehlende Daten zu Wohnorten und Verkehrsmitteln",
    ProblemCode.SCOPE3_REPORTING: "Berichtspflicht zu Pendel- und Dienstreiseemissionen",
    ProblemCode.CARPOOL_CRITICAL_MASS: "zu wenige mögliche Fahrgemeinschaftspartner",
    ProblemCode.ALTERNATIVE_MODE_RISK: "Sorge, ohne Auto nicht heimzukommen",
    ProblemCode.LAND_USE_PRESSURE: "Flächenkonkurrenz durch Parkplätze",
    ProblemCode.EV_CHARGING_DEMAND: "Bedarf an Ladepunkten",
    ProblemCode.VISITOR_CUSTOMER_TRAFFIC: "Pkw-Verkehr von Kunden und Besuchern",
    ProblemCode.EMPLOYEE_HEALTH: "Gesundheitsziele (aktive Mobilität)",
    ProblemCode.INNER_CITY_ACCESS: "Lieferungen und Servicefahrten in die Innenstadt",
}

# Labels the product used before (issue 11 label audit): files typed with them still import.
FORMER_PROBLEM_LABELS_DE: dict[ProblemCode, str] = {
    ProblemCode.CYCLING_BARRIERS: "fehlende Radabstellanlagen, Duschen oder Spinde",
}


class MeasureCategory(StrEnum):
    PUBLIC_TRANSPORT = "public_transport"
    CYCLING = "cycling"
    WALKING = "walking"
    CARPOOLING = "carpooling"
    SHUTTLE = "shuttle"
    PARKING_MANAGEMENT = "parking_management"
    WORK_ORGANISATION = "work_organisation"
    FLEET = "fleet"
    BUSINESS_TRAVEL = "business_travel"
    INFORMATION_AND_INCENTIVES = "information_and_incentives"
    INFRASTRUCTURE = "infrastructure"
    GOVERNANCE_AND_ANALYSIS = "governance_and_analysis"


CATEGORY_LABELS_DE: dict[MeasureCategory, str] = {
    MeasureCategory.PUBLIC_TRANSPORT: "Öffentlicher Verkehr",
    MeasureCategory.CYCLING: "Radverkehr",
    MeasureCategory.WALKING: "Fußverkehr",
    MeasureCategory.CARPOOLING: "Fahrgemeinschaften",
    MeasureCategory.SHUTTLE: "Shuttle und On-Demand",
    MeasureCategory.PARKING_MANAGEMENT: "Parkraummanagement",
    MeasureCategory.WORK_ORGANISATION: "Arbeitsorganisation",
    MeasureCategory.FLEET: "Fuhrpark",
    MeasureCategory.BUSINESS_TRAVEL: "Dienstreisen",
    MeasureCategory.INFORMATION_AND_INCENTIVES: "Information und Anreize",
    MeasureCategory.INFRASTRUCTURE: "Infrastruktur",
    MeasureCategory.GOVERNANCE_AND_ANALYSIS: "Analyse und Organisation",
}


class Sector(StrEnum):
    """WZ 2008 sections (Wirtschaftszweige, Abschnitte A-U)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"
    H = "H"
    I = "I"  # noqa: E741 - the official WZ section letter
    J = "J"
    K = "K"
    L = "L"
    M = "M"
    N = "N"
    O = "O"  # noqa: E741
    P = "P"
    Q = "Q"
    R = "R"
    S = "S"
    T = "T"
    U = "U"


SECTOR_LABELS_DE: dict[Sector, str] = {
    Sector.A: "Land- und Forstwirtschaft, Fischerei",
    Sector.B: "Bergbau und Gewinnung von Steinen und Erden",
    Sector.C: "Verarbeitendes Gewerbe",
    Sector.D: "Energieversorgung",
    Sector.E: "Wasserversorgung, Abwasser- und Abfallentsorgung",
    Sector.F: "Baugewerbe",
    Sector.G: "Handel; Instandhaltung und Reparatur von Kraftfahrzeugen",
    Sector.H: "Verkehr und Lagerei",
    Sector.I: "Gastgewerbe",
    Sector.J: "Information und Kommunikation",
    Sector.K: "Finanz- und Versicherungsdienstleistungen",
    Sector.L: "Grundstücks- und Wohnungswesen",
    Sector.M: "Freiberufliche, wissenschaftliche und technische Dienstleistungen",
    Sector.N: "Sonstige wirtschaftliche Dienstleistungen",
    Sector.O: "Öffentliche Verwaltung, Verteidigung; Sozialversicherung",
    Sector.P: "Erziehung und Unterricht",
    Sector.Q: "Gesundheits- und Sozialwesen",
    Sector.R: "Kunst, Unterhaltung und Erholung",
    Sector.S: "Erbringung von sonstigen Dienstleistungen",
    Sector.T: "Private Haushalte",
    Sector.U: "Exterritoriale Organisationen und Körperschaften",
}
# What people read where a company's or craft business's sector is unknown (never "None").
SECTOR_UNKNOWN_DE = "Branche unbekannt"


def sector_unknown(kind: OrganisationKind, sector: Sector | None) -> bool:
    """A company or craft business without a WZ section: it has one, we do not know it. (A public body
    without one simply has none; the vectoriser codes that absence as a fact.)"""
    return sector is None and kind in BUSINESS_KINDS


def sector_label_de(kind: OrganisationKind, sector: Sector | None) -> str | None:
    """The sector for people: its label, "Branche unbekannt" for a business without one, None for a public body
    without one."""
    if sector is not None:
        return SECTOR_LABELS_DE[sector]
    return SECTOR_UNKNOWN_DE if sector_unknown(kind, sector) else None


class LocationPrecision(StrEnum):
    """How well a stored point is known, from finest to coarsest (docs/geography.md, "Genauigkeit")."""

    COORDINATES = "coordinates"  # coordinates given by the organisation (file, form or API)
    ADDRESS = "address"  # the street address, geocoded and checked against the postcode
    POSTCODE = "postcode"  # centroid of the postcode area
    MUNICIPALITY = "municipality"  # only the municipality is known: its centre point


PRECISION_LABELS_DE: dict[LocationPrecision, str] = {
    LocationPrecision.COORDINATES: "Koordinaten",
    LocationPrecision.ADDRESS: "Adresse",
    LocationPrecision.POSTCODE: "Postleitzahl",
    LocationPrecision.MUNICIPALITY: "Gemeinde",
}
# Precisions at which a point is a site: only between two of them is a distance a distance between sites
# (peers say "1,2 km entfernt" only then; matcher/matching/peers.py proximity).
SITE_PRECISIONS: frozenset[LocationPrecision] = frozenset({LocationPrecision.COORDINATES, LocationPrecision.ADDRESS})


class Urbanisation(StrEnum):
    """Destatis degree of urbanisation of the municipality."""

    DENSE = "dense"
    INTERMEDIATE = "intermediate"
    SPARSE = "sparse"


URBANISATION_LABELS_DE: dict[Urbanisation, str] = {
    Urbanisation.DENSE: "dicht besiedelt",
    Urbanisation.INTERMEDIATE: "mittlere Besiedlungsdichte",
    Urbanisation.SPARSE: "gering besiedelt",
}

URBANISATION_BY_DESTATIS_CODE: dict[str, Urbanisation] = {
    "01": Urbanisation.DENSE,
    "02": Urbanisation.INTERMEDIATE,
    "03": Urbanisation.SPARSE,
}

STATE_NAMES_DE: dict[str, str] = {
    "DE-SH": "Schleswig-Holstein",
    "DE-HH": "Hamburg",
    "DE-NI": "Niedersachsen",
    "DE-HB": "Bremen",
    "DE-NW": "Nordrhein-Westfalen",
    "DE-HE": "Hessen",
    "DE-RP": "Rheinland-Pfalz",
    "DE-BW": "Baden-Württemberg",
    "DE-BY": "Bayern",
    "DE-SL": "Saarland",
    "DE-BE": "Berlin",
    "DE-BB": "Brandenburg",
    "DE-MV": "Mecklenburg-Vorpommern",
    "DE-SN": "Sachsen",
    "DE-ST": "Sachsen-Anhalt",
    "DE-TH": "Thüringen",
}

# The first two AGS digits are the Land key (Destatis numbering).
STATE_BY_LAND_CODE: dict[str, str] = {
    "01": "DE-SH", "02": "DE-HH", "03": "DE-NI", "04": "DE-HB", "05": "DE-NW", "06": "DE-HE",
    "07": "DE-RP", "08": "DE-BW", "09": "DE-BY", "10": "DE-SL", "11": "DE-BE", "12": "DE-BB",
    "13": "DE-MV", "14": "DE-SN", "15": "DE-ST", "16": "DE-TH",
}  # fmt: skip
