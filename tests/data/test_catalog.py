"""Soundness of the catalogue in ``data/catalog``: vocabulary, funding, ids and advisor coverage."""

from __future__ import annotations

import csv
import importlib.util
import re
from datetime import date
from functools import cache
from types import ModuleType

import pytest

from matcher.catalog import Advisor, Catalog, FundingStatus, Instrument, vocabulary_codes
from matcher.conditions import ApplicantRole, MeasureNature
from matcher.geo.reference import GeoReference
from matcher.matching.funding import cap_eur, max_rate_percent
from matcher.models import MEASURE_ID_PATTERN, Location
from matcher.resources import data_dir
from matcher.vocabulary import STATE_NAMES_DE, MeasureCategory, OrganisationKind, ProblemCode
from tests.factories import make_location, municipality_row

CATALOG_FILES = ("measures.csv", "funding.csv", "advisors.csv")
SLUG = re.compile(r"[a-z][a-z0-9_]*")

REGION_STUTTGART_KREISE = ("08111", "08115", "08116", "08117", "08118", "08119")
ENNEPE_RUHR_KREIS = "05954"
HATTINGEN, WITTEN = "05954016", "05954036"  # official AGS


@cache
def catalog_rows(name: str) -> list[dict[str, str]]:
    """The raw rows of a catalogue CSV, as written (before any parsing by the library)."""
    with (data_dir() / "catalog" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


@cache
def vocabulary_text() -> str:
    return (data_dir() / "catalog" / "VOCABULARY.md").read_text(encoding="utf-8")


def table_codes(heading: str) -> list[str]:
    """The codes of a VOCABULARY.md table, without the header cell that ``vocabulary_codes`` also returns
    (see test_vocabulary_codes_skips_the_header_row)."""
    return [code for code in vocabulary_codes(vocabulary_text(), heading) if code != "code"]


def vocabulary_kinds() -> set[str]:
    """The organisation kinds VOCABULARY.md lists (prose, not a table) for funding.csv and advisors.csv."""
    section = vocabulary_text().split("## Kinds used", 1)[1].split("\n", 1)[1]
    return set(re.findall(r"`([a-z_]+)`", section.split("`level`", 1)[0]))


@cache
def importer() -> ModuleType:
    """scripts/import_reference_data.py, whose editorial tables name catalogue ids."""
    path = data_dir().parent / "scripts" / "import_reference_data.py"
    spec = importlib.util.spec_from_file_location("import_reference_data", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- vocabulary -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "enum"),
    [("Problem codes", ProblemCode), ("Measure categories", MeasureCategory)],
)
def test_vocabulary_enum_equals_vocabulary_table(heading: str, enum: type[ProblemCode | MeasureCategory]) -> None:
    codes = table_codes(heading)
    assert len(codes) == len(set(codes)), "duplicate code in VOCABULARY.md"
    assert codes == [member.value for member in enum]


@pytest.mark.parametrize("heading", ["Problem codes", "Measure categories"])
def test_vocabulary_codes_skips_the_header_row(heading: str) -> None:
    assert "code" not in vocabulary_codes(vocabulary_text(), heading)


def test_vocabulary_kinds_are_organisation_kinds() -> None:
    kinds = vocabulary_kinds()
    assert kinds == {"company", "craft_business", "municipality", "district", "association"}
    assert kinds <= set(OrganisationKind)


def test_measures_use_vocabulary_codes() -> None:
    problems = set(table_codes("Problem codes"))
    categories = set(table_codes("Measure categories"))
    for row in catalog_rows("measures.csv"):
        assert row["category"] in categories, row["id"]
        addresses = split(row["addresses"])
        assert addresses, f"{row['id']} addresses no problem"
        assert set(addresses) <= problems, row["id"]


