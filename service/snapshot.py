"""The stored organisations as index columns: loaded page by page from the store, rebuilt one at a time.

The live index (``service/live.py``) keeps no Organisation objects. Every column of the ``organisations``
table goes into the index's column store (``matcher/columns.py``): the ones the recommenders read under the
index's names (``kinds``, ``states``, …), the rest as extra columns named ``row:<column>``, so positions stay
aligned through appends and compaction. :class:`OrganisationColumns` is the read-only mapping id ->
Organisation that builds a profile from its row only when one is looked up (through the same
``organisation_from_row`` as the repository, so it equals ``repository.get``).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.dtypes import StringDType

from matcher.catalog import Catalog
from matcher.columns import CodedColumn, Vocabulary
from matcher.geo.features import location_features
from matcher.index import OrganisationIndex, fingerprint, new_vocabularies
from matcher.models import Contact, Location, LocationFeatures, Organisation
from matcher.profiles import ProfileBuilder
from matcher.transit.situation import site_stop
from matcher.vectorise import PROBLEMS, FloatMatrix, Vectoriser
from service.storage.repository import ColumnPage
from service.storage.rows import (
    CONTACT_COLUMNS,
    FEATURE_COLUMNS,
    LOCATION_COLUMNS,
    PROFILE_COLUMNS,
    organisation_from_row,
    organisation_row,
)

NULLABLE_TEXT = StringDType(na_object=None)
FEATURES_KEPT = 20_000  # derived location features kept per index (a few kB each)
BUILT_KEPT = 2_048  # organisations built by lookup and kept per snapshot (the most recently used; a few kB each)

# Column of the table -> (column in the store, how it is kept). Text with few distinct values is coded; unique
# text is one variable-width string column. The derived location features (station, stops, urbanisation,
# commuter balance; 0.8 kB of JSON per row) are not kept: a profile built from its row gets them from the
# snapshot's ProfileBuilder, as the store got them (a timetable import rewrites them, service/timetable.py).
FIELDS: dict[str, tuple[str, str]] = {
    "id": ("ids", "text"),
    "name": ("names", "text"),
    "kind": ("kinds", "coded"),
    "sector": ("sectors", "coded"),
    "employees": ("employees", "int"),
    "employees_estimated": ("row:employees_estimated", "bool"),
    "size_class": ("row:size_class", "coded"),
    "wz_code": ("row:wz_code", "coded"),
    "lat": ("row:lat", "float?"),
    "lon": ("row:lon", "float?"),
    "postcode": ("postcodes", "coded"),
    "address": ("row:address", "text?"),
    "estate": ("estate_names", "coded"),
    "shift_work": ("row:shift_work", "bool"),
    "visible_to_peers": ("visible", "bool"),
    "contact_shareable": ("row:contact_shareable", "bool"),
    "share_residence_aggregates": ("row:share_residence_aggregates", "bool"),
    "synthetic": ("row:synthetic", "bool"),
    "contact_name": ("row:contact_name", "text?"),
    "contact_email": ("row:contact_email", "text?"),
    "contact_phone": ("row:contact_phone", "text?"),
    "location_lat": ("lat", "float"),
    "location_lon": ("lon", "float"),
    "location_precision": ("precisions", "coded"),
    "municipality_ags": ("municipality_ags", "coded"),
    "municipality_name": ("row:municipality_name", "coded"),
    "kreis_code": ("kreis_codes", "coded"),
    "kreis_name": ("row:kreis_name", "coded"),
    "state": ("states", "coded"),
    "transit_class": ("transit_classes", "coded"),
    # Read for the vectors only: the location's features are derived again when a profile is built.
    "station_distance_km": ("", "vector"),
    "population_density": ("", "vector"),
    "kreis_commuter_balance_per_1000": ("", "vector"),
}
_PROBLEM_COLUMN = {code.value: i for i, code in enumerate(PROBLEMS)}


def vocabularies() -> dict[str, Vocabulary]:
    """The index's vocabularies plus one per coded extra column."""
    found = new_vocabularies()
    found.update({store: Vocabulary() for store, how in FIELDS.values() if how == "coded" and store not in found})
    return found


