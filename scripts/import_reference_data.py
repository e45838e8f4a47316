"""Build the product's reference data in ``data/`` from the raw open data in ``../shared/data``.

Run once by a maintainer when the raw data changes (never at run time or in tests)::

    python scripts/import_reference_data.py --shared ../shared/data --out data

Geography files are trimmed to the columns the product uses; the catalogue is copied with
stable ids and enriched with machine-readable columns (advisor coverage as AGS codes,
funding status/instrument/dates), and the source's English wording of user-facing cells is replaced
by German (``scripts/catalog_german_wording.json``). Every editorial decision is in this file or that one.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

CATALOG_CHECKED_ON = "2026-11-23"  # the date the catalogue was compiled (catalog/SOURCE.md)

STATE_CODES = {"DE-NW": "05", "DE-BW": "08"}
STATE_NAMES = {"Nordrhein-Westfalen": "DE-NW", "Baden-Württemberg": "DE-BW", "Germany": "DE"}

# Advisors that belong to a parent body (the five district chambers of the IHK Region Stuttgart).
ADVISOR_PARENTS = {
    "ihk_rs_bk_boeblingen": "ihk_region_stuttgart",
    "ihk_rs_bk_esslingen_nuertingen": "ihk_region_stuttgart",
    "ihk_rs_bk_goeppingen": "ihk_region_stuttgart",
    "ihk_rs_bk_ludwigsburg": "ihk_region_stuttgart",
    "ihk_rs_bk_rems_murr": "ihk_region_stuttgart",
}

# Funding programmes: status at CATALOG_CHECKED_ON, kind of instrument and the opening date,
# read from each row's `status_as_of` text. `valid_until` is kept from the source.
FUNDING_ENRICHMENT: dict[str, tuple[str, str, str]] = {
    # id: (status, instrument, open_from)
    "bmdv_bmm_breitenfoerderung": ("closed", "grant", "2023-05-02"),
    "bmdv_bmm_initialfoerderung": ("unknown", "grant", "2023-05-15"),
    "bmdv_bmm_innovationsfoerderung": ("closed", "competition", "2023-01-01"),
    "bw_b2mm": ("unknown", "grant", "2018-10-26"),
    "nrw_foeri_mm": ("open", "grant", "2025-07-01"),
    # The 2026 application window (2025-07-15 to 2026-05-31) had ended on CATALOG_CHECKED_ON: closed from then on,
    # available inside the window for earlier dates; the German status text says so (catalog_german_wording.json).
    "nrw_foeri_nah": ("closed", "grant", "2025-07-15"),
    "nrw_progres_cargo_bikes": ("unknown", "grant", ""),
    "nrw_progres_staff_charging": ("open", "grant", ""),
    "nrw_ways2work": ("closed", "competition", ""),
    "nrw_efre_nachhaltige_staedtische_mobilitaet": ("open", "grant", "2024-01-15"),
    "nki_kommunalrichtlinie_mobilitaet": ("open", "grant", ""),
    "bafa_e_lastenfahrrad": ("open", "grant", "2024-10-01"),
    "deutschlandticket_job": ("open", "ticket_discount", ""),
    "dienstrad_tax_rules": ("open", "tax_rule", ""),
    "kfw_441": ("closed", "grant", ""),
    "bw_lgvfg": ("open", "grant", "2025-02-21"),
    "bw_fachkonzepte": ("open", "grant", ""),
    "bw_personalstellen": ("open", "grant", "2020-01-01"),
    "bw_charge_at_bw": ("closed", "grant", ""),
    "region_stuttgart_modellregion": ("unknown", "co_financing", ""),
    "wrs_bmm_impulsprogramm": ("unknown", "consulting", ""),
    "stuttgart_city_bmm_consulting": ("unknown", "consulting", "2018-10-01"),
    "bw_mobilitaetspass": ("open", "levy", "2025-03-28"),  # law in force (re-read 2026-12-06, funding_reread.json)
    "sonderprogramm_stadt_und_land": ("open", "grant", ""),
    "mobil_gewinnt_2017": ("closed", "consulting", "2017-05-15"),  # start of the initiative (re-read 2026-12-06)
    "mobil_pro_fit": ("closed", "consulting", "2013-01-01"),
    "effizient_mobil": ("closed", "consulting", "2008-06-01"),  # project start (re-read 2026-12-06)
}

# Programmes that fund specific measures rather than whole categories (from their notes).
FUNDABLE_MEASURES_OVERRIDE: dict[str, list[str]] = {
    "deutschlandticket_job": ["deutschlandticket_job"],
    "dienstrad_tax_rules": ["bike_leasing_salary_conversion", "bike_as_tax_free_benefit"],
    "nrw_progres_cargo_bikes": ["cargo_bikes_commercial"],
    "bafa_e_lastenfahrrad": ["cargo_bikes_commercial"],
    "nrw_progres_staff_charging": ["employee_charging"],
    "kfw_441": ["employee_charging"],
    "bw_charge_at_bw": ["employee_charging"],
    "bmdv_bmm_initialfoerderung": ["mobility_concept_consulting"],
    "mobil_gewinnt_2017": ["mobility_concept_consulting"],
    "effizient_mobil": ["mobility_concept_consulting"],
    "stuttgart_city_bmm_consulting": [
        "mobility_concept_consulting",
        "mobility_survey",
        "site_accessibility_audit",
    ],
    "bw_mobilitaetspass": [],
}

# (id, column) -> (the source's wording, its German wording), per catalogue file.
GermanWording = dict[tuple[str, str], tuple[str, str]]
GERMAN_WORDING_HEADING = "## Deutsche Fassungen / German wording"
# The source catalogue is compiled in English, but these cells reach users verbatim (API answers, the
# printed brief, the web app), whose texts are German. Each entry holds the source's wording and an
# editorial German translation of it: no new facts, the same numbers (written the German way: 20.000 EUR,
# 0,25 %; dates stay ISO 8601); "as above" and "see funding.csv" resolved to what they point to.
GERMAN_WORDING_FILE = Path(__file__).with_name("catalog_german_wording.json")
CATALOGUE_FILES = ("measures.csv", "funding.csv", "advisors.csv")

# Local bodies the shared catalogue lacks (issue 11): the Wirtschaftsförderung of each NRW Kreis and kreisfreie
# Stadt and of the Region Stuttgart, and transit operators that sign job-ticket contracts. Curated by hand with a
# `source` and `verified` per row; where a name could not be checked it is the generic form with verified=no.
LOCAL_ADVISORS_FILE = Path(__file__).with_name("advisors_local.csv")
SHARED_ADVISOR_SOURCE = "BMM-Katalog (öffentliche Seiten, zusammengestellt 2026-11-23)"
LOCAL_ADVISORS_HEADING = "## Örtliche Stellen / local advisors (advisors_local.csv)"


def german_wording() -> dict[str, GermanWording]:
    """The German wording per catalogue file, from ``GERMAN_WORDING_FILE``."""
    tables: dict[str, GermanWording] = {name: {} for name in CATALOGUE_FILES}
    for entry in json.loads(GERMAN_WORDING_FILE.read_text(encoding="utf-8")):
        tables[entry["file"]][(entry["id"], entry["column"])] = (entry["source"], entry["german"])
    return tables


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path} ({len(rows)} rows)")


def short_name(official: str) -> str:
    """'Köln, Stadt' -> 'Köln'; 'Hagen, Stadt der FernUniversität' -> 'Hagen'."""
    return official.split(",")[0].strip()


def build_geography(shared: Path, out: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    # Unpopulated areas without a centre point (condominium with Luxembourg, coastal waters)
    # cannot be located and are left out.
    municipalities = [r for r in read_csv(shared / "gemeinden_de" / "gemeinden_de_2024q4.csv") if float(r["lat"] or 0)]
    for row in municipalities:
        row["short_name"] = short_name(row["name"])
    write_csv(
        out / "geo" / "municipalities.csv",
        municipalities,
        [
            "ags",
            "name",
            "short_name",
            "gemeinde_typ_code",
            "land_code",
            "regbez_code",
            "kreis_code",
            "area_km2",
            "population",
            "density_per_km2",
            "plz_seat",
            "lat",
            "lon",
            "urbanisation_code",
        ],
    )
    kreise = read_csv(shared / "gemeinden_de" / "kreise_de_2024q4.csv")
    for row in kreise:
        row["short_name"] = short_name(row["kreis_name"])
    write_csv(
        out / "geo" / "kreise.csv",
        kreise,
        [
            "kreis_code",
            "kreis_name",
            "short_name",
            "kreis_typ",
            "land_code",
            "regbez_code",
            "n_gemeinden",
            "area_km2",
            "population",
            "lat_popweighted",
            "lon_popweighted",
        ],
    )
    write_csv(
        out / "geo" / "postcodes.csv",
        read_csv(shared / "plz_de" / "plz_de.csv"),
        ["plz", "name", "lat", "lon", "coord_source", "state_iso", "kreis_list", "ags_list", "area_km2"],
    )
    write_csv(
        out / "geo" / "stations.csv",
        read_csv(shared / "db_stations_de" / "db_haltestellen_2020.csv"),
        ["eva_nr", "name", "lat", "lon", "kreis_code_ifopt"],
    )
    write_csv(
        out / "geo" / "commuters_kreise.csv",
        read_csv(shared / "pendler_kreise_2023" / "pendler_kreise_summary_2023.csv"),
        ["kreis", "kreis_name", "einpendler_insgesamt", "auspendler_insgesamt", "pendlersaldo"],
    )
    # Kreis -> Kreis flows into workplaces in NRW (05) and BW (08), total only: synthetic demo homes (issue 14).
    write_csv(
        out / "geo" / "commuter_flows_kreise.csv",
        [
            row
            for row in read_csv(shared / "pendler_kreise_2023" / "pendler_kreise_od_2023.csv")
            if row["arbeitsort_kreis"][:2] in ("05", "08")
        ],
        ["wohnort_kreis", "arbeitsort_kreis", "insgesamt"],
    )
    boundaries = out / "geo" / "boundaries"
    boundaries.mkdir(parents=True, exist_ok=True)
    for source in sorted((shared / "boundaries_nrw_bw").glob("*.geojson")):
        shutil.copyfile(source, boundaries / source.name)
        print(f"copied {source.name}")
    return municipalities, kreise


class CoverageResolver:
    """Turns the catalogue's coverage names ('Kreis Düren', 'Witten (Ennepe-Ruhr-Kreis)') into AGS codes."""

    def __init__(self, municipalities: list[dict[str, str]], kreise: list[dict[str, str]]) -> None:
        self.kreise_by_name: dict[tuple[str, str], str] = {}
        for kreis in kreise:
            for name in {kreis["kreis_name"], kreis["short_name"]}:
                self.kreise_by_name[(kreis["land_code"], self._key(name))] = kreis["kreis_code"]
        self.municipalities_by_name: dict[tuple[str, str], list[str]] = {}
        for municipality in municipalities:
            key = (municipality["land_code"], self._key(municipality["short_name"]))
            self.municipalities_by_name.setdefault(key, []).append(municipality["ags"])

    @staticmethod
    def _key(name: str) -> str:
        name = name.casefold().strip()
        return re.sub(r"^(landkreis|kreis)\s+", "", name)

    def kreis(self, land: str, name: str) -> str | None:
        return self.kreise_by_name.get((land, self._key(name)))

    def municipality(self, land: str, name: str) -> str:
        matches = self.municipalities_by_name.get((land, self._key(name)), [])
        if len(matches) != 1:
            raise ValueError(f"municipality name {name!r} in Land {land} matches {matches}")
        return matches[0]

    def resolve(self, state: str, covers: str) -> dict[str, str]:
        states: list[str] = []
        kreise: list[str] = []
        municipalities: list[str] = []
        excluded: list[str] = []
        land = STATE_CODES.get(state, "")
        for raw in (part.strip() for part in covers.split(";")):
            if raw in STATE_NAMES:
                states.append(STATE_NAMES[raw])
                continue
            inner = re.match(r"^(?P<name>.+?)\s*\((?P<note>.+)\)$", raw)
            if inner and inner.group("note").startswith("ohne "):
                # 'Ennepe-Ruhr-Kreis (ohne Hattingen, Witten)': the Kreis minus named municipalities
                kreis = self.kreis(land, inner.group("name"))
                if kreis is None:
                    raise ValueError(f"unknown Kreis {raw!r}")
                kreise.append(kreis)
                for name in inner.group("note").removeprefix("ohne ").split(","):
                    excluded.append(self.municipality(land, name))
                continue
            if inner:
                # 'Witten (Ennepe-Ruhr-Kreis)': one municipality of a split Kreis
                ags = self.municipality(land, inner.group("name"))
                kreis = self.kreis(land, inner.group("note"))
                if kreis is None or not ags.startswith(kreis):
                    raise ValueError(f"{raw!r}: municipality not in the named Kreis")
                municipalities.append(ags)
                continue
            kreis = self.kreis(land, raw)
            if kreis is not None:
                kreise.append(kreis)
            else:
                municipalities.append(self.municipality(land, raw))
        return {
            "covers_states": ";".join(states),
            "covers_kreise": ";".join(kreise),
            "covers_municipalities": ";".join(municipalities),
            "excludes_municipalities": ";".join(excluded),
        }