def test_funding_uses_vocabulary_codes() -> None:
    categories = set(table_codes("Measure categories"))
    kinds = vocabulary_kinds()
    for row in catalog_rows("funding.csv"):
        assert set(split(row["funded_categories"])) <= categories, row["id"]
        assert split(row["eligible_kinds"]), f"{row['id']} names no eligible kind"
        assert set(split(row["eligible_kinds"])) <= kinds, row["id"]
        assert row["level"] in {"federal", "state", "regional", "eu"}, row["id"]
        assert set(split(row["states"])) <= {"DE-NW", "DE-BW"}, row["id"]


def test_advisors_serve_vocabulary_kinds() -> None:
    kinds = vocabulary_kinds()
    for row in catalog_rows("advisors.csv"):
        assert split(row["serves_kinds"]), f"{row['id']} serves no kind"
        assert set(split(row["serves_kinds"])) <= kinds, row["id"]


# -- ids --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CATALOG_FILES)
def test_ids_are_unique_slugs(name: str) -> None:
    ids = [row["id"] for row in catalog_rows(name)]
    assert len(ids) == len(set(ids)), f"duplicate ids in {name}"
    assert all(SLUG.fullmatch(i) for i in ids), [i for i in ids if not SLUG.fullmatch(i)]


def test_measure_ids_are_accepted_in_profiles(catalog: Catalog) -> None:
    # Profiles list measures in place by id; an id the model's pattern rejects could never be reported.
    assert all(re.fullmatch(MEASURE_ID_PATTERN, measure_id) for measure_id in catalog.measures)


def test_catalog_row_counts_match_source_md(catalog: Catalog) -> None:
    source = (data_dir() / "catalog" / "SOURCE.md").read_text(encoding="utf-8")
    stated = {name: int(count) for name, count in re.findall(r"^\| `(\w+)\.csv` \| (\d+) \|", source, re.MULTILINE)}
    assert stated == {
        "measures": len(catalog.measures),
        "funding": len(catalog.funding),
        "advisors": len(catalog.advisors),
    }


def test_ids_named_by_the_importer_exist(catalog: Catalog) -> None:
    """The importer's editorial tables key on ids; renaming an id must not silently drop its enrichment."""
    module = importer()
    assert set(module.FUNDING_ENRICHMENT) == set(catalog.funding)
    assert set(module.FUNDABLE_MEASURES_OVERRIDE) <= set(catalog.funding)
    overridden = {m for measures in module.FUNDABLE_MEASURES_OVERRIDE.values() for m in measures}
    assert overridden <= set(catalog.measures)
    assert set(module.ADVISOR_PARENTS) | set(module.ADVISOR_PARENTS.values()) <= set(catalog.advisors)


# -- German wording of user-facing text ---------------------------------------------------------------

# Columns whose text reaches users verbatim (API answers, the printed brief, the web app). `name_en` is
# English on purpose (it is searched, never shown as the name).
USER_FACING_TEXT = {
    "measures.csv": ("name_de", "co2_effect_note"),
    "funding.csv": ("name", "funder", "funding_rate_percent", "max_amount_eur", "status_as_of", "notes"),
    "advisors.csv": ("name", "seat_city", "covers", "specialisms"),
}
# Obvious English of the source's wording (substrings, case-insensitive) and English function words.
ENGLISH_FRAGMENTS = (
    " not a ",
    "grant",
    "subsid",
    "in force",
    "employer",
    "levy",
    "tax rules",
    " per month",
    " up to ",
    "germany",
    "federal",
    "ministry",
    "municipalit",
    "administered",
    "applications",
    " now ",
    " open",
    " free ",
    " small",
    "charging point",
    "e-cargo",
    "campaign",
)
ENGLISH_WORDS = re.compile(
    r"\b(?:the|and|of|with|for|from|which|only|since|until|about|formerly|closed|opened|unknown|staff|firms?)\b",
    re.IGNORECASE,
)


def english_in(text: str) -> list[str]:
    padded = f" {text.casefold()} "
    return [f for f in ENGLISH_FRAGMENTS if f in padded] + ENGLISH_WORDS.findall(text)


def numbers(text: str) -> list[str]:
    """The figures of a text, whatever their separators: '2,400' and '2.400' are both '2400'."""
    return sorted(re.sub(r"[.,]", "", n) for n in re.findall(r"\d+(?:[.,]\d+)*", text))