class PageEncoder:
    """Turns column pages into index rows, vectors and fingerprints; keeps the vocabularies across pages."""

    def __init__(self, vectoriser: Vectoriser, vocabularies: dict[str, Vocabulary]) -> None:
        self._vectoriser = vectoriser
        self.vocabularies = vocabularies

    def rows(self, page: ColumnPage) -> tuple[dict[str, Any], FloatMatrix, npt.NDArray[np.int64]]:
        columns = page.columns
        rows: dict[str, Any] = {}
        for column, (store, how) in FIELDS.items():
            values = columns[column]
            if how == "vector":
                continue
            if how == "coded":
                vocabulary = self.vocabularies[store]
                rows[store] = CodedColumn(vocabulary.encode(values), vocabulary)
            elif how == "text":
                rows[store] = np.asarray(values, dtype=StringDType())
            elif how == "text?":
                rows[store] = np.asarray(values, dtype=NULLABLE_TEXT)
            elif how == "float?":
                rows[store] = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
            else:
                rows[store] = np.asarray(values, dtype={"int": np.int64, "float": np.float64, "bool": np.bool_}[how])
        issues = np.zeros((len(page), len(PROBLEMS)), dtype=np.bool_)
        for row, codes in enumerate(page.issues):
            issues[row, [_PROBLEM_COLUMN[code] for code in codes]] = True
        rows["issues"] = issues
        sets = self.vocabularies["measure_sets"]
        rows["measure_sets"] = CodedColumn(sets.encode([tuple(sorted(set(m))) for m in page.measures]), sets)
        issue_codes = [sorted(codes) for codes in page.issues]
        vectors = self._vectoriser.transform_columns(
            issues=issues,
            sectors=columns["sector"],
            kinds=columns["kind"],
            employees=columns["employees"],
            shift_work=columns["shift_work"],
            station_distance_km=columns["station_distance_km"],
            population_density=columns["population_density"],
            commuter_balance_per_1000=columns["kreis_commuter_balance_per_1000"],
        )
        fingerprints = np.fromiter(
            (
                fingerprint(tuple(i), s, e, k, bool(w), d, p, b)
                for i, s, e, k, w, d, p, b in zip(
                    issue_codes, columns["sector"], columns["employees"], columns["kind"], columns["shift_work"],
                    columns["station_distance_km"], columns["population_density"],
                    columns["kreis_commuter_balance_per_1000"], strict=True,
                )
            ),
            dtype=np.int64,
            count=len(page),
        )  # fmt: skip
        return rows, vectors, fingerprints


EncodedPage = tuple[dict[str, Any], FloatMatrix, npt.NDArray[np.int64]]


def load_index(
    pages: Iterable[EncodedPage],
    vectoriser: Vectoriser,
    catalog: Catalog,
    spare: float,
    vocabularies: dict[str, Vocabulary],
) -> OrganisationIndex:
    """The index of every stored organisation from its encoded pages (:meth:`PageEncoder.rows`, ids ascending)."""
    parts = list(pages)
    if not parts:
        parts = [PageEncoder(vectoriser, vocabularies).rows(ColumnPage({c: [] for c in FIELDS}, [], []))]
    rows: dict[str, Any] = {}
    for name, first in parts[0][0].items():
        if isinstance(first, CodedColumn):
            rows[name] = CodedColumn(np.concatenate([p[0][name].codes for p in parts]), first.vocabulary)
        else:
            rows[name] = np.concatenate([p[0][name] for p in parts])
    vectors = np.concatenate([p[1] for p in parts]).reshape(-1, vectoriser.dimension)
    fingerprints = np.concatenate([p[2] for p in parts])
    return OrganisationIndex.from_rows(rows, vectors, fingerprints, vectoriser, catalog, vocabularies, spare)


