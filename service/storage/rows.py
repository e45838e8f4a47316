"""The one mapping between an :class:`~matcher.models.Organisation` and flat, named cells.

Used by the repository (a row of the ``organisations`` table) and by the export (the import/export
columns), so a field is named and converted in one place. One dict per concept maps a column to the
attribute it holds; adding a stored field (e.g. a derived transit feature) is one entry in the concept's
dict plus the table column and its migration — writing and reading follow from the dict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from operator import attrgetter
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic_core import SchemaSerializer

from matcher.models import Contact, LocationFeatures, Organisation
from matcher.transit.model import NearestStop

Cell = str | int | float | bool | None

# column -> attribute of the profile (scalar fields; the lists issues and measures_in_place are stored
# in their own tables and exported joined, so each caller handles them).
PROFILE_COLUMNS: dict[str, str] = {
    "id": "id",
    "kind": "kind",
    "name": "name",
    "sector": "sector",
    "employees": "employees",
    "employees_estimated": "employees_estimated",
    "size_class": "size_class",
    "wz_code": "wz_code",
    "lat": "lat",
    "lon": "lon",
    "postcode": "postcode",
    "address": "address",
    "estate": "estate",
    "shift_work": "shift_work",
    "visible_to_peers": "visible_to_peers",
    "contact_shareable": "contact_shareable",
    "share_residence_aggregates": "share_residence_aggregates",
    "synthetic": "synthetic",
}
# column -> attribute of Organisation.contact
CONTACT_COLUMNS: dict[str, str] = {
    "contact_name": "name",
    "contact_email": "email",
    "contact_phone": "phone",
}
# column -> attribute of Organisation.location (derived from the reference geography)
LOCATION_COLUMNS: dict[str, str] = {
    "location_lat": "lat",
    "location_lon": "lon",
    "location_precision": "precision",
    "municipality_ags": "municipality_ags",
    "municipality_name": "municipality_name",
    "kreis_code": "kreis_code",
    "kreis_name": "kreis_name",
    "state": "state",
}
# column -> attribute of Organisation.features (derived location features)
FEATURE_COLUMNS: dict[str, str] = {
    "station_distance_km": "station_distance_km",
    "nearest_station": "nearest_station",
    "transit_class": "transit_class",
    "transit_stop": "transit_stop",  # JSON object or null
    "transit_stops": "transit_stops",  # JSON list
    "urbanisation": "urbanisation",
    "population_density": "population_density",
    "kreis_commuter_balance": "kreis_commuter_balance",
    "kreis_commuter_balance_per_1000": "kreis_commuter_balance_per_1000",
}


def _plain(value: Any) -> Cell:
    """Enums as their code, nested models (the transit stops) as JSON-ready dicts, everything else as it is."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")  # type: ignore[return-value]
    if isinstance(value, list):
        return [_plain(item) for item in value]  # type: ignore[return-value]
    return value.value if isinstance(value, Enum) else value  # type: ignore[no-any-return]


def _cells(model: BaseModel | None, columns: Mapping[str, str]) -> dict[str, Cell]:
    return {column: None if model is None else _plain(getattr(model, attr)) for column, attr in columns.items()}


def profile_cells(organisation: Organisation) -> dict[str, Cell]:
    """The scalar profile fields by column (codes for enums)."""
    return _cells(organisation, PROFILE_COLUMNS)


def contact_cells(contact: Contact | None) -> dict[str, Cell]:
    """The contact columns; all ``None`` without a contact."""
    return _cells(contact, CONTACT_COLUMNS)


def organisation_row(organisation: Organisation) -> dict[str, Cell]:
    """Every column of the ``organisations`` table except the timestamps."""
    return {
        **profile_cells(organisation),
        **contact_cells(organisation.contact),
        **_cells(organisation.location, LOCATION_COLUMNS),
        **_cells(organisation.features, FEATURE_COLUMNS),
    }


# The columns of :func:`organisation_row` in its order; :func:`organisation_values` returns the same cells as a
# tuple in this order, for the bulk load (COPY, executemany) that needs no dict per row.
ROW_COLUMNS: tuple[str, ...] = (*PROFILE_COLUMNS, *CONTACT_COLUMNS, *LOCATION_COLUMNS, *FEATURE_COLUMNS)
_SCALARS = frozenset({str, int, float, bool, type(None)})  # exact types: a StrEnum is a str but needs its code
_PROFILE_VALUES = attrgetter(*PROFILE_COLUMNS.values())
_CONTACT_VALUES = attrgetter(*CONTACT_COLUMNS.values())
_LOCATION_VALUES = attrgetter(*LOCATION_COLUMNS.values())
_FEATURE_VALUES = attrgetter(*FEATURE_COLUMNS.values())
_NO_CONTACT: tuple[None, ...] = (None,) * len(CONTACT_COLUMNS)


