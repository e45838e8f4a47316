"""The column set shared by import and export (CSV, XLSX and GeoJSON properties)."""

from __future__ import annotations

COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "name",
    "sector",
    "employees",
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
    "contact_name",
    "contact_email",
    "contact_phone",
    "synthetic",  # true for generated demo profiles: an export re-imported stays flagged as synthetic
)
REQUIRED_COLUMNS: tuple[str, ...] = ("kind", "name", "employees")
LIST_COLUMNS: frozenset[str] = frozenset({"issues", "measures_in_place"})
BOOLEAN_COLUMNS: frozenset[str] = frozenset({"shift_work", "visible_to_peers", "contact_shareable", "synthetic"})
CONTACT_COLUMNS: tuple[str, ...] = ("contact_name", "contact_email", "contact_phone")

# Derived, read-only properties that the GeoJSON export adds; an import of such a file ignores them.
GEOJSON_DERIVED: tuple[str, ...] = ("municipality", "municipality_ags", "kreis", "kreis_code", "state")

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
