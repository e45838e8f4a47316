"""The segments feedback is learned for: kind, size class, WZ section and transit class of an organisation.

Each dimension is learned on its own (item x kind, item x size class, ...), plus the item over all
organisations (dimension ``all``): joint cells (kind x size x section x class) would almost never reach the
minimum evidence. Because the dimensions overlap (a transit class holds crafts and companies), an
organisation gets the cell of the first dimension in ``DIMENSIONS`` with enough evidence, not the strongest.
"""

from __future__ import annotations

from matcher.models import Organisation
from matcher.vocabulary import BUSINESS_KINDS, KIND_LABELS_DE, OrganisationKind

ALL = "all"
# Back-off order: an organisation's adjustment comes from the first of its cells with enough evidence, kind
# first (kinds differ most in what suits them), the item over all organisations last.
DIMENSIONS = ("kind", "size_class", "wz_section", "transit_class", ALL)

# EU SME bands of the head count (Commission Recommendation 2003/361/EC).
SIZE_BANDS = ((10, "1-9"), (50, "10-49"), (250, "50-249"))
LARGE = "250+"
NO_SECTION = "none"

DIMENSION_LABELS_DE = {
    ALL: "alle",
    "kind": "Art",
    "size_class": "Beschäftigte",
    "wz_section": "WZ-Abschnitt",
    "transit_class": "ÖV-Güteklasse",
}


def size_band(employees: int) -> str:
    return next((label for below, label in SIZE_BANDS if employees < below), LARGE)


def segment_of(organisation: Organisation) -> dict[str, str]:
    """The organisation's value in every dimension."""
    return {
        ALL: ALL,
        "kind": organisation.kind.value,
        "size_class": size_band(organisation.employees),
        "wz_section": organisation.sector.value if organisation.sector is not None else NO_SECTION,
        "transit_class": organisation.features.transit_class.value,
    }


def segment_label_de(dimension: str, value: str) -> str:
    """'Handwerksbetrieb', '10-49 Beschäftigte', 'WZ-Abschnitt C', 'ÖV-Güteklasse B' (empty for ``all``)."""
    if dimension == ALL:
        return ""
    if dimension == "kind":
        return KIND_LABELS_DE[OrganisationKind(value)]
    if dimension == "size_class":
        return f"{value.replace('-', '–')} Beschäftigte"
    if dimension == "wz_section" and value == NO_SECTION:
        return "ohne WZ-Abschnitt"
    return f"{DIMENSION_LABELS_DE[dimension]} {value}"


def peers_word_de(kind: str) -> str:
    """'ähnlicher Betriebe' for businesses, 'ähnlicher Einrichtungen' for public bodies and associations."""
    return "ähnlicher Betriebe" if OrganisationKind(kind) in BUSINESS_KINDS else "ähnlicher Einrichtungen"
