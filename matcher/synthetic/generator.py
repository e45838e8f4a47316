"""Deterministic synthetic demo data on the real geography of NRW and the Region Stuttgart.

Every profile is flagged ``synthetic`` and named so that nobody can take it for a real
organisation. docs/demo-data.md documents the model and its figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.geo.boundaries import IntArray
from matcher.geo.distance import FloatArray
from matcher.geo.resolver import NOT_IN_GERMANY, LocationResolver
from matcher.models import OrganisationProfile
from matcher.reference import ReferenceData
from matcher.synthetic.estates import DemoEstate, plan_estates
from matcher.synthetic.firms import SECTORS, Firms, draw_firms, sector_table
from matcher.synthetic.issues import KINDS, PROBLEMS, IssueInputs, draw_issues, draw_measures
from matcher.synthetic.placement import PolygonLocator
from matcher.synthetic.regions import (
    URBANISATION_ORDER,
    BoolArray,
    DemoRegion,
    MunicipalityFeatures,
    select_region,
)
from matcher.synthetic.settings import DemoSettings
from matcher.transit.quality import site_class_ranks
from matcher.vocabulary import OrganisationKind, Sector, Urbanisation

_COMPANY_LABELS: dict[Sector, str] = {
    Sector.A: "Agrar", Sector.B: "Rohstoffe", Sector.C: "Fertigung", Sector.D: "Energie",
    Sector.E: "Entsorgung", Sector.F: "Bau", Sector.G: "Handel", Sector.H: "Logistik",
    Sector.I: "Gastronomie", Sector.J: "IT", Sector.K: "Finanz", Sector.L: "Immobilien",
    Sector.M: "Beratung", Sector.N: "Dienstleistung", Sector.O: "Verwaltung", Sector.P: "Bildung",
    Sector.Q: "Gesundheit", Sector.R: "Freizeit", Sector.S: "Service", Sector.T: "Haushalt",
    Sector.U: "Organisation",
}  # fmt: skip
# Trade in an estate is mostly wholesale, in the centre mostly retail.
_TRADE_LABELS = ("Großhandel", "Einzelhandel")
_CRAFT_LABELS: dict[Sector, str] = {
    Sector.C: "Metallhandwerk", Sector.F: "Bauhandwerk", Sector.G: "Kfz-Werkstatt",
    Sector.N: "Gebäudereinigung", Sector.Q: "Gesundheitshandwerk", Sector.S: "Friseurbetrieb",
}  # fmt: skip
_CRAFT_DEFAULT_LABEL = "Handwerk"


@dataclass(frozen=True)
class DemoData:
    """The generated profiles and the synthetic estates the firms sit in."""

    profiles: list[OrganisationProfile]
    estates: list[DemoEstate]


def generate_demo(
    reference: ReferenceData, *, size: int = 20_000, seed: int = 42, settings: DemoSettings | None = None
) -> list[OrganisationProfile]:
    """``size`` synthetic profiles: every municipality and district of the region, the rest firms."""
    return generate_demo_data(reference, size=size, seed=seed, settings=settings).profiles


def generate_demo_data(
    reference: ReferenceData, *, size: int = 20_000, seed: int = 42, settings: DemoSettings | None = None
) -> DemoData:
    """As :func:`generate_demo`, plus the estates (name, centre, radius, municipality).

    Deterministic: the same reference data, size, seed and settings give identical output.
    The estates depend on the seed only, not on ``size``.
    """
    return _generate(reference, size, seed, settings or DemoSettings())


def _generate(reference: ReferenceData, size: int, seed: int, settings: DemoSettings) -> DemoData:
    geo = reference.geo
    region = select_region(geo, settings.regions)
    n_public = len(region) + len(region.district_codes)
    if size < n_public:
        raise ValueError(
            f"size={size} ist zu klein: die Region hat {len(region)} Gemeinden und "
            f"{len(region.district_codes)} Kreise, size muss mindestens {n_public} sein"
        )
    resolver = LocationResolver(geo, settings.geography)
    # Independent streams per stage: changing one stage's draws leaves the others unchanged.
    estate_rng, firm_rng, attribute_rng, issue_rng, measure_rng = np.random.default_rng(seed).spawn(5)

    estates = plan_estates(estate_rng, region, resolver, settings.estates)
    firms = draw_firms(
        firm_rng, size - n_public, region, estates, PolygonLocator(geo), settings.firms, settings.estates
    )
    table = _ProfileTable.build(attribute_rng, reference, region, resolver, firms, settings)
    features = MunicipalityFeatures.of(geo)
    urbanisation = features.urbanisation[table.position]
    # The class from every stop, as ProfileBuilder derives it (rural bus bands in sparsely populated towns).
    sparse = urbanisation == URBANISATION_ORDER.index(Urbanisation.SPARSE)
    inputs = IssueInputs(
        transit_class=site_class_ranks(geo.transit, table.lat, table.lon, settings.transit, sparse),
        density=features.density[table.position],
        balance_per_1000=features.balance_per_1000[table.position],
        urbanisation=urbanisation,
        shift_work=table.shift_work,
        in_estate=table.estate >= 0,
        in_centre=(table.estate < 0) & table.is_firm,
        sector=table.sector,
        kind=table.kind,
        employees=table.employees,
    )
    issues = draw_issues(issue_rng, inputs, settings.issues)
    measures = draw_measures(measure_rng, issues, table.employees, reference.catalog, settings.measures)
    profiles = _assemble(table, estates.names, issues, measures, list(reference.catalog.measures))
    return DemoData(profiles=profiles, estates=estates.models(region))


@dataclass(frozen=True)
class _ProfileTable:
    """All profiles as columns: municipalities, then districts, then firms."""

    ids: list[str]
    names: list[str]
    kind: IntArray  # index into KINDS
    sector: IntArray  # index into SECTORS
    employees: IntArray
    lat: FloatArray
    lon: FloatArray
    position: IntArray  # municipality row in geo.municipalities
    estate: IntArray  # index into the estate plan, -1 = none
    is_firm: BoolArray
    shift_work: BoolArray
    visible: BoolArray
    shareable: BoolArray
    phone: BoolArray

    @classmethod
    def build(
        cls,
        rng: np.random.Generator,
        reference: ReferenceData,
        region: DemoRegion,
        resolver: LocationResolver,
        firms: Firms,
        settings: DemoSettings,
    ) -> _ProfileTable:
        geo = reference.geo
        public = settings.public
        kreise = geo.kreise.loc[region.district_codes]
        district_lat = kreise["lat_popweighted"].to_numpy(dtype=np.float64)
        district_lon = kreise["lon_popweighted"].to_numpy(dtype=np.float64)
        district_position = resolver.municipality_positions(district_lat, district_lon)
        if (district_position == NOT_IN_GERMANY).any():
            raise ValueError("Bevölkerungsschwerpunkt eines Kreises liegt außerhalb Deutschlands")
        staff_rate = np.where(region.is_city, public.city_staff_per_1000, public.municipal_staff_per_1000)
        municipal_staff = region.population * staff_rate / 1000.0
        district_staff = kreise["population"].to_numpy(dtype=np.float64) * public.district_staff_per_1000 / 1000.0
        public_staff = np.maximum(np.rint(np.concatenate((municipal_staff, district_staff))), public.min_staff)

        n_firms = len(firms)
        width = max(6, len(str(n_firms)))
        municipality_names = [
            f"{label} {name}{f' ({q})' if q else ''} (Demo-Profil)"
            for label, name, q in zip(region.label, region.short_name, region.qualifier, strict=True)
        ]
        district_names = [_district_name(str(k["short_name"]), str(k["kreis_typ"])) for _, k in kreise.iterrows()]
        n_public = len(region) + len(region.district_codes)
        public_kind = [KINDS.index(OrganisationKind.MUNICIPALITY)] * len(region) + [
            KINDS.index(OrganisationKind.DISTRICT)
        ] * len(region.district_codes)
        firm_kind = np.where(
            firms.is_craft, KINDS.index(OrganisationKind.CRAFT_BUSINESS), KINDS.index(OrganisationKind.COMPANY)
        )
        # Public bodies are WZ section O (öffentliche Verwaltung).
        sector = np.concatenate((np.full(n_public, SECTORS.index(Sector.O)), firms.sector)).astype(np.int64)
        employees = np.concatenate((public_staff.astype(np.int64), firms.employees))
        is_firm = np.arange(n_public + n_firms) >= n_public
        shift_work, visible, shareable, phone = _draw_attributes(rng, sector, employees, is_firm, settings)
        return cls(
            ids=[f"demo-m-{a}" for a in region.ags]
            + [f"demo-d-{k}" for k in region.district_codes]
            + [f"demo-{i:0{width}d}" for i in range(1, n_firms + 1)],
            names=municipality_names + district_names + _firm_names(region, firms, width),
            kind=np.concatenate((np.array(public_kind), firm_kind)).astype(np.int64),
            sector=sector,
            employees=employees,
            lat=np.concatenate((region.lat, district_lat, firms.lat)),
            lon=np.concatenate((region.lon, district_lon, firms.lon)),
            position=np.concatenate((region.positions, district_position, region.positions[firms.municipality])),
            estate=np.concatenate((np.full(n_public, -1), firms.estate)).astype(np.int64),
            is_firm=is_firm,
            shift_work=shift_work,
            visible=visible,
            shareable=shareable,
            phone=phone,
        )


def _draw_attributes(
    rng: np.random.Generator, sector: IntArray, employees: IntArray, is_firm: BoolArray, settings: DemoSettings
) -> tuple[BoolArray, BoolArray, BoolArray, BoolArray]:
    """Shift work (by sector and size), visibility, consent to share the contact, and a phone number."""
    firm, sharing = settings.firms, settings.sharing
    n = len(sector)
    staff = np.maximum(employees, 1).astype(np.float64)
    shift = sector_table(firm.shift_probability)[sector] * (staff / firm.size_pivot) ** firm.shift_size_elasticity
    shift_work = rng.random(n) < np.minimum(shift, firm.max_shift_probability)
    visible_probability = np.where(
        is_firm,
        np.clip(sharing.firm_visible_base + sharing.firm_visible_per_decade * np.log10(staff), 0.0, 1.0),
        sharing.public_visible,
    )
    visible = rng.random(n) < visible_probability
    shareable = visible & (rng.random(n) < sharing.contact_shareable_if_visible)
    phone = rng.random(n) < sharing.phone
    return shift_work, visible, shareable, phone


def _district_name(short_name: str, kreis_type: str) -> str:
    lowered = short_name.lower()
    # "Rhein-Kreis Neuss", "Hochsauerlandkreis", "Städteregion Aachen" already say what they are.
    base = short_name if "kreis" in lowered or "region" in lowered else f"{kreis_type} {short_name}"
    return f"{base} (Demo-Profil)"


def _firm_names(region: DemoRegion, firms: Firms, width: int) -> list[str]:
    """ "Demo-<Branche> <Ort> <Nummer> (synthetisch)"; the number is the one in the id."""
    labels = []
    for sector, craft, estate in zip(
        firms.sector.tolist(), firms.is_craft.tolist(), firms.estate.tolist(), strict=True
    ):
        code = SECTORS[sector]
        if craft:
            labels.append(_CRAFT_LABELS.get(code, _CRAFT_DEFAULT_LABEL))
        elif code == Sector.G:
            labels.append(_TRADE_LABELS[0] if estate >= 0 else _TRADE_LABELS[1])
        else:
            labels.append(_COMPANY_LABELS[code])
    towns = [region.short_name[m] for m in firms.municipality.tolist()]
    return [
        f"Demo-{label} {town} {i:0{width}d} (synthetisch)"
        for i, (label, town) in enumerate(zip(labels, towns, strict=True), start=1)
    ]


def _rows_to_lists(matrix: BoolArray, labels: list[Any]) -> list[list[Any]]:
    """Per row, the labels of its True columns (column order)."""
    rows, columns = np.nonzero(matrix)
    flat = [labels[c] for c in columns.tolist()]
    ends = np.cumsum(np.bincount(rows, minlength=matrix.shape[0])).tolist()
    starts = [0, *ends[:-1]]
    return [flat[a:b] for a, b in zip(starts, ends, strict=True)]


def _assemble(
    table: _ProfileTable,
    estate_names: list[str],
    issues: BoolArray,
    measures: BoolArray,
    measure_ids: list[str],
) -> list[OrganisationProfile]:
    """Validated profiles; contacts are numbered by output position ("Demo-Ansprechperson 1", ...)."""
    issue_lists = _rows_to_lists(issues, list(PROBLEMS))
    measure_lists = _rows_to_lists(measures, measure_ids)
    width = max(6, len(str(len(table.ids))))
    kinds = [KINDS[k] for k in table.kind.tolist()]
    sectors = [SECTORS[s] for s in table.sector.tolist()]
    estates = [estate_names[e] if e >= 0 else None for e in table.estate.tolist()]
    columns = zip(
        table.ids, table.names, kinds, sectors, table.employees.tolist(), table.lat.tolist(), table.lon.tolist(),
        estates, issue_lists, measure_lists, table.shift_work.tolist(), table.visible.tolist(),
        table.shareable.tolist(), table.phone.tolist(), strict=True,
    )  # fmt: skip
    profiles = []
    for serial, row in enumerate(columns, start=1):
        oid, name, kind, sector, staff, lat, lon, estate, issue, measure, shift, visible, shareable, phone = row
        number = f"{serial:0{width}d}"
        profiles.append(
            OrganisationProfile.model_validate(
                {
                    "id": oid,
                    "kind": kind,
                    "name": name,
                    "sector": sector,
                    "employees": staff,
                    "lat": lat,
                    "lon": lon,
                    "estate": estate,
                    "issues": issue,
                    "measures_in_place": measure,
                    "shift_work": shift,
                    "visible_to_peers": visible,
                    "contact_shareable": shareable,
                    "contact": {
                        "name": f"Demo-Ansprechperson {serial}",
                        "email": f"kontakt-{number}@demo.invalid",
                        "phone": f"+49 000 {number}" if phone else None,
                    },
                    "synthetic": True,
                }
            )
        )
    return profiles