def apply_german_wording(name: str, rows: list[dict[str, str]], wording: GermanWording) -> None:
    """Replace the source's English wording of user-facing cells by its German wording (in place).

    A cell that no longer reads as recorded stops the import: the source changed, so its German wording
    must be reviewed rather than silently overwrite new facts.
    """
    by_id = {row["id"]: row for row in rows}
    for (row_id, column), (original, german) in wording.items():
        if by_id[row_id][column] != original:
            raise ValueError(f"{name}: {row_id}.{column} no longer reads as recorded; review its German wording")
        by_id[row_id][column] = german


def _markdown(text: str) -> str:
    return re.sub(r"([\\`*_~<>\[\]])", r"\\\1", text)


def german_wording_section() -> str:
    """The section appended to catalog/SOURCE.md: every translated cell with the source's wording."""
    lines = [
        GERMAN_WORDING_HEADING,
        "",
        "The source compiled these user-facing cells in English. The product shows them verbatim to German",
        "users (API answers, printed brief, web app), so `scripts/import_reference_data.py` (with",
        "`scripts/catalog_german_wording.json`) replaces them with editorial German",
        "translations when it builds the catalogue: no new facts and the same numbers, written the German",
        "way (20.000 EUR, 0,25 %; dates stay ISO 8601). The CSV files hold the German wording; the source's",
        "original wording is kept below. `measures.csv` keeps `name_en` in English on purpose.",
    ]
    for name, wording in german_wording().items():
        lines += ["", f"### {name}", ""]
        for (row_id, column), (original, german) in wording.items():
            lines += [
                f"- `{row_id}` · `{column}`",
                f"  - original: {_markdown(original)}",
                f"  - Deutsch: {_markdown(german)}",
            ]
    return "\n".join(lines) + "\n"