def page_of(organisations: Sequence[Organisation]) -> ColumnPage:
    """Organisations (a few, just written) as a column page, like the store gives them."""
    cells = [organisation_row(o) for o in sorted(organisations, key=lambda o: o.id)]
    columns = {column: [row[column] for row in cells] for column in FIELDS}
    ordered = sorted(organisations, key=lambda o: o.id)
    return ColumnPage(
        columns, [[i.value for i in o.issues] for o in ordered], [list(o.measures_in_place) for o in ordered]
    )


def columns_of(
    organisations: Sequence[Organisation], vectoriser: Vectoriser, builder: ProfileBuilder
) -> OrganisationColumns:
    """``organisations`` indexed and seen as the live index sees them (for tests and tools)."""
    found = vocabularies()
    encoded = PageEncoder(vectoriser, found).rows(page_of(organisations))
    return OrganisationColumns(load_index([encoded], vectoriser, builder.reference.catalog, 0.0, found), builder)


class OrganisationColumns(Mapping[str, Organisation]):
    """The live organisations of an index, read-only: an Organisation is built from its row on lookup, its
    location features derived by ``builder``. Also gives the index the stop it names for a site.

    The last :data:`BUILT_KEPT` organisations built are kept (a route looks up the asking organisation and each
    peer it shows; a busy one is asked again and again). They are kept per instance, and every snapshot has its
    own instance, so a write is never answered from them. The Organisations are shared: callers must not
    mutate them (they copy with ``model_copy``)."""

    def __init__(
        self, index: OrganisationIndex, builder: ProfileBuilder, features: dict[int, LocationFeatures] | None = None
    ) -> None:
        self.index = index
        self._builder = builder
        # Features worked out so far, by position: positions keep their rows until a compaction, so a snapshot
        # after a write may share them (``following``).
        self._features = {} if features is None else features
        self._built: OrderedDict[int, Organisation] = OrderedDict()
        self._built_lock = threading.Lock()  # requests run in the thread pool
        index.stop_reader = self.site_stops

    def following(self, index: OrganisationIndex, builder: ProfileBuilder) -> OrganisationColumns:
        """The organisations of ``index``, which has this one's rows plus appended ones."""
        return OrganisationColumns(index, builder, self._features if builder is self._builder else None)

    def __getitem__(self, organisation_id: str) -> Organisation:
        position = self.index.position.get(organisation_id)
        if position is None:
            raise KeyError(organisation_id)
        return self.at(position)

    def get(self, organisation_id: str, default: Any = None) -> Organisation | None:  # type: ignore[override]
        position = self.index.position.get(organisation_id)
        return default if position is None else self.at(position)

    def __contains__(self, organisation_id: object) -> bool:
        return organisation_id in self.index.position

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids())

    def __len__(self) -> int:
        return self.index.count

    def ids(self, where: npt.NDArray[np.bool_] | None = None) -> list[str]:
        """Live ids (sorted), only those of the rows where ``where`` is true when given."""
        alive = self.index.alive if where is None else self.index.alive & where
        return sorted(self.index.ids[np.flatnonzero(alive)].tolist())

    def flag(self, column: str) -> npt.NDArray[np.bool_]:
        """A stored yes/no column (e.g. ``share_residence_aggregates``) for every row."""
        return np.asarray(self.index.column(FIELDS[column][0]), dtype=np.bool_)

    def without_features(self) -> Mapping[str, Organisation]:
        """The same organisations built without their derived location features (``features`` is unset):
        for access decisions over many members (cluster redaction), which read the profile and location only."""
        return _WithoutFeatures(self)

    def at(self, position: int) -> Organisation:
        """The organisation of this row, built once and kept while it is among the most recently used."""
        with self._built_lock:
            found = self._built.get(position)
            if found is not None:
                self._built.move_to_end(position)
                return found
        built = self._build(position)
        with self._built_lock:
            self._built[position] = built
            if len(self._built) > BUILT_KEPT:
                self._built.popitem(last=False)
        return built

    def _build(self, position: int) -> Organisation:
        row = self._row(position)
        features = self._features_of([position])[0]
        row.update({column: getattr(features, attr) for column, attr in FEATURE_COLUMNS.items()})
        issues = [PROBLEMS[i].value for i in np.flatnonzero(self.index.issues[position]).tolist()]
        return organisation_from_row(row, issues, list(self.index.column("measure_sets")[position]))

    def profile_at(self, position: int) -> Organisation:
        """:meth:`at` without the location features (not validated again: the row was valid when written)."""
        row = self._row(position)
        contact = {attr: row[column] for column, attr in CONTACT_COLUMNS.items()}
        return Organisation.model_construct(
            **{attr: row[column] for column, attr in PROFILE_COLUMNS.items()},
            issues=[PROBLEMS[i] for i in np.flatnonzero(self.index.issues[position]).tolist()],
            measures_in_place=list(self.index.column("measure_sets")[position]),
            contact=Contact(**contact) if any(contact.values()) else None,
            location=Location.model_construct(**{attr: row[column] for column, attr in LOCATION_COLUMNS.items()}),
        )

    def _row(self, position: int) -> dict[str, Any]:
        index = self.index
        row: dict[str, Any] = {}
        for column, (store, how) in FIELDS.items():
            if how == "vector":
                continue
            value = index.column(store)[position]
            if how == "float?":
                row[column] = None if math.isnan(value) else float(value)
            elif how in ("float", "int", "bool"):
                row[column] = value.item()
            else:
                row[column] = value
        return row

    def prefetch(self, ids: Sequence[str]) -> None:
        """Work out the location features of these organisations in one batch, before looking up many."""
        found = (self.index.position.get(i) for i in ids)
        self._features_of([p for p in found if p is not None])

    def site_stops(self, index: OrganisationIndex, positions: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
        """The index's ``stop_reader``: the stop named for each of these sites."""
        stops = np.empty(len(positions), dtype=object)
        wanted = positions.tolist()
        found = self._features_of(wanted) if index is self.index else location_features_of(index, wanted, self._builder)
        stops[:] = [site_stop(f) for f in found]
        return stops

    def _features_of(self, positions: list[int]) -> list[LocationFeatures]:
        cache = self._features
        missing = [p for p in dict.fromkeys(positions) if p not in cache]
        if missing:
            if len(cache) + len(missing) > FEATURES_KEPT:
                cache.clear()
            cache.update(zip(missing, location_features_of(self.index, missing, self._builder), strict=True))
        return [cache[p] for p in positions]


class _WithoutFeatures(Mapping[str, Organisation]):
    def __init__(self, columns: OrganisationColumns) -> None:
        self._columns = columns

    def __getitem__(self, organisation_id: str) -> Organisation:
        position = self._columns.index.position.get(organisation_id)
        if position is None:
            raise KeyError(organisation_id)
        return self._columns.profile_at(position)

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


def location_features_of(
    index: OrganisationIndex, positions: Sequence[int], builder: ProfileBuilder
) -> list[LocationFeatures]:
    """The derived location features of these rows, as ``builder`` gives them."""
    locations = [
        Location.model_construct(
            lat=float(index.lat[p]), lon=float(index.lon[p]), precision=index.precisions[p],
            municipality_ags=index.municipality_ags[p], municipality_name=index.column("row:municipality_name")[p],
            kreis_code=index.kreis_codes[p], kreis_name=index.column("row:kreis_name")[p], state=index.states[p],
        )
        for p in positions
    ]  # fmt: skip
    return location_features(builder.reference.geo, locations, builder.transit)


def estate_positions(index: OrganisationIndex, name: str) -> npt.NDArray[np.int64]:
    """Live rows whose estate is ``name`` (compared case-insensitively)."""
    column: CodedColumn = index.estate_names
    labels = column.vocabulary.labels.tolist()
    wanted = name.strip().casefold()
    codes = [code for code, label in enumerate(labels[:-1]) if label.casefold() == wanted]
    return np.flatnonzero(np.isin(column.codes, np.array(codes, dtype=np.int32)) & index.alive)
