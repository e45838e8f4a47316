"""Plain-text tables of the command line."""

from __future__ import annotations

from service.cli.tables import cut, format_table


def test_columns_are_padded_to_the_widest_cell_and_numbers_align_right() -> None:
    lines = format_table([("Rang", "Name"), ("1", "Dortmund"), ("12", "Ee")], right=(True, False))
    assert lines == ["Rang  Name", "   1  Dortmund", "  12  Ee"]


def test_cut_ends_a_shortened_text_with_an_ellipsis() -> None:
    assert cut("Gewerbegebiet", 6) == "Gewer…"
    assert cut("Hafen", 6) == "Hafen"
    assert format_table([]) == []