ADDRESS_CORRECTIONS_FILE = Path(__file__).with_name("measure_address_corrections.json")
ADDRESS_CORRECTIONS_HEADING = "## Korrekturen der Problemzuordnung / corrections of `addresses`"


def address_corrections() -> list[dict[str, Any]]:
    corrections: list[dict[str, Any]] = json.loads(ADDRESS_CORRECTIONS_FILE.read_text(encoding="utf-8"))["corrections"]
    return corrections


def correct_addresses(measures: list[dict[str, str]]) -> None:
    """Remove the problem codes ``ADDRESS_CORRECTIONS_FILE`` names from the measures' ``addresses`` (in place).

    A code the source no longer lists stops the import: the source changed, so the correction is reviewed."""
    by_id = {row["id"]: row for row in measures}
    for correction in address_corrections():
        row = by_id[correction["measure"]]
        codes = row["addresses"].split(";")
        missing = [code for code in correction["remove"] if code not in codes]
        if missing:
            raise ValueError(f"measures.csv: {row['id']} no longer addresses {missing}; review the correction")
        row["addresses"] = ";".join(code for code in codes if code not in correction["remove"])


def address_corrections_section() -> str:
    """The section appended to catalog/SOURCE.md: each removed problem code with its reason."""
    data = json.loads(ADDRESS_CORRECTIONS_FILE.read_text(encoding="utf-8"))
    lines = [
        ADDRESS_CORRECTIONS_HEADING,
        "",
        f"Checked {data['checked_on']} against the meaning VOCABULARY.md gives each problem code, so that a reason",
        "„hilft bei: …“ names only problems the measure addresses. `scripts/import_reference_data.py` (with",
        "`scripts/measure_address_corrections.json`) removes these codes from `addresses` in `measures.csv`:",
        "",
    ]
    for correction in data["corrections"]:
        codes = ", ".join(f"`{code}`" for code in correction["remove"])
        lines.append(f"- `{correction['measure']}`: without {codes} — {_markdown(correction['reason'])}")
    return "\n".join(lines) + "\n"


