"""Values as people write them: WZ 2008 codes at any depth, size classes, German labels, German numbers."""

from __future__ import annotations

import pytest

from matcher.profiles import ProfileBuilder
from service.io import ImportFailed, RawRow, parse_profile, prepare_import
from service.io.values import parse_size_class, parse_wz, wz_section


@pytest.mark.parametrize(
    ("text", "section", "code"),
    [
        ("C", "C", None),
        ("c", "C", None),
        ("25", "C", "25"),
        ("25.6", "C", "25.6"),
        ("25.62", "C", "25.62"),
        ("25.62.0", "C", "25.62.0"),
        ("2562", "C", "25.62"),
        ("25620", "C", "25.62.0"),
        ("C 25.62", "C", "25.62"),
        ("01.11", "A", "01.11"),
        ("43.22.0", "F", "43.22.0"),
        ("47.11", "G", "47.11"),
        ("49", "H", "49"),
        ("62.01", "J", "62.01"),
        ("84.11", "O", "84.11"),
        ("86.10", "Q", "86.10"),
        ("99", "U", "99"),
    ],
)
def test_wz_codes_at_any_depth(text: str, section: str, code: str | None) -> None:
    assert parse_wz(text) == (section, code)


def test_every_division_range_of_wz_2008() -> None:
    expected = {
        "A": (1, 3), "B": (5, 9), "C": (10, 33), "D": (35, 35), "E": (36, 39), "F": (41, 43), "G": (45, 47),
        "H": (49, 53), "I": (55, 56), "J": (58, 63), "K": (64, 66), "L": (68, 68), "M": (69, 75), "N": (77, 82),
        "O": (84, 84), "P": (85, 85), "Q": (86, 88), "R": (90, 93), "S": (94, 96), "T": (97, 98), "U": (99, 99),
    }  # fmt: skip
    for section, (first, last) in expected.items():
        assert {wz_section(d) for d in range(first, last + 1)} == {section}
    assert [d for d in range(1, 100) if wz_section(d) is None] == [4, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89]


@pytest.mark.parametrize("text", ["Z", "00", "34.1", "25.6.2.1", "D 25", "abc", "123456"])
def test_invalid_wz_codes(text: str) -> None:
    with pytest.raises(ValueError, match="WZ-2008"):
        parse_wz(text)


@pytest.mark.parametrize(
    ("text", "label", "estimate"),
    [
        ("1-9", "1–9", 5),
        ("1 bis 9", "1–9", 5),
        ("10–49", "10–49", 29),
        ("50 bis 249", "50–249", 149),
        ("250 und mehr", "250+", 250),
        ("≥ 250", "250+", 250),
        ("500+", "500+", 500),
        ("1.000 und mehr", "1000+", 1000),
    ],
)
def test_size_classes(text: str, label: str, estimate: int) -> None:
    assert parse_size_class(text) == (label, estimate)


def test_a_size_class_gives_an_estimated_head_count_and_is_kept() -> None:
    profile = parse_profile(RawRow(2, {"kind": "company", "name": "A", "sector": "25.62.0", "size_class": "50 bis 249",
                                       "postcode": "44787"}))  # fmt: skip
    assert not isinstance(profile, list)
    assert (profile.employees, profile.employees_estimated, profile.size_class) == (149, True, "50–249")
    assert (profile.sector, profile.wz_code) == ("C", "25.62.0")


def test_a_head_count_wins_over_the_size_class() -> None:
    profile = parse_profile(
        RawRow(2, {"kind": "company", "name": "A", "sector": "C", "employees": "1.250", "size_class": "250+",
                   "postcode": "44787"})
    )  # fmt: skip
    assert not isinstance(profile, list)
    assert (profile.employees, profile.employees_estimated, profile.size_class) == (1250, False, "250+")
    assert profile.wz_code is None


def test_german_labels_for_kinds_and_problems() -> None:
    profile = parse_profile(
        RawRow(2, {"kind": "Handwerksbetrieb", "name": "A", "sector": "43", "employees": "12,0", "postcode": "44787",
                   "issues": "Parkplatzmangel; schlechte ÖPNV-Anbindung|shift_work"})
    )  # fmt: skip
    assert not isinstance(profile, list)
    assert profile.kind == "craft_business"
    assert profile.employees == 12
    assert [i.value for i in profile.issues] == ["parking_shortage", "poor_transit_access", "shift_work"]
    assert parse_profile(RawRow(2, {"kind": "Stadt", "name": "B", "employees": "1", "postcode": "44787"})).kind == (  # type: ignore[union-attr]
        "municipality"
    )


def test_bad_values_are_row_errors_in_german() -> None:
    errors = parse_profile(
        RawRow(7, {"kind": "Firma", "name": "A", "sector": "34", "size_class": "viele", "postcode": "44787"})
    )
    assert isinstance(errors, list)
    by_field = {e.field: e.message for e in errors}
    assert "Unbekannte Art 'Firma'" in by_field["kind"]
    assert "Handwerksbetrieb" in by_field["kind"]
    assert "WZ-2008" in by_field["sector"]
    assert "Größenklasse" in by_field["size_class"]
    assert {e.row for e in errors} == {7}


def test_a_chamber_list_in_cp1252_end_to_end(builder: ProfileBuilder) -> None:
    data = (
        "Mitglieds-Nr.;Firma;Straße;Hausnr.;PLZ;Ort;Art;WZ 2008;Größenklasse;Beschäftigte;Probleme\r\n"
        "4711;Müller Metallbau GmbH;Industriestraße;12a;44787;Bochum;Unternehmen;25.62.0;50 bis 249;;"
        "Parkplatzmangel\r\n"
        "4712;Bäckerei Groß;Marktplatz;3;70173;Stuttgart;Handwerksbetrieb;1071;1-9;7;\r\n"
    ).encode("cp1252")
    result = prepare_import(data, builder, filename="ihk.csv")
    assert not isinstance(result, ImportFailed), result.errors
    first, second = result
    assert (first.id, first.name, first.address) == ("4711", "Müller Metallbau GmbH", "Industriestraße 12a")
    assert (first.sector, first.wz_code, first.employees, first.employees_estimated) == ("C", "25.62.0", 149, True)
    assert [i.value for i in first.issues] == ["parking_shortage"]
    assert (second.kind, second.wz_code, second.employees, second.size_class) == ("craft_business", "10.71", 7, "1–9")
    assert second.location.state == "DE-BW"
