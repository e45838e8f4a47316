"""Upload rows (one per employee or ``postcode,count``) → head counts per postcode; rows per person are never kept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

MAX_COUNT = 500_000  # more staff at one postcode than any employer has is a typo


@dataclass(frozen=True)
class RowError:
    """One rejected row: its number (as the user sees it, the header being row 1), the field and the bad value."""

    row: int
    field: str
    value: str
    message: str  # German, names the value


@dataclass(frozen=True)
class ResidenceCounts:
    """Head counts per postcode (sorted by postcode, every count ≥ 1)."""

    postcodes: tuple[str, ...]
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    def as_dict(self) -> dict[str, int]:
        return dict(zip(self.postcodes, self.counts, strict=True))

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> ResidenceCounts:
        items = sorted((p, c) for p, c in counts.items() if c > 0)
        return cls(postcodes=tuple(p for p, _ in items), counts=tuple(c for _, c in items))


class ResidenceValidationError(ValueError):
    """All row errors of an upload (an upload is all or nothing)."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = tuple(errors)
        first = "; ".join(f"Zeile {e.row}: {e.message}" for e in errors[:3])
        more = len(errors) - 3
        suffix = f" (und {more} weitere)" if more > 0 else ""
        super().__init__(f"{len(errors)} {'fehlerhafte Zeile' if len(errors) == 1 else 'fehlerhafte Zeilen'}: "
                         f"{first}{suffix}")  # fmt: skip


def normalise_postcode(value: object) -> str | None:
    """Five-digit text; a four-digit number is a postcode whose leading zero a spreadsheet dropped ("1067")."""
    if value is None:
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # a spreadsheet number read as float
        text = text[:-2]
    if text.isdigit() and len(text) == 4:
        text = "0" + text
    return text if len(text) == 5 and text.isdigit() else None


def _parse_count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return None
        number = int(value)
    else:
        text = str(value).strip()
        if text.endswith(".0"):
            text = text[:-2]
        if not text.isdigit():
            return None
        number = int(text)
    return number if 1 <= number <= MAX_COUNT else None


def aggregate_rows(
    rows: Iterable[Mapping[str, object]], known_postcodes: Collection[str], *, first_row: int = 2
) -> ResidenceCounts:
    """Count the rows per postcode. A row without ``count`` (or with an empty one) is one employee.

    Raises ``ResidenceValidationError`` with every bad row (unknown or malformed postcode, count not a positive
    integer); other columns (``mode``, ``shift``) are accepted and dropped: only the counts leave this function."""
    counts: Counter[str] = Counter()
    errors: list[RowError] = []
    for number, row in enumerate(rows, start=first_row):
        raw = row.get("postcode")
        raw_text = "" if raw is None else str(raw).strip()
        postcode = normalise_postcode(raw)
        if postcode is None:
            errors.append(RowError(number, "postcode", raw_text, f"„{raw_text}“ ist keine fünfstellige Postleitzahl"))
            continue
        if postcode not in known_postcodes:
            errors.append(RowError(number, "postcode", raw_text, f"unbekannte Postleitzahl „{raw_text}“"))
            continue
        raw_count = row.get("count")
        if raw_count is None or (isinstance(raw_count, str) and not raw_count.strip()):
            counts[postcode] += 1
            continue
        count = _parse_count(raw_count)
        if count is None:
            errors.append(RowError(number, "count", str(raw_count).strip(),
                                   f"Anzahl „{str(raw_count).strip()}“ ist keine positive ganze Zahl"))  # fmt: skip
            continue
        counts[postcode] += count
    if errors:
        raise ResidenceValidationError(errors)
    return ResidenceCounts.of(counts)