FUNDING_CONDITIONS_FILE = Path(__file__).with_name("funding_conditions.json")
FUNDING_CONDITIONS_HEADING = "## Förderbedingungen / funding conditions"


def restrict_fundable_measures(funding: list[dict[str, str]], measures: list[dict[str, str]], target: Path) -> None:
    """Apply the curated funding conditions (``FUNDING_CONDITIONS_FILE``, copied to catalog/funding_conditions.json).

    A programme funds a measure of a funded category only if the measure's nature is one the programme pays for
    (a grant never pays a ticket discount or a tax rule) and the programme's conditions do not exclude it.
    """
    conditions = json.loads(FUNDING_CONDITIONS_FILE.read_text(encoding="utf-8"))
    natures = conditions["measure_natures"]
    unknown = {m["id"] for m in measures} ^ set(natures)
    if unknown:
        raise ValueError(f"funding_conditions.json: measure natures do not match measures.csv: {sorted(unknown)}")
    by_id = {entry["id"]: entry for entry in conditions["programmes"]}
    if set(by_id) != {row["id"] for row in funding}:
        raise ValueError("funding_conditions.json: programmes do not match funding.csv")
    for row in funding:
        entry = by_id[row["id"]]
        kept = [
            m
            for m in row["fundable_measures"].split(";")
            if m and natures[m] in entry["funds_natures"] and m not in entry.get("excludes_measures", [])
        ]
        row["fundable_measures"] = ";".join(kept)
    (target / "funding_conditions.json").write_text(
        json.dumps(conditions, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {target / 'funding_conditions.json'} ({len(by_id)} programmes)")


def funding_conditions_section() -> str:
    """The section appended to catalog/SOURCE.md about funding_conditions.json."""
    return "\n".join(
        [
            FUNDING_CONDITIONS_HEADING,
            "",
            "`funding_conditions.json` is curated in `scripts/funding_conditions.json` (checked 2026-12-04 against",
            "each row's notes, rate and cap text, its source and the corrections of 2026-12-04 above; every programme",
            "re-read against its sources by 2026-12-06, see the next section; the page read is named in the value's",
            "`sources` note). Per programme: the measure natures it pays for",
            "(`measure_natures` classifies every measure: analysis, investment, service, information, organisation,",
            "ticket, tax_benefit), measures excluded from its funded categories, Kreise for areas smaller than a Land,",
            "a required mobility plan, a minimum project cost, de-minimis, further conditions and application dates;",
            "per applicant kind (and size class where rates differ) the role (direct, partner_only: only in a",
            "consortium under municipal lead, via_municipality: the municipality applies), the rate and cap for that",
            "applicant, a required municipal ownership share and other restrictions. Blank means not confirmed",
            "(nicht bestätigt). `fundable_measures` in funding.csv is restricted to the natures a programme pays for.",
            "",
        ]
    )


FUNDING_REREAD_FILE = Path(__file__).with_name("funding_reread.json")
FUNDING_REREAD_HEADING = "## Programmes re-read against their sources / Quellenprüfung der Programme"
READ_COLUMNS = ("confirmed", "corrected", "unconfirmed")


def funding_reread() -> dict[str, Any]:
    """The re-read record (``FUNDING_REREAD_FILE``): ``about`` and one entry per programme in ``programmes``."""
    data: dict[str, Any] = json.loads(FUNDING_REREAD_FILE.read_text(encoding="utf-8"))
    return data


def funding_reread_section(programme_ids: set[str]) -> str:
    """The section appended to catalog/SOURCE.md: one table row per programme, what its sources confirmed.

    Every programme of funding.csv has exactly one row: a programme without one stops the import."""
    record = funding_reread()
    rows = record["programmes"]
    if sorted(row["id"] for row in rows) != sorted(programme_ids):
        raise ValueError("funding_reread.json: programmes do not match funding.csv (each exactly once)")
    lines = [
        FUNDING_REREAD_HEADING,
        "",
        f"{_markdown(record['about'])} Curated in `scripts/funding_reread.json`.",
        "",
        "| programme | checked on | sources read | confirmed | corrected | not re-confirmed |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        sources = " · ".join(f"<{s}>" if s.startswith(("http://", "https://")) else _cell(s) for s in row["sources"])
        cells = [f"`{row['id']}`", row["checked_on"], sources, *(_cell(row[k]) for k in READ_COLUMNS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text for a markdown table cell: escaped, with the column separator escaped too."""
    return _markdown(text).replace("|", "\\|")


def with_local_advisors(source_md: str) -> str:
    """The source's file table with the advisors row counting the local rows of ``LOCAL_ADVISORS_FILE``."""
    local = read_csv(LOCAL_ADVISORS_FILE)
    economic = sum(row["organisation_type"] == "economic_development" for row in local)
    operators = len(local) - economic

    def count(match: re.Match[str]) -> str:
        total = int(match.group(1)) + len(local)
        return (
            f"| `advisors.csv` | {total} | {match.group(2).rstrip(' |')}; plus {economic} local Wirtschaftsförderungen "
            f"and {operators} job-ticket transit operators (see the section on advisors_local.csv) |"
        )

    return re.sub(r"^\| `advisors\.csv` \| (\d+) \| (.*)$", count, source_md, count=1, flags=re.MULTILINE)


def local_advisors_section() -> str:
    """The section appended to catalog/SOURCE.md about the curated local advisors."""
    local = read_csv(LOCAL_ADVISORS_FILE)
    economic = [row for row in local if row["organisation_type"] == "economic_development"]
    verified = sum(row["verified"] == "yes" for row in economic)
    return "\n".join(
        [
            LOCAL_ADVISORS_HEADING,
            "",
            "Curated in `scripts/advisors_local.csv` (2026-12-05) and appended to `advisors.csv`. "
            f"{len(economic)} rows",
            "`economic_development`: one Wirtschaftsförderung for each of the 53 NRW Kreise and kreisfreie Städte and",
            "for the six Kreise of the Region Stuttgart (08111, 08115–08119), territory as Kreis AGS. "
            f"{verified} names are",
            "checked against the body's own site or the press (`verified=yes`, page in `source_url`, kind of source",
            "in `source`); the others carry the generic form "
            '"Wirtschaftsförderung <Kreis/Stadt> (Kreis-/Stadtverwaltung)"',
            "with `verified=no` and the official municipality list (Destatis Gemeindeverzeichnis) as source: a name",
            "to confirm before contact. Seats are the Kreisstadt (approximate). "
            f"{len(local) - len(economic)} rows `verkehrsunternehmen`: transit",
            "operators or sellers that sign job-ticket contracts, each with the page that shows it. Every row of",
            "`advisors.csv` has `source` and `verified`; rows of the shared catalogue carry its compilation as source.",
            "",
        ]
    )


def build_catalog(shared: Path, out: Path, municipalities: list[dict[str, str]], kreise: list[dict[str, str]]) -> None:
    source = shared / "catalog"
    target = out / "catalog"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "VOCABULARY.md", target / "VOCABULARY.md")
    source_md = (source / "SOURCE.md").read_text(encoding="utf-8").rstrip("\n")
    source_md = with_local_advisors(source_md)
    programme_ids = {row["id"] for row in read_csv(source / "funding.csv")}
    (target / "SOURCE.md").write_text(
        f"{source_md}\n\n{german_wording_section()}\n{address_corrections_section()}\n{funding_conditions_section()}\n"
        f"{funding_reread_section(programme_ids)}\n{local_advisors_section()}",
        encoding="utf-8",
    )

    wording = german_wording()
    measures = read_csv(source / "measures.csv")
    apply_german_wording("measures.csv", measures, wording["measures.csv"])
    correct_addresses(measures)
    write_csv(target / "measures.csv", measures, list(measures[0].keys()))

    categories_to_measures: dict[str, list[str]] = {}
    for measure in measures:
        categories_to_measures.setdefault(measure["category"], []).append(measure["id"])

    funding = read_csv(source / "funding.csv")
    for row in funding:
        status, instrument, open_from = FUNDING_ENRICHMENT[row["id"]]
        row["status"] = status
        row["instrument"] = instrument
        row["open_from"] = open_from
        row["checked_on"] = CATALOG_CHECKED_ON
        if row["id"] in FUNDABLE_MEASURES_OVERRIDE:
            fundable = FUNDABLE_MEASURES_OVERRIDE[row["id"]]
        else:
            fundable = [
                measure_id
                for category in row["funded_categories"].split(";")
                if category
                for measure_id in categories_to_measures.get(category, [])
            ]
        row["fundable_measures"] = ";".join(fundable)
    restrict_fundable_measures(funding, measures, target)
    apply_german_wording("funding.csv", funding, wording["funding.csv"])
    columns = list(read_csv(source / "funding.csv")[0].keys())
    columns[columns.index("status_as_of") + 1 : columns.index("status_as_of") + 1] = [
        "status",
        "instrument",
        "open_from",
    ]
    columns.insert(columns.index("valid_until") + 1, "checked_on")
    columns.insert(columns.index("funded_categories") + 1, "fundable_measures")
    write_csv(target / "funding.csv", funding, columns)

    resolver = CoverageResolver(municipalities, kreise)
    advisors = read_csv(source / "advisors.csv")
    for row in advisors:
        row.update(resolver.resolve(row["state"], row["covers"]))
        row["parent_id"] = ADVISOR_PARENTS.get(row["id"], "")
    apply_german_wording("advisors.csv", advisors, wording["advisors.csv"])  # after coverage, which reads 'Germany'
    for row in advisors:
        row["source"], row["verified"] = SHARED_ADVISOR_SOURCE, "yes"
    local = read_csv(LOCAL_ADVISORS_FILE)
    for row in local:
        row.update(resolver.resolve(row["state"], row["covers"]))
        row["parent_id"] = ""
    advisors += local
    columns = [*read_csv(source / "advisors.csv")[0].keys(), "source", "verified"]
    columns[columns.index("covers") + 1 : columns.index("covers") + 1] = [
        "covers_states",
        "covers_kreise",
        "covers_municipalities",
        "excludes_municipalities",
        "parent_id",
    ]
    write_csv(target / "advisors.csv", advisors, columns)


# Transit stops: the mode letters of data/geo/transit_stops.csv, from the source's HAFAS product names
# (transit_stops_de/SOURCE.md). Ferries are left out: no ÖV-Güteklasse counts them for commuting here.
TRANSIT_MODE_LETTERS = {
    "nationalExpress": "F",  # ICE
    "national": "F",  # IC/EC
    "regionalExpress": "R",
    "regional": "R",
    "suburban": "S",
    "subway": "U",  # U-Bahn/Stadtbahn
    "tram": "T",
    "bus": "B",
}
TRANSIT_LETTER_ORDER = "FRSUTB"
# A platform (kind=stop) this close to its station is the same stop for a walker: its modes are folded into
# the station's row. Farther ones (a ZOB several hundred metres from the railway station) stay rows of their own.
TRANSIT_FOLD_KM = 0.3


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(a, 1.0)))


def _mode_letters(modes: str | set[str]) -> set[str]:
    names = modes.split(";") if isinstance(modes, str) else modes
    return {TRANSIT_MODE_LETTERS[m] for m in names if m in TRANSIT_MODE_LETTERS}


def build_transit_stops(shared: Path, out: Path) -> None:
    """data/geo/transit_stops.csv: one row per stop a walker would tell apart, with the modes calling there.

    Platforms within TRANSIT_FOLD_KM of their station are folded into it (modes united, the station's name and
    position kept); stops without a bus, tram, U-Bahn/Stadtbahn, S-Bahn or rail mode (no modes given, ferry only)
    are dropped. Coordinates are rounded to 5 decimals (about 1 m) to keep the file small.
    """
    rows = read_csv(shared / "transit_stops_de" / "transit_stops_nrw_bw.csv")
    by_id = {row["id"]: row for row in rows}
    letters = {row["id"]: _mode_letters(row["modes"]) for row in rows}
    folded: set[str] = set()
    for row in rows:
        parent = by_id.get(row["parent_station"]) if row["kind"] == "stop" else None
        if parent is None:
            continue
        distance = _haversine_km(float(row["lat"]), float(row["lon"]), float(parent["lat"]), float(parent["lon"]))
        if distance <= TRANSIT_FOLD_KM:
            letters[parent["id"]] |= letters[row["id"]]
            folded.add(row["id"])
    kept = []
    for row in rows:
        modes = "".join(letter for letter in TRANSIT_LETTER_ORDER if letter in letters[row["id"]])
        if row["id"] in folded or not modes:
            continue
        kept.append(
            {
                "id": row["id"],
                "name": row["name"],
                "lat": f"{float(row['lat']):.5f}",
                "lon": f"{float(row['lon']):.5f}",
                "modes": modes,
                "ifopt": row["ifopt"],
            }
        )
    print(f"transit stops: {len(rows)} read, {len(folded)} platforms folded into their station, {len(kept)} kept")
    write_csv(out / "geo" / "transit_stops.csv", kept, ["id", "name", "lat", "lon", "modes", "ifopt"])
    shutil.copyfile(shared / "transit_stops_de" / "SOURCE.md", out / "geo" / "transit_stops_SOURCE.md")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("data"))
    args = parser.parse_args()
    municipalities, kreise = build_geography(args.shared, args.out)
    build_catalog(args.shared, args.out, municipalities, kreise)
    build_transit_stops(args.shared, args.out)


if __name__ == "__main__":
    main()
