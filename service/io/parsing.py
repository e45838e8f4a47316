"""Turn one raw row of text cells into an :class:`OrganisationProfile` or the row's errors (German)."""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import ValidationError

from matcher.models import OrganisationProfile
from matcher.vocabulary import KIND_LABELS_DE, OrganisationKind, ProblemCode
from service.io.columns import BOOLEAN_COLUMNS, CONTACT_COLUMNS, header_key
from service.io.limits import excerpt
from service.io.reading import RawRow, RowError
from service.io.values import KIND_BY_LABEL, PROBLEM_BY_LABEL, parse_size_class, parse_wz

_TRUE = frozenset({"true", "wahr", "ja", "j", "yes", "y", "1", "x"})
_FALSE = frozenset({"false", "falsch", "nein", "n", "no", "0", "-"})
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_THOUSANDS = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{3})+$")
_INTEGRAL = re.compile(r"^[0-9]+[.,]0+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)$")
_LIST_SEPARATORS = re.compile(r"[;|]")


def parse_bool(text: str) -> bool:
    """true/false, wahr/falsch, ja/nein, yes/no, 1/0, x (an empty cell is 'not given' and never reaches here)."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(
        f"'{excerpt(text)}' ist kein Wahrheitswert; erlaubt sind true/false, ja/nein, yes/no, 1/0, x oder leer."
    )


def split_list(text: str) -> list[str]:
    """List items separated by ';' or '|' inside the cell."""
    return [item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip()]


def _kind(text: str) -> str:
    value = KIND_BY_LABEL.get(header_key(text))
    if value is None:
        allowed = ", ".join(f"{k.value} ({KIND_LABELS_DE[k]})" for k in OrganisationKind)
        raise ValueError(f"Unbekannte Art '{excerpt(text)}'; erlaubt sind: {allowed}.")
    return value


def _employees(text: str) -> int:
    value = text.strip()
    if _THOUSANDS.match(value):
        return int(value.replace(".", ""))  # German thousands separator: 1.250
    if _INTEGRAL.match(value):
        return int(value.split(",")[0].split(".")[0])  # a number cell written as 120,0 or 120.0
    if not _INTEGER.match(value):
        raise ValueError(f"'{excerpt(text)}' ist keine ganze Zahl (Anzahl Beschäftigte, z. B. 120 oder 1.250).")
    return int(value)


def _degrees(text: str) -> float:
    """Decimal degrees; a decimal comma (German Excel) is accepted."""
    if not _DECIMAL.match(text):
        raise ValueError(f"'{excerpt(text)}' ist keine Dezimalzahl (Grad in WGS84, z. B. 51.4434 oder 51,4434).")
    value = float(text.replace(",", "."))
    if not math.isfinite(value):
        raise ValueError(f"'{excerpt(text)}' ist keine endliche Zahl.")
    return value


def _postcode(text: str) -> str:
    # Excel drops the leading zero of postcodes such as 01067 when the cell is a number.
    return text.zfill(5) if len(text) == 4 and text.isdigit() else text


def _issues(text: str) -> list[str]:
    """Problem codes or their German labels (``Parkplatzmangel``)."""
    items = split_list(text)
    unknown = [i for i in items if header_key(i) not in PROBLEM_BY_LABEL]
    if unknown:
        raise ValueError(
            f"Unbekannte(r) Problemcode(s) {', '.join(repr(excerpt(u)) for u in unknown)}; erlaubt sind: "
            f"{', '.join(p.value for p in ProblemCode)} oder ihre deutschen Bezeichnungen (z. B. Parkplatzmangel)."
        )
    return [PROBLEM_BY_LABEL[header_key(i)] for i in items]


def _wz_code(text: str) -> str:
    _, code = parse_wz(text)
    if code is None:
        raise ValueError(f"'{excerpt(text)}' ist ein Abschnitt, kein WZ-2008-Code; den Abschnitt in die Spalte sector.")
    return code


_CONVERTERS: dict[str, Any] = {
    "kind": _kind,
    "sector": lambda text: parse_wz(text)[0],
    "wz_code": _wz_code,
    "size_class": lambda text: parse_size_class(text)[0],
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
    _codes_and_classes(raw, data)
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


def _codes_and_classes(raw: RawRow, data: dict[str, Any]) -> None:
    """WZ code kept beside the section; a size class without a head count gives an estimated one."""
    if "sector" in data and "wz_code" not in data:
        _, code = parse_wz(raw.values["sector"])
        if code is not None:
            data["wz_code"] = code
    elif "wz_code" in data and "sector" not in data and "sector" not in raw.values:
        data["sector"] = parse_wz(data["wz_code"])[0]
    if "size_class" in data and "employees" not in data and "employees" not in raw.values:
        _, data["employees"] = parse_size_class(raw.values["size_class"])
        data["employees_estimated"] = True


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
