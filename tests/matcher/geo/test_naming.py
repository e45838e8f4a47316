"""Kreis wording for people: kreisfreie Städte and Stadtkreise are cities, not "Kreis …"."""

from __future__ import annotations

from matcher.geo.naming import kreis_label, kreis_types, place_label
from matcher.reference import ReferenceData


def test_types_come_from_the_geo_reference(reference: ReferenceData) -> None:
    types = kreis_types(reference.geo.kreise)
    assert types["05913"] == "Kreisfreie Stadt"  # Dortmund
    assert types["05978"] == "Kreis"  # Unna
    assert types["08111"] == "Stadtkreis"  # Stuttgart
    assert types["08116"] == "Landkreis"  # Esslingen


def test_every_nrw_and_bw_kreis_reads_right(reference: ReferenceData) -> None:
    kreise = reference.geo.kreise
    for code, name, kind in zip(kreise["kreis_code"], kreise["short_name"], kreise["kreis_typ"], strict=True):
        if not str(code).startswith(("05", "08")):
            continue
        label = kreis_label(str(name), str(kind))
        if kind in ("Kreisfreie Stadt", "Stadtkreis"):
            assert label.startswith("Stadt "), label
            assert "Kreis " not in label, label
        else:
            assert "kreis" in label.casefold() or "region" in label.casefold(), label
        assert not label.startswith("Kreis Kreis"), label
        assert "Landkreis Landkreis" not in label, label


def test_labels() -> None:
    assert kreis_label("Dortmund", "Kreisfreie Stadt") == "Stadt Dortmund (kreisfreie Stadt)"
    assert kreis_label("Stuttgart", "Stadtkreis") == "Stadt Stuttgart (Stadtkreis)"
    assert kreis_label("Unna", "Kreis") == "Kreis Unna"
    assert kreis_label("Esslingen", "Landkreis") == "Landkreis Esslingen"
    assert kreis_label("Rhein-Sieg-Kreis", "Kreis") == "Rhein-Sieg-Kreis"
    assert kreis_label("Städteregion Aachen", "Kreis") == "Städteregion Aachen"


def test_places_name_a_kreisfreie_stadt_once() -> None:
    assert place_label("Dortmund", "Dortmund", "Kreisfreie Stadt") == "Stadt Dortmund (kreisfreie Stadt)"
    assert place_label("Bergkamen", "Unna", "Kreis") == "Bergkamen, Kreis Unna"
    # Landkreis Heilbronn around the Stadtkreis of the same name: two different things, both named.
    assert place_label("Heilbronn", "Heilbronn", "Stadtkreis") == "Stadt Heilbronn (Stadtkreis)"
    assert place_label("Neckarsulm", "Heilbronn", "Landkreis") == "Neckarsulm, Landkreis Heilbronn"