def german_wording() -> dict[str, dict[tuple[str, str], tuple[str, str]]]:
    """The importer's tables: per file, (id, column) -> (the source's English wording, German wording)."""
    tables: dict[str, dict[tuple[str, str], tuple[str, str]]] = importer().german_wording()
    return tables


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("Deutschlandticket Job (employer-subsidised ticket; not a grant)", True),
        ("Dienstrad / JobRad tax rules (not a subsidy)", True),
        ("in force; 58 EUR/month in 2025", True),
        ("chamber for craft businesses; business advice", True),
        ("Deutschlandticket Job (Ticket mit Arbeitgeberzuschuss; kein Förderzuschuss)", False),
        ("Dienstradleasing per Entgeltumwandlung; Partner von ways2work; Bahn plus Rad, was also hilft", False),
    ],
)
def test_english_check_tells_english_from_german(text: str, english: bool) -> None:
    assert bool(english_in(text)) is english


@pytest.mark.parametrize("name", CATALOG_FILES)
def test_user_facing_catalogue_text_has_no_obvious_english(name: str) -> None:
    found = {
        (row["id"], column): hits
        for row in catalog_rows(name)
        for column in USER_FACING_TEXT[name]
        if (hits := english_in(row[column]))
    }
    assert not found, f"English in {name}; add its German wording to scripts/catalog_german_wording.json: {found}"


def test_german_wording_is_what_the_catalogue_holds() -> None:
    for name, wording in german_wording().items():
        rows = {row["id"]: row for row in catalog_rows(name)}
        for (row_id, column), (original, german) in wording.items():
            assert column in USER_FACING_TEXT[name], (name, row_id, column)
            assert rows[row_id][column] == german, (name, row_id, column)
            assert german != original, (name, row_id, column)


def test_german_wording_keeps_every_number() -> None:
    # Editorial translations: the same figures, years and dates (separators written the German way).
    for name, wording in german_wording().items():
        for (row_id, column), (original, german) in wording.items():
            assert numbers(german) == numbers(original), (name, row_id, column)


def test_german_rates_and_caps_parse_like_the_source(catalog: Catalog) -> None:
    """Ranking reads the largest rate and the first cap from these texts; the translation changes neither."""
    wording = german_wording()["funding.csv"]
    for programme in catalog.funding.values():
        source = {
            column: wording[(programme.id, column)][0]
            for column in ("funding_rate_percent", "max_amount_eur")
            if (programme.id, column) in wording
        }
        original = programme.model_copy(update=source)
        assert max_rate_percent(programme) == max_rate_percent(original), programme.id
        assert cap_eur(programme) == cap_eur(original), programme.id


def test_source_md_lists_the_german_wording() -> None:
    source = (data_dir() / "catalog" / "SOURCE.md").read_text(encoding="utf-8")
    module = importer()
    assert source.endswith(
        "\n\n"
        + module.german_wording_section()
        + "\n"
        + module.address_corrections_section()
        + "\n"
        + module.funding_conditions_section()
        + "\n"
        + module.funding_reread_section({row["id"] for row in catalog_rows("funding.csv")})
        + "\n"
        + module.local_advisors_section()
    )
    assert "## Corrections of 2026-12-04" in source  # carried over from the shared catalogue


# -- funding ----------------------------------------------------------------------------------------


def test_fundable_measures_exist(catalog: Catalog) -> None:
    for programme in catalog.funding.values():
        unknown = set(programme.fundable_measures) - set(catalog.measures)
        assert not unknown, f"{programme.id}: {unknown}"


def test_every_programme_has_a_status_and_checked_on_date() -> None:
    for row in catalog_rows("funding.csv"):
        assert row["status"] in {status.value for status in FundingStatus}, row["id"]
        assert date.fromisoformat(row["checked_on"]), row["id"]


def _programmes_with_valid_until(status: str) -> list[str]:
    return [r["id"] for r in catalog_rows("funding.csv") if r["status"] == status and r["valid_until"]]


