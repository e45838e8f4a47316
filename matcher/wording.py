"""German number and list formatting for everything a person reads: one copy for reasons, briefs and the CLI."""

from __future__ import annotations

from collections.abc import Sequence

from matcher.vocabulary import PROBLEM_LABELS_DE, ProblemCode

LABELS_NAMED = 3  # problem labels named in a sentence, then "und n weitere"


def format_km(value: float) -> str:
    """German decimal format: 3,2 km."""
    return f"{value:.1f}".replace(".", ",") + " km"


def format_distance(km: float) -> str:
    """Walking-scale distances in metres (to 10 m) below 1 km, else km: 40 m · 950 m · 1,2 km."""
    metres = round(km * 100) * 10
    return f"{metres} m" if metres < 1000 else format_km(km)


def german_int(value: int) -> str:
    """Thousands with a dot: 12.345."""
    return f"{value:,}".replace(",", ".")


def german_number(value: float) -> str:
    """Shortest form with a decimal comma: 2,5 · 80."""
    return f"{value:g}".replace(".", ",")


def join_de(items: Sequence[str]) -> str:
    """German enumeration: 'A', 'A und B', 'A, B und C'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]


def join_labels(codes: Sequence[ProblemCode], named: int = LABELS_NAMED) -> str:
    """'Parkplatzmangel', 'Parkplatzmangel und Schichtarbeit', 'A, B, C und 2 weitere'."""
    labels = [PROBLEM_LABELS_DE[code] for code in codes]
    if len(labels) > named:
        return f"{', '.join(labels[:named])} und {len(labels) - named} weitere"
    return join_de(labels)


def count_noun(count: int, singular: str, plural: str) -> str:
    """A count with its noun in the right number and German thousands: '1 Zeile', '2 Zeilen', '1.200 Fehler'."""
    return f"{german_int(count)} {singular if count == 1 else plural}"
