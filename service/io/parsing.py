"""Turn one raw row of text cells into an :class:`OrganisationProfile` or the row's errors (German)."""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import ValidationError

from matcher.models import OrganisationProfile
from matcher.vocabulary import OrganisationKind, ProblemCode, Sector
from service.io.columns import BOOLEAN_COLUMNS, CONTACT_COLUMNS
from service.io.reading import RawRow, RowError

_TRUE = frozenset({"true", "wahr", "ja", "j", "yes", "y", "1", "x"})
_FALSE = frozenset({"false", "falsch", "nein", "n", "no", "0", "-"})
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)$")
_LIST_SEPARATORS = re.compile(r"[;|]")
_KINDS = {k.value for k in OrganisationKind}
_SECTORS = {s.value for s in Sector}
_PROBLEMS = {p.value for p in ProblemCode}


def parse_bool(text: str) -> bool:
    """true/false, wahr/falsch, ja/nein, yes/no, 1/0, x (an empty cell is 'not given' and never reaches here)."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"'{text}' ist kein Wahrheitswert; erlaubt sind true/false, ja/nein, yes/no, 1/0, x oder leer.")


def split_list(text: str) -> list[str]:
    """List items separated by ';' or '|' inside the cell."""
    return [item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip()]


def _kind(text: str) -> str:
    value = text.strip().lower()
    if value not in _KINDS:
        raise ValueError(f"Unbekannte Art '{text}'; erlaubt sind: {', '.join(k.value for k in OrganisationKind)}.")
    return value


def _sector(text: str) -> str:
    value = text.strip().upper()
    if value not in _SECTORS:
        raise ValueError(f"Unbekannter Wirtschaftszweig '{text}'; erlaubt sind die WZ-2008-Abschnitte A–U.")
    return value


def _employees(text: str) -> int:
    if not _INTEGER.match(text):
        raise ValueError(f"'{text}' ist keine ganze Zahl (Anzahl Beschäftigte, ohne Tausenderpunkt).")
    return int(text)


def _degrees(text: str) -> float:
    """Decimal degrees; a decimal comma (German Excel) is accepted."""
    if not _DECIMAL.match(text):
        raise ValueError(f"'{text}' ist keine Dezimalzahl (Grad in WGS84, z. B. 51.4434 oder 51,4434).")
    value = float(text.replace(",", "."))
    if not math.isfinite(value):
        raise ValueError(f"'{text}' ist keine endliche Zahl.")
    return value


def _postcode(text: str) -> str:
    # Excel drops the leading zero of postcodes such as 01067 when the cell is a number.
    return text.zfill(5) if len(text) == 4 and text.isdigit() else text


def _issues(text: str) -> list[str]:
    items = split_list(text)
    unknown = [i for i in items if i not in _PROBLEMS]
    if unknown:
        raise ValueError(
            f"Unbekannte(r) Problemcode(s) {', '.join(repr(u) for u in unknown)}; erlaubt sind: "
            f"{', '.join(p.value for p in ProblemCode)}."
        )
    return items


_CONVERTERS: dict[str, Any] = {
    "kind": _kind,
    "sector": _sector,
    "employees": _employees,
    "lat": _degrees,
    "lon": _degrees,
    "postcode": _postcode,
    "issues": _issues,
    "measures_in_place": split_list,
    **dict.fromkeys(BOOLEAN_COLUMNS, parse_bool),
}

_PATTERN_MESSAGES = {
    "id": "Ungültige id: erlaubt sind 1–64 Zeichen aus A–Z, a–z, 0–9, '_', '.' und '-'.",
    "postcode": "Ungültige Postleitzahl: erwartet werden genau fünf Ziffern.",
    "measures_in_place": "Ungültige Maßnahmen-id: erlaubt sind Kleinbuchstaben, Ziffern und '_' (Maßnahmenkatalog).",
}


def parse_profile(raw: RawRow) -> OrganisationProfile | list[RowError]:
    """The profile of one row (its ``id`` as given, possibly ``None``), or every error found in the row."""
    data: dict[str, Any] = {}
    contact: dict[str, str] = {}
    errors: list[RowError] = []
    for column, text in raw.values.items():
        if column in CONTACT_COLUMNS:
            contact[column.removeprefix("contact_")] = text
            continue
        converter = _CONVERTERS.get(column)
        try:
            data[column] = converter(text) if converter else text
        except ValueError as error:
            errors.append(RowError(raw.row, column, str(error)))
    if contact:
        data["contact"] = contact
    try:
        profile = OrganisationProfile.model_validate(data)
    except ValidationError as error:
        failed = {e.field for e in errors}
        if failed & {"lat", "lon"}:
            failed |= {"lat", "lon", "postcode"}  # the location rules would only repeat the conversion error
        for item in error.errors(include_url=False):
            field = _field(item["loc"])
            if field not in failed:
                errors.append(RowError(raw.row, field, _message(field, item)))
        return errors
    return errors or profile


def _field(loc: tuple[int | str, ...]) -> str:
    if loc and loc[0] == "contact" and len(loc) > 1:
        return f"contact_{loc[1]}"
    return str(loc[0]) if loc else ""


def _message(field: str, error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "Pflichtangabe fehlt (Spalte leer oder nicht vorhanden)."
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        return _PATTERN_MESSAGES.get(field, "Ungültiges Format.")
    if kind == "greater_than_equal":
        return f"Muss mindestens {ctx.get('ge')} sein."
    if kind == "less_than_equal":
        return f"Darf höchstens {ctx.get('le')} sein."
    if kind == "string_too_long":
        return f"Zu lang: höchstens {ctx.get('max_length')} Zeichen."
    if kind == "string_too_short":
        return "Darf nicht leer sein."
    return str(error["msg"])