# The call of this competition is closed; its valid_until is the end of the winners' implementation period.
IMPLEMENTATION_PERIOD_AS_VALID_UNTIL = frozenset({"nrw_ways2work"})


@pytest.mark.parametrize(
    "programme_id",
    [p for p in _programmes_with_valid_until("closed") if p not in IMPLEMENTATION_PERIOD_AS_VALID_UNTIL],
)
def test_closed_programme_ended_before_checked_on(catalog: Catalog, programme_id: str) -> None:
    programme = catalog.funding[programme_id]
    assert programme.valid_until is not None
    assert programme.valid_until < programme.checked_on


@pytest.mark.parametrize("programme_id", _programmes_with_valid_until("open"))
def test_open_programme_is_still_valid_on_checked_on(catalog: Catalog, programme_id: str) -> None:
    # SOURCE.md: "never present a closed programme as open".
    programme = catalog.funding[programme_id]
    assert programme.valid_until is not None
    assert programme.valid_until >= programme.checked_on


def test_open_from_precedes_valid_until(catalog: Catalog) -> None:
    for programme in catalog.funding.values():
        if programme.open_from is not None and programme.valid_until is not None:
            assert programme.open_from <= programme.valid_until, programme.id


# -- advisors: coverage codes -----------------------------------------------------------------------


def test_advisor_coverage_codes_exist(catalog: Catalog, geo: GeoReference) -> None:
    for advisor in catalog.advisors.values():
        assert set(advisor.covers_states) <= set(STATE_NAMES_DE) | {"DE"}, advisor.id
        assert set(advisor.covers_kreise) <= set(geo.kreise.index), advisor.id
        named = set(advisor.covers_municipalities) | set(advisor.excludes_municipalities)
        assert named <= set(geo.municipality_position), advisor.id
        assert advisor.covers_states or advisor.covers_kreise or advisor.covers_municipalities, advisor.id
        assert advisor.state is None or advisor.state in STATE_NAMES_DE, advisor.id


def test_advisor_parents_exist_and_cover_their_children(catalog: Catalog) -> None:
    children = [a for a in catalog.advisors.values() if a.parent_id is not None]
    assert children
    for child in children:
        parent = catalog.advisors[child.parent_id or ""]
        assert parent.parent_id is None
        assert set(child.covers_kreise) <= set(parent.covers_kreise), child.id


# -- advisors: who is responsible where -------------------------------------------------------------


def regional(catalog: Catalog, organisation_type: str) -> list[Advisor]:
    """Advisors of one type with a regional (not statewide) territory."""
    return [a for a in catalog.advisors.values() if a.organisation_type == organisation_type and not a.is_statewide]


def responsible(advisors: list[Advisor], location: Location) -> list[str]:
    return sorted(a.id for a in advisors if a.covers_location(location))


def municipalities_in(geo: GeoReference, *prefixes: str) -> list[str]:
    return [ags for ags in geo.municipalities["ags"] if ags.startswith(prefixes)]


@pytest.mark.parametrize("organisation_type", ["ihk", "hwk", "zukunftsnetz"])
def test_every_nrw_municipality_has_exactly_one_regional_advisor(
    catalog: Catalog, geo: GeoReference, organisation_type: str
) -> None:
    advisors = [a for a in regional(catalog, organisation_type) if a.parent_id is None]
    nrw = municipalities_in(geo, "05")
    assert len(nrw) == 396
    coverage = {ags: responsible(advisors, make_location(geo, ags)) for ags in nrw}
    wrong = {ags: ids for ags, ids in coverage.items() if len(ids) != 1}
    assert not wrong, f"{len(wrong)} NRW municipalities without exactly one {organisation_type}: {wrong}"