def _converted(values: tuple[Any, ...]) -> tuple[Cell, ...]:
    return tuple(value if type(value) in _SCALARS else _plain(value) for value in values)


def _own_values(organisation: Organisation) -> tuple[Cell, ...]:
    contact = organisation.contact
    return _converted(
        (
            *_PROFILE_VALUES(organisation),
            *(_NO_CONTACT if contact is None else _CONTACT_VALUES(contact)),
            *_LOCATION_VALUES(organisation.location),
        )
    )


def organisation_values(organisation: Organisation) -> tuple[Cell, ...]:
    """``tuple(organisation_row(organisation).values())`` at a fraction of the cost (a million rows per import)."""
    return _own_values(organisation) + _converted(_FEATURE_VALUES(organisation.features))


# The JSON columns (the transit stops): the bulk load takes them as their JSON text, made by pydantic-core in the
# import's worker processes (parallel; three times faster than ``json.dumps`` of a ``model_dump``, 20,000 sites) rather
# than by the single storing transaction. Compact UTF-8 text where SQLAlchemy's JSON type writes ``json.dumps``'
# spelling: both read back as the same values (shortest round-trip floats on both sides).
_JSON_WRITERS: dict[str, SchemaSerializer] = {  # column -> pydantic-core's JSON writer of the attribute's type
    "transit_stop": TypeAdapter(NearestStop | None).serializer,
    "transit_stops": TypeAdapter(list[NearestStop]).serializer,
}
JSON_COLUMNS: tuple[str, ...] = tuple(_JSON_WRITERS)
_FEATURE_CELLS = [(attribute, _JSON_WRITERS.get(column)) for column, attribute in FEATURE_COLUMNS.items()]


def _stored_features(features: LocationFeatures) -> tuple[Cell, ...]:
    """The feature cells of a stored row, the JSON columns as JSON text."""
    cells: list[Cell] = []
    for attribute, as_json in _FEATURE_CELLS:
        value = getattr(features, attribute)
        if as_json is not None:
            cells.append(as_json.to_json(value).decode())
        else:
            cells.append(value if type(value) in _SCALARS else _plain(value))
    return tuple(cells)


StoredRow = tuple[tuple[Cell, ...], tuple[str, ...], tuple[str, ...]]
"""One organisation for the bulk load: its :func:`organisation_values` (the :data:`JSON_COLUMNS` as JSON text),
issue codes and measure ids."""


def stored_row(organisation: Organisation) -> StoredRow:
    return stored_rows([organisation])[0]


def stored_rows(organisations: Sequence[Organisation]) -> list[StoredRow]:
    """:func:`stored_row` of each. Organisations at one site share their (frozen) features, which are converted
    once and shared by the rows: less work here, and the spool's pickle sees one object."""
    features: dict[int, tuple[Cell, ...]] = {}  # by identity: every features object is alive during the call
    rows: list[StoredRow] = []
    for organisation in organisations:
        shared = organisation.features
        feature_values = features.get(id(shared))
        if feature_values is None:
            feature_values = features[id(shared)] = _stored_features(shared)
        rows.append(
            (
                _own_values(organisation) + feature_values,
                tuple(issue.value for issue in organisation.issues),
                tuple(organisation.measures_in_place),
            )
        )
    return rows


def organisation_from_row(row: Mapping[Any, Any], issues: list[str], measures: list[str]) -> Organisation:
    """The inverse of :func:`organisation_row`, with the organisation's issue and measure codes."""
    contact_values = {attr: row[column] for column, attr in CONTACT_COLUMNS.items()}
    return Organisation.model_validate(
        {
            **{attr: row[column] for column, attr in PROFILE_COLUMNS.items()},
            "issues": issues,
            "measures_in_place": measures,
            "contact": contact_values if any(contact_values.values()) else None,
            "location": {attr: row[column] for column, attr in LOCATION_COLUMNS.items()},
            "features": {attr: row[column] for column, attr in FEATURE_COLUMNS.items()},
        }
    )
