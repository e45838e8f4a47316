"""German counts with the right plural."""

from __future__ import annotations

import pytest

from matcher.wording import count_noun


@pytest.mark.parametrize(
    ("count", "singular", "plural", "expected"),
    [
        (0, "Zeile", "Zeilen", "0 Zeilen"),
        (1, "Zeile", "Zeilen", "1 Zeile"),
        (2, "Zeile", "Zeilen", "2 Zeilen"),
        (1, "Fehler", "Fehler", "1 Fehler"),
        (1, "Organisation", "Organisationen", "1 Organisation"),
        (2, "Organisation", "Organisationen", "2 Organisationen"),
        (12345, "Organisation", "Organisationen", "12.345 Organisationen"),
    ],
)
def test_count_noun(count: int, singular: str, plural: str, expected: str) -> None:
    assert count_noun(count, singular, plural) == expected
