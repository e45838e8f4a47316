"""The column set shared by import and export (CSV, XLSX and GeoJSON properties)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "name",
    "sector",
    "employees",
    "employees_estimated",  # true: employees is a head count inside size_class
    "size_class",
    "wz_code",  # WZ 2008 code below the section, e.g. 25.62.0
    "lat",
    "lon",
    "postcode",
    "address",
    "estate",
    "issues",
    "measures_in_place",
    "shift_work",
    "visible_to_peers",
    "contact_shareable",
    "share_residence_aggregates",  # consent to pool the staff's home postcode counts (docs/residences.md)
    "contact_name",
    "contact_email",
    "contact_phone",
    "synthetic",  # true for generated demo profiles: an export re-imported stays flagged as synthetic
)
REQUIRED_COLUMNS: tuple[str, ...] = ("kind", "name", "employees")
LIST_COLUMNS: frozenset[str] = frozenset({"issues", "measures_in_place"})
BOOLEAN_COLUMNS: frozenset[str] = frozenset(
    {"employees_estimated", "shift_work", "visible_to_peers", "contact_shareable", "share_residence_aggregates"}
    | {"synthetic"}
)
CONTACT_COLUMNS: tuple[str, ...] = ("contact_name", "contact_email", "contact_phone")

# Derived, read-only cells that exports add after the import columns (every format); an import ignores them.
DERIVED_COLUMNS: tuple[str, ...] = ("location_precision",)  # coordinates | address | postcode | municipality
# ... and the properties only the GeoJSON export adds; an import of such a file ignores them as well.
GEOJSON_DERIVED: tuple[str, ...] = (
    *DERIVED_COLUMNS, "municipality", "municipality_ags", "kreis", "kreis_code", "state"
)  # fmt: skip

LIST_SEPARATOR = ";"  # written on export; on import ';' and '|' both separate list items

# Text that a spreadsheet would run as a formula starts with one of these; exports write such text with a
# leading apostrophe (CSV) or as a typed text cell (XLSX), and imports drop that apostrophe again.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(text: str) -> str:
    """``'=…`` for text a spreadsheet would evaluate (OWASP CSV injection), other text unchanged."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unescape_formula(text: str) -> str:
    """The inverse of :func:`escape_formula` on an imported cell."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


# -- headers as people write them ----------------------------------------------------------------------

HOUSE_NUMBER = "house_number"  # not a column of its own: joined into ``address`` while reading
CITY = "city"  # read but not stored: the municipality follows from the postcode (or the coordinates)
READ_ONLY = frozenset({HOUSE_NUMBER, CITY})

# Header (normalised by :func:`header_key`) -> column. Chamber CRM exports (IHK, HWK), municipal lists and
# English files; every column's own name (and its spelling without underscores) is accepted as well.
HEADER_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(("mitgliedsnummer", "mitgliedsnr", "mitgliednr", "ihknr", "ihknummer", "hwknr"), "id"),
    **dict.fromkeys(("hwknummer", "betriebsnummer", "betriebsnr", "kundennummer", "kundennr"), "id"),
    **dict.fromkeys(("firma", "firmenname", "unternehmen", "betrieb", "kommune", "organisation"), "name"),
    **dict.fromkeys(("strasse", "str", "anschrift", "adresse", "street", "strassehausnummer"), "address"),
    **dict.fromkeys(("hausnummer", "hausnr", "nr", "housenumber"), HOUSE_NUMBER),
    **dict.fromkeys(("plz", "postleitzahl", "zip", "zipcode", "postalcode"), "postcode"),
    **dict.fromkeys(("ort", "stadt", "gemeinde", "city", "town"), CITY),
    **dict.fromkeys(("wz", "wz2008", "wzcode", "wirtschaftszweig", "abschnitt", "branche"), "sector"),
    **dict.fromkeys(("beschaeftigte", "mitarbeiter", "mitarbeitende", "ma", "employeecount"), "employees"),
    "anzahlbeschaeftigte": "employees",
    "anzahlmitarbeiter": "employees",
    **dict.fromkeys(("groessenklasse", "beschaeftigtengroessenklasse", "gk", "sizeclass"), "size_class"),
    **dict.fromkeys(("art", "typ", "type", "organisationsart"), "kind"),
    **dict.fromkeys(("probleme", "pendelprobleme", "problems"), "issues"),
    **dict.fromkeys(("breitengrad", "breite", "latitude"), "lat"),
    **dict.fromkeys(("laengengrad", "laenge", "longitude", "lng"), "lon"),
    "gewerbegebiet": "estate",
    "massnahmen": "measures_in_place",
    "schichtarbeit": "shift_work",
    **dict.fromkeys(("wohnorteteilen", "wohnortefreigeben", "wohnortfreigabe"), "share_residence_aggregates"),
    **dict.fromkeys(("wohnstandorteteilen", "wohnortauswertungteilen"), "share_residence_aggregates"),
    "ansprechpartner": "contact_name",
    "ansprechperson": "contact_name",
    "email": "contact_email",
    "telefon": "contact_phone",
}
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@functools.lru_cache(maxsize=8192)  # kinds, issue labels and headers repeat on every row of a large list
def header_key(text: str) -> str:
    """A header without regard to case, spaces and punctuation: 'Mitglieds-Nr.' -> 'mitgliedsnr'."""
    folded = text.casefold().translate(_UMLAUTS)
    return "".join(char for char in folded if char.isascii() and char.isalnum())


def header_column(text: str, known: frozenset[str], synonyms: Mapping[str, str] = HEADER_SYNONYMS) -> str | None:
    """The column a header names (one of ``known`` or :data:`READ_ONLY`), or ``None`` if unknown."""
    lowered = text.strip().lower()
    if lowered in known:
        return lowered
    key = header_key(text)
    column = synonyms.get(key)  # before the spelled-out names: 'WZ-Code' is the sector column
    if column is not None and (column in known or column in READ_ONLY):
        return column
    return next((name for name in known if header_key(name) == key), None)


# -- kinds of file ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSet:
    """The columns of one kind of file: their names, German header synonyms, which are required, and header
    examples for the hint on unknown columns."""

    columns: tuple[str, ...]
    synonyms: Mapping[str, str]
    missing: Callable[[Collection[str]], list[str]]  # the required columns (or alternatives) not present
    examples: str
    ignored: tuple[str, ...] = ()  # derived columns an export writes and an import silently skips

    @property
    def allowed(self) -> str:
        return ", ".join(self.columns)


def _organisation_missing(present: Collection[str]) -> list[str]:
    missing = [c for c in REQUIRED_COLUMNS if c not in present and not (c == "employees" and "size_class" in present)]
    if not ({"lat", "lon"} <= set(present)) and "postcode" not in present:
        missing.append("lat+lon oder postcode")
    return missing


ORGANISATION_FILE = ColumnSet(
    COLUMNS, HEADER_SYNONYMS, _organisation_missing, "Firma, PLZ, WZ 2008, Beschäftigte", ignored=DERIVED_COLUMNS
)

# Staff home postcodes (issue 14): one row per employee (postcode, optional mode and shift, which are dropped
# after counting) or postcode,count. The municipality is read but not used: the postcode decides.
RESIDENCE_COLUMNS: tuple[str, ...] = ("postcode", "count", "mode", "shift")
RESIDENCE_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(("plz", "postleitzahl", "wohnortplz", "plzwohnort", "wohnplz", "zip", "zipcode"), "postcode"),
    **dict.fromkeys(("postalcode", "wohnpostleitzahl"), "postcode"),
    **dict.fromkeys(("anzahl", "personen", "beschaeftigte", "mitarbeiter", "mitarbeitende", "menge"), "count"),
    **dict.fromkeys(("anzahlbeschaeftigte", "anzahlmitarbeiter", "anzahlpersonen", "n"), "count"),
    **dict.fromkeys(("verkehrsmittel", "hauptverkehrsmittel", "modus", "arbeitsweg"), "mode"),
    **dict.fromkeys(("schicht", "schichtmodell", "arbeitszeit"), "shift"),
    **dict.fromkeys(("ort", "wohnort", "stadt", "gemeinde", "city", "town"), CITY),
}


def _residence_missing(present: Collection[str]) -> list[str]:
    return [] if "postcode" in present else ["postcode"]


RESIDENCE_FILE = ColumnSet(RESIDENCE_COLUMNS, RESIDENCE_SYNONYMS, _residence_missing, "PLZ, Anzahl, Verkehrsmittel")