def test_region_stuttgart_has_one_ihk_and_one_hwk(catalog: Catalog, geo: GeoReference) -> None:
    top_level_ihks = [a for a in regional(catalog, "ihk") if a.parent_id is None]
    district_chambers = [a for a in regional(catalog, "ihk") if a.parent_id is not None]
    hwks = regional(catalog, "hwk")
    region = municipalities_in(geo, *REGION_STUTTGART_KREISE)
    assert {ags[:5] for ags in region} == set(REGION_STUTTGART_KREISE)
    for ags in region:
        location = make_location(geo, ags)
        assert responsible(top_level_ihks, location) == ["ihk_region_stuttgart"], ags
        assert responsible(hwks, location) == ["hwk_region_stuttgart"], ags
        chambers = [catalog.advisors[i] for i in responsible(district_chambers, location)]
        assert len(chambers) <= 1, ags
        assert all(c.parent_id == "ihk_region_stuttgart" for c in chambers)


def test_ennepe_ruhr_kreis_is_split_between_two_ihks(catalog: Catalog, geo: GeoReference) -> None:
    # Hattingen and Witten belong to the IHK Mittleres Ruhrgebiet (Bochum), the rest to the SIHK Hagen.
    assert municipality_row(geo, HATTINGEN)["short_name"] == "Hattingen"
    assert municipality_row(geo, WITTEN)["short_name"] == "Witten"
    ihks = [a for a in regional(catalog, "ihk") if a.parent_id is None]
    kreis = municipalities_in(geo, ENNEPE_RUHR_KREIS)
    assert len(kreis) == 9  # the nine towns of the Ennepe-Ruhr-Kreis
    for ags in kreis:
        expected = "ihk_mittleres_ruhrgebiet" if ags in {HATTINGEN, WITTEN} else "sihk_hagen"
        assert responsible(ihks, make_location(geo, ags)) == [expected], ags


# -- funding conditions (data/catalog/funding_conditions.json) ----------------------------------------


def test_every_programme_has_conditions_for_each_eligible_kind(catalog: Catalog) -> None:
    for programme in catalog.funding.values():
        conditions = programme.conditions
        assert conditions.id == programme.id
        assert set(programme.eligible_kinds) <= set(conditions.kinds()), programme.id
        direct = {a.kind for a in conditions.applicants if a.role is ApplicantRole.DIRECT}
        assert direct <= set(programme.eligible_kinds), programme.id  # the catalogue's kinds bound direct access
        for applicant in conditions.applicants:
            if (
                applicant.rate_percent is None
                and programme.is_grant
                and applicant.role is not ApplicantRole.VIA_MUNICIPALITY
            ):
                assert applicant.rate_note, f"{programme.id}/{applicant.kind}: a blank rate says why"
            for measure in applicant.only_measures or []:
                assert measure in programme.fundable_measures, (programme.id, measure)


def test_corrections_of_2026_12_04_are_carried_over(catalog: Catalog) -> None:
    assert catalog.measures["transit_service_dialogue"].suits_shift_work.value == "yes"
    bafa = catalog.funding["bafa_e_lastenfahrrad"]
    assert bafa.eligible_kinds == [OrganisationKind.COMPANY, OrganisationKind.CRAFT_BUSINESS]
    assert {(a.rate_percent, a.cap_eur) for a in bafa.conditions.applicants} == {(25, 3500)}
    region = ["08111", "08115", "08116", "08117", "08118", "08119"]
    assert catalog.funding["wrs_bmm_impulsprogramm"].conditions.kreise == region
    assert catalog.funding["region_stuttgart_modellregion"].conditions.kreise == region
    assert catalog.funding["stuttgart_city_bmm_consulting"].conditions.kreise == ["08111"]
    efre = catalog.funding["nrw_efre_nachhaltige_staedtische_mobilitaet"].conditions
    company = efre.for_applicant(OrganisationKind.COMPANY, 100)
    assert company is not None
    assert company.role is ApplicantRole.PARTNER_ONLY
    assert efre.for_applicant(OrganisationKind.COMPANY, 1467) is None  # KMU only
    assert (efre.min_project_cost_eur, efre.mobility_plan is not None) == (200000, True)
    krl = catalog.funding["nki_kommunalrichtlinie_mobilitaet"].conditions.for_applicant(OrganisationKind.COMPANY, 50)
    assert krl is not None
    assert krl.min_municipal_share_percent == 25
    cargo = catalog.funding["nrw_progres_cargo_bikes"].conditions
    rates = [cargo.for_applicant(k, 10) for k in (OrganisationKind.CRAFT_BUSINESS, OrganisationKind.MUNICIPALITY)]
    assert [None if r is None else r.rate_percent for r in rates] == [30, 60]


