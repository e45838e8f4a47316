"""Values as people write them: WZ 2008 codes at any depth, employee size classes, German labels.

WZ 2008 sections by division, from the classification's structure (Statistisches Bundesamt,
„Klassifikation der Wirtschaftszweige, Ausgabe 2008 (WZ 2008)“, Wiesbaden 2008; identical to NACE Rev. 2
at section and division level): sections A–U with their division ranges.
"""

from __future__ import annotations

import functools
import re

from matcher.vocabulary import (
    FORMER_PROBLEM_LABELS_DE,
    KIND_LABELS_DE,
    PROBLEM_LABELS_DE,
    OrganisationKind,
    ProblemCode,
)
from service.io.columns import header_key
from service.io.limits import excerpt

# First division of each section (the range runs to the next section's first division minus one; 99 is U).
_SECTION_STARTS: tuple[tuple[int, str], ...] = (
    (1, "A"),  # 01–03 Land- und Forstwirtschaft, Fischerei
    (5, "B"),  # 05–09 Bergbau und Gewinnung von Steinen und Erden
    (10, "C"),  # 10–33 Verarbeitendes Gewerbe
    (35, "D"),  # 35 Energieversorgung
    (36, "E"),  # 36–39 Wasserversorgung; Abwasser- und Abfallentsorgung
    (41, "F"),  # 41–43 Baugewerbe
    (45, "G"),  # 45–47 Handel; Instandhaltung und Reparatur von Kraftfahrzeugen
    (49, "H"),  # 49–53 Verkehr und Lagerei
    (55, "I"),  # 55–56 Gastgewerbe
    (58, "J"),  # 58–63 Information und Kommunikation
    (64, "K"),  # 64–66 Finanz- und Versicherungsdienstleistungen
    (68, "L"),  # 68 Grundstücks- und Wohnungswesen
    (69, "M"),  # 69–75 freiberufliche, wissenschaftliche und technische Dienstleistungen
    (77, "N"),  # 77–82 sonstige wirtschaftliche Dienstleistungen
    (84, "O"),  # 84 öffentliche Verwaltung, Verteidigung; Sozialversicherung
    (85, "P"),  # 85 Erziehung und Unterricht
    (86, "Q"),  # 86–88 Gesundheits- und Sozialwesen
    (90, "R"),  # 90–93 Kunst, Unterhaltung und Erholung
    (94, "S"),  # 94–96 sonstige Dienstleistungen
    (97, "T"),  # 97–98 private Haushalte
    (99, "U"),  # 99 exterritoriale Organisationen
)
# Divisions that WZ 2008 leaves unused inside the ranges above.
_UNUSED_DIVISIONS = frozenset({4, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89})
_SECTIONS = frozenset(section for _, section in _SECTION_STARTS)
_DOTTED = re.compile(r"^(\d{2})(?:\.(\d)(\d)?(?:\.(\d))?)?$")  # 25, 25.6, 25.62, 25.62.0
_DIGITS = re.compile(r"^\d{2,5}$")  # 2562, 25620


def wz_section(division: int) -> str | None:
    """The WZ 2008 section of a division (01–99), ``None`` for an unused one."""
    if not 1 <= division <= 99 or division in _UNUSED_DIVISIONS:
        return None
    return next(section for start, section in reversed(_SECTION_STARTS) if division >= start)


@functools.lru_cache(maxsize=4096)  # a member list repeats a few hundred codes over a million rows
def parse_wz(text: str) -> tuple[str, str | None]:
    """A section letter or a WZ 2008 code at any depth -> (section, code in dotted form or ``None``).

    ``"C"`` -> ("C", None); ``"25"``, ``"25.6"``, ``"25.62"``, ``"25.62.0"``, ``"2562"``, ``"25620"`` -> ("C", …).
    A leading section letter before a code ("C 25.62") is accepted if it agrees.
    """
    value = text.strip().upper()
    if value in _SECTIONS:
        return value, None
    letter = None
    if len(value) > 1 and value[0] in _SECTIONS and not value[1].isalpha():
        letter, value = value[0], value[1:].strip(" -–:")
    if _DIGITS.match(value):
        digits = value
    else:
        match = _DOTTED.match(value)
        digits = "".join(part for part in match.groups() if part) if match else ""
    section = wz_section(int(digits[:2])) if digits else None
    if section is None or (letter is not None and letter != section):
        raise ValueError(
            f"'{excerpt(text)}' ist kein WZ-2008-Code: erwartet ein Abschnitt A–U oder ein Code wie 25, 25.6, "
            "25.62, 25.62.0 (auch ohne Punkte: 2562, 25620)."
        )
    code = digits[:2] + ("." + digits[2:4] if len(digits) > 2 else "") + ("." + digits[4] if len(digits) > 4 else "")
    return section, code


# -- size classes -------------------------------------------------------------------------------------------

_RANGE = re.compile(r"^(\d+)\s*(?:-|–|—|bis|to)\s*(\d+)$")
_OPEN = re.compile(
    r"^(?:(?:≥|>=|ab|mindestens|über|ueber|mehr als)\s*(\d+)|(\d+)\s*(?:\+|und mehr|oder mehr|u\. ?m\.))$"
)
_UP_TO = re.compile(r"^(?:bis|unter|<|≤|<=)\s*(\d+)$")


def parse_size_class(text: str) -> tuple[str, int]:
    """A size class -> (its label, a head count inside it).

    Bounded classes ("10–49", "50 bis 249") give their midpoint (rounded down); open classes ("250 und
    mehr", "≥ 250", "500+") give their lower bound, the only count certainly inside; "über 250" means 251.
    """
    value = " ".join(text.strip().lower().replace(".", "").split())
    if match := _RANGE.match(value):
        low, high = int(match.group(1)), int(match.group(2))
        if low <= high:
            return f"{low}–{high}", (low + high) // 2
    elif match := _OPEN.match(value):
        low = int(match.group(1) or match.group(2))
        if value.startswith(("über", "ueber", "mehr als", ">")) and not value.startswith(">="):
            low += 1
        return f"{low}+", low
    elif match := _UP_TO.match(value):
        high = int(match.group(1)) - (1 if value.startswith(("unter", "<")) and not value.startswith("<=") else 0)
        low = 1 if high >= 1 else 0
        return f"{low}–{high}", (low + high) // 2
    raise ValueError(
        f"'{excerpt(text)}' ist keine Größenklasse; erwartet z. B. 1-9, 10 bis 49, 50–249, 250 und mehr, "
        "≥ 250 oder 500+."
    )


# -- German labels ------------------------------------------------------------------------------------------


def _labels(labels: dict[OrganisationKind, str] | dict[ProblemCode, str]) -> dict[str, str]:
    by_key: dict[str, str] = {}
    for code, label in labels.items():
        by_key[header_key(code.value)] = code.value
        by_key[header_key(label)] = code.value
        for part in label.split(" / "):  # "Gemeinde / Stadt": either word alone as well
            by_key.setdefault(header_key(part), code.value)
    return by_key


KIND_BY_LABEL = _labels(KIND_LABELS_DE) | {header_key(w): "craft_business" for w in ("Handwerk", "HWK")}
PROBLEM_BY_LABEL = _labels(FORMER_PROBLEM_LABELS_DE) | _labels(PROBLEM_LABELS_DE)
