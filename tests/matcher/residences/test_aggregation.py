"""Uploads → counts per postcode, with row errors that name the bad value."""

from __future__ import annotations

import pytest

from matcher.residences.aggregation import ResidenceValidationError, aggregate_rows, normalise_postcode

KNOWN = frozenset({"44139", "44137", "01067"})


def test_rows_per_person_and_counted_rows_add_up() -> None:
    rows: list[dict[str, object]] = [
        {"postcode": "44139", "mode": "Auto", "shift": "früh"},
        {"postcode": "44139"},
        {"postcode": "44137", "count": "12"},
        {"postcode": "44137", "count": 3},
    ]
    result = aggregate_rows(rows, KNOWN)
    assert result.as_dict() == {"44137": 15, "44139": 2}
    assert result.total == 17


def test_dropped_leading_zero_is_restored() -> None:
    assert normalise_postcode(1067) == "01067"
    assert normalise_postcode("1067.0") == "01067"
    assert aggregate_rows([{"postcode": 1067, "count": 1}], KNOWN).as_dict() == {"01067": 1}


@pytest.mark.parametrize(
    ("row", "field", "fragment"),
    [
        ({"postcode": "99999"}, "postcode", "unbekannte Postleitzahl „99999“"),
        ({"postcode": "4413x"}, "postcode", "„4413x“ ist keine fünfstellige Postleitzahl"),
        ({"postcode": "44139", "count": "0"}, "count", "Anzahl „0“"),
        ({"postcode": "44139", "count": "-2"}, "count", "Anzahl „-2“"),
        ({"postcode": "44139", "count": "2,5"}, "count", "Anzahl „2,5“"),
        ({"postcode": "44139", "count": 2.5}, "count", "Anzahl „2.5“"),
    ],
)
def test_bad_rows_name_value_field_and_row(row: dict[str, object], field: str, fragment: str) -> None:
    with pytest.raises(ResidenceValidationError) as info:
        aggregate_rows([{"postcode": "44139"}, row], KNOWN)
    (error,) = info.value.errors
    assert error.row == 3  # header is row 1, the good row is row 2
    assert error.field == field
    assert fragment in error.message
    assert "Zeile 3" in str(info.value)


def test_all_or_nothing_collects_every_error() -> None:
    rows = [{"postcode": "99999"}, {"postcode": "44139"}, {"postcode": "88888"}]
    with pytest.raises(ResidenceValidationError) as info:
        aggregate_rows(rows, KNOWN)
    assert [e.row for e in info.value.errors] == [2, 4]
    assert str(info.value).startswith("2 fehlerhafte Zeilen")