def test_every_programme_is_re_read_against_its_sources() -> None:
    """Issue 11: every programme and rate re-read; each row says what was confirmed, corrected and left open."""
    rows = importer().funding_reread()["programmes"]
    assert sorted(row["id"] for row in rows) == sorted(row["id"] for row in catalog_rows("funding.csv"))
    for row in rows:
        assert row["checked_on"] in {"2026-12-04", "2026-12-06"}, row["id"]
        assert all(row[column].strip() for column in ("confirmed", "corrected", "unconfirmed")), row["id"]
        assert row["sources"], row["id"]
        if row["checked_on"] == "2026-12-06":  # this round names every page it read
            assert all(s.startswith(("http://", "https://")) for s in row["sources"]), row["id"]
    assert sum(row["checked_on"] == "2026-12-06" for row in rows) == 20


def test_corrections_of_the_re_read_are_applied(catalog: Catalog) -> None:
    """Values the sources of 2026-12-06 corrected (scripts/funding_reread.json, 'corrected')."""
    personal = catalog.funding["bw_personalstellen"].conditions
    town = personal.for_applicant(OrganisationKind.MUNICIPALITY, 200)
    assert town is not None
    assert "mit eigener unterer Verkehrsbehörde" in (town.restriction or "")
    kreis = personal.for_applicant(OrganisationKind.DISTRICT, 400)
    assert kreis is not None
    assert not kreis.restricted  # every Stadt- and Landkreis may apply
    assert (kreis.rate_percent, kreis.cap_eur) == (100, 78600)
    concepts = catalog.funding["bw_fachkonzepte"].conditions.for_applicant(OrganisationKind.MUNICIPALITY, 200)
    assert concepts is not None
    assert (concepts.rate_percent, concepts.cap_eur, concepts.cap_note) == (50, 200000, "je Vorhaben")
    assert catalog.funding["bmdv_bmm_innovationsfoerderung"].conditions.min_project_cost_eur == 200000
    assert any("Leasing" in text for text in catalog.funding["bafa_e_lastenfahrrad"].conditions.conditions_de)
    initial = catalog.funding["bmdv_bmm_initialfoerderung"].conditions.conditions_de
    assert any("ohne oder mit geringen Vorerfahrungen" in text for text in initial)
    association = catalog.funding["nrw_ways2work"].conditions.for_applicant(OrganisationKind.ASSOCIATION, 20)
    assert association is not None
    assert association.restricted  # only municipal Zweckverbände and SPNV authorities
    opened = {
        pid: catalog.funding[pid].open_from for pid in ("bw_mobilitaetspass", "mobil_gewinnt_2017", "effizient_mobil")
    }
    assert opened == {
        "bw_mobilitaetspass": date(2025, 3, 28),
        "mobil_gewinnt_2017": date(2017, 5, 15),
        "effizient_mobil": date(2008, 6, 1),
    }


GRANT_NATURES_NEVER = {MeasureNature.TICKET, MeasureNature.TAX_BENEFIT}


def test_what_a_programme_funds_follows_categories_and_measure_natures(catalog: Catalog) -> None:
    """Every programme x measure pair: funded iff the category is funded (or the programme names the measure), the
    measure's nature is one the programme pays for and the conditions do not exclude it; a grant never funds a
    ticket discount or a tax rule, a ticket discount or tax rule funds only its own kind of measure."""
    assert set(catalog.measure_natures) == set(catalog.measures)
    importer_module = importer()
    for programme in catalog.funding.values():
        conditions = programme.conditions
        named = importer_module.FUNDABLE_MEASURES_OVERRIDE.get(programme.id)
        for measure_id, measure in catalog.measures.items():
            nature = catalog.measure_natures[measure_id]
            in_scope = measure_id in named if named is not None else measure.category in programme.funded_categories
            expected = (
                in_scope and nature in conditions.funds_natures and measure_id not in conditions.excludes_measures
            )
            assert (measure_id in programme.fundable_measures) is expected, (programme.id, measure_id)
            if measure_id not in programme.fundable_measures:
                continue
            if programme.instrument is Instrument.TICKET_DISCOUNT:
                assert nature is MeasureNature.TICKET, (programme.id, measure_id)
            elif programme.instrument is Instrument.TAX_RULE:
                assert nature is MeasureNature.TAX_BENEFIT, (programme.id, measure_id)
            else:
                assert nature not in GRANT_NATURES_NEVER, (programme.id, measure_id)
    assert catalog.funding["bw_mobilitaetspass"].fundable_measures == []
    assert not any(
        "bike_leasing_salary_conversion" in p.fundable_measures for p in catalog.funding.values() if p.is_grant
    )


# -- advisors: local Wirtschaftsförderung and job-ticket partners (issue 11) -------------------------------

REGION_STUTTGART = ("08111", "08115", "08116", "08117", "08118", "08119")


def test_each_nrw_kreis_and_region_stuttgart_kreis_has_exactly_one_wirtschaftsfoerderung(
    catalog: Catalog, geo: GeoReference
) -> None:
    kreise = sorted(code for code in geo.kreise.index if str(code).startswith("05")) + list(REGION_STUTTGART)
    assert len(kreise) == 53 + 6
    local = [a for a in catalog.advisors.values() if a.organisation_type == "economic_development"]
    counts = {code: sum(code in a.covers_kreise for a in local) for code in kreise}
    assert counts == dict.fromkeys(kreise, 1)
    assert all(len(a.covers_kreise) == 1 and not a.covers_municipalities for a in local)
    assert len(local) == len(kreise)


def test_every_advisor_row_names_its_source_and_whether_it_is_verified() -> None:
    for row in catalog_rows("advisors.csv"):
        assert row["source"].strip(), row["id"]
        assert row["source_url"].startswith(("http://", "https://")), row["id"]
        assert row["verified"] in {"yes", "no"}, row["id"]


def test_unverified_wirtschaftsfoerderung_names_say_so() -> None:
    rows = [r for r in catalog_rows("advisors.csv") if r["organisation_type"] == "economic_development"]
    unverified = [r for r in rows if r["verified"] == "no"]
    assert unverified
    for row in unverified:
        assert re.fullmatch(
            r"Wirtschaftsförderung .+ \((Kreisverwaltung|Stadtverwaltung|Landratsamt|Verwaltung der StädteRegion)\)",
            row["name"],
        ), row["name"]
        assert "Destatis" in row["source"], row["id"]
    verified = {r["id"]: r["name"] for r in rows if r["verified"] == "yes"}
    assert verified["wf_dortmund"] == "Wirtschaftsförderung Dortmund"
    assert verified["wf_unna"] == "Wirtschaftsförderungsgesellschaft für den Kreis Unna mbH"


def test_address_corrections_are_applied_with_a_reason() -> None:
    """Issue 11 label audit: each removed problem code is gone from measures.csv and says why."""
    addresses = {row["id"]: split(row["addresses"]) for row in catalog_rows("measures.csv")}
    corrections = importer().address_corrections()
    assert corrections
    for correction in corrections:
        assert correction["reason"].strip(), correction["measure"]
        assert not set(correction["remove"]) & set(addresses[correction["measure"]]), correction["measure"]
        assert addresses[correction["measure"]], f"{correction['measure']} would address nothing"


def test_every_problem_has_a_measure_and_a_distinct_label() -> None:
    from matcher.vocabulary import PROBLEM_LABELS_DE

    addressed = {code for codes in (split(r["addresses"]) for r in catalog_rows("measures.csv")) for code in codes}
    assert addressed == {code.value for code in ProblemCode}
    assert len(set(PROBLEM_LABELS_DE.values())) == len(ProblemCode)
