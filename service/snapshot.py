"""The stored organisations as index columns: encoded from the store's Arrow columns a column at a time, rebuilt
one organisation at a time when looked up.

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
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from numpy.dtypes import StringDType

from matcher.catalog import Catalog
from matcher.columns import CodedColumn, Vocabulary, with_room
from matcher.geo.features import location_features
from matcher.index import OrganisationIndex, fingerprints, new_vocabularies
from matcher.models import Contact, Location, LocationFeatures, Organisation
from matcher.profiles import ProfileBuilder
from matcher.transit.situation import SiteStop, site_stop
from matcher.vectorise import PROBLEMS, FloatMatrix, Vectoriser
from service.storage.arrow_columns import CODE_SCHEMA, organisation_schema
from service.storage.repository import StoredColumns
from service.storage.rows import (
    CONTACT_COLUMNS,
    FEATURE_COLUMNS,
    LOCATION_COLUMNS,
    PROFILE_COLUMNS,
    organisation_from_row,
    organisation_row,
)

NULLABLE_TEXT = StringDType(na_object=None)
FEATURES_KEPT = 20_000  # derived location features (and the stops named from them) kept per index (a few kB each)
BUILT_KEPT = 2_048  # organisations built by lookup and kept per snapshot (the most recently used; a few kB each)
_UNKNOWN = object()  # a stop not kept (None is a kept value: no stop)

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
_PROBLEM_CODES = pa.array([code.value for code in PROBLEMS], type=pa.string())

EncodedRows = tuple[dict[str, Any], FloatMatrix, npt.NDArray[np.int64]]


def vocabularies() -> dict[str, Vocabulary]:
    """The index's vocabularies plus one per coded extra column."""
    found = new_vocabularies()
    found.update({store: Vocabulary() for store, how in FIELDS.values() if how == "coded" and store not in found})
    return found


class ColumnEncoder:
    """Turns stored columns into index rows, vectors and fingerprints, a whole column at a time (no work per row
    in Python); keeps the vocabularies across calls (a full load, then the few rows of each write)."""

    def __init__(self, vectoriser: Vectoriser, vocabularies: dict[str, Vocabulary]) -> None:
        self._vectoriser = vectoriser
        self.vocabularies = vocabularies

    def rows(self, stored: StoredColumns, spare: float = 0.0) -> EncodedRows:
        """The index rows of ``stored``, each column made with ``spare`` room to append (:func:`with_room`)."""
        table = stored.organisations
        rows: dict[str, Any] = {}
        for column, (store, how) in FIELDS.items():
            values = table.column(column)
            if how == "vector":
                continue
            if how == "coded":
                rows[store] = _coded(values, self.vocabularies[store], spare)
            elif how in ("text", "text?"):
                text_type = NULLABLE_TEXT if how == "text?" else StringDType()
                rows[store] = with_room(values.to_numpy(zero_copy_only=False), spare, text_type)
            elif how == "float?":
                rows[store] = with_room(values.fill_null(math.nan).to_numpy(), spare, np.float64)
            else:
                dtype = {"int": np.int64, "float": np.float64, "bool": np.bool_}[how]
                rows[store] = with_room(values.to_numpy(zero_copy_only=False), spare, dtype)
        issue_rows, measure_rows = _owner_rows(table.column("id"), stored.issues, stored.measures)
        rows["issues"] = issues = _issue_matrix(len(table), issue_rows, stored.issues.column("code"), spare)
        sets = _measure_sets(
            len(table), measure_rows, stored.measures.column("code"), self.vocabularies["measure_sets"]
        )
        rows["measure_sets"] = CodedColumn(with_room(sets.codes, spare, np.int32), sets.vocabulary)
        location = [
            np.asarray(table.column(name).to_numpy(), dtype=np.float64)
            for name in ("station_distance_km", "population_density", "kreis_commuter_balance_per_1000")
        ]
        vectors = self._vectoriser.transform_columns(
            issues=issues,
            sectors=rows["sectors"],
            kinds=rows["kinds"],
            employees=rows["employees"],
            shift_work=rows["row:shift_work"],
            station_distance_km=location[0],
            population_density=location[1],
            commuter_balance_per_1000=location[2],
        )
        found = fingerprints(
            issues, rows["sectors"], rows["employees"], rows["kinds"], rows["row:shift_work"], *location
        )
        dimension = (vectors.shape[1],)
        return rows, with_room(vectors, spare, np.float32, dimension), with_room(found, spare, np.int64)


def _coded(values: pa.ChunkedArray, vocabulary: Vocabulary, spare: float) -> CodedColumn:
    """A column dictionary-encoded by Arrow, its distinct values coded by ``vocabulary`` (adding new ones)."""
    encoded = values.combine_chunks().dictionary_encode()
    mapping = vocabulary.codes_for(encoded.dictionary.to_pylist())
    indices = np.asarray(encoded.indices.fill_null(-1).to_numpy(), dtype=np.int64)
    codes = with_room(np.full(len(indices), -1, dtype=np.int32), spare, np.int32)
    known = indices >= 0
    codes[known] = mapping[indices[known]]
    return CodedColumn(codes, vocabulary)


def _owner_rows(ids: pa.ChunkedArray, *pairs: pa.Table) -> list[npt.NDArray[np.int64]]:
    """For each table of (organisation_id, code) pairs, the row of each pair's organisation (-1 when it is not
    among ``ids``: written after the organisations were read). One hash table of the ids for all of them."""
    owners = pa.chunked_array(
        [chunk for table in pairs for chunk in table.column("organisation_id").chunks], type=pa.string()
    )
    found = pc.index_in(owners, value_set=ids.combine_chunks()).fill_null(-1)
    rows = np.asarray(found.to_numpy(), dtype=np.int64)
    ends = np.cumsum([len(table) for table in pairs])
    return np.split(rows, ends[:-1].tolist())


def _issue_matrix(
    size: int, rows: npt.NDArray[np.int64], codes: pa.ChunkedArray, spare: float
) -> npt.NDArray[np.bool_]:
    """The multi-hot problem matrix (``PROBLEMS`` order) of ``size`` rows from (row, code) pairs."""
    columns = np.asarray(pc.index_in(codes, value_set=_PROBLEM_CODES).fill_null(-1).to_numpy(), dtype=np.int64)
    known = rows >= 0
    if (columns[known] < 0).any():
        unknown = sorted(set(np.asarray(codes.to_numpy(zero_copy_only=False))[known & (columns < 0)].tolist()))
        raise ValueError(f"stored issues with unknown problem codes {unknown}")
    issues = with_room(np.zeros((size, len(PROBLEMS)), dtype=np.bool_), spare, np.bool_, (len(PROBLEMS),))
    issues[rows[known], columns[known]] = True
    return issues


def _measure_sets(
    size: int, rows: npt.NDArray[np.int64], codes: pa.ChunkedArray, vocabulary: Vocabulary
) -> CodedColumn:
    """Each row's measures in place as one sorted tuple, coded by ``vocabulary``: a bit per distinct measure id
    (in sorted order), rows with the same bits share one tuple, made once."""
    encoded = codes.combine_chunks().dictionary_encode()
    labels = encoded.dictionary.to_pylist()
    rank = np.argsort(np.argsort(np.array(labels, dtype=object), kind="stable")).astype(np.int64)
    known = rows >= 0
    bits = rank[np.asarray(encoded.indices.to_numpy(), dtype=np.int64)[known]]
    words = np.zeros((size, max(1, -(-len(labels) // 64))), dtype=np.uint64)
    np.bitwise_or.at(words, (rows[known], bits // 64), np.uint64(1) << (bits % 64).astype(np.uint64))
    if words.shape[1] == 1:
        distinct, inverse = np.unique(words[:, 0], return_inverse=True)
        distinct = distinct.reshape(-1, 1)
    else:
        distinct, inverse = np.unique(words, axis=0, return_inverse=True)
    ordered = sorted(labels)
    sets = [
        tuple(ordered[word * 64 + bit] for word, value in enumerate(key) for bit in range(64) if value >> bit & 1)
        for key in distinct.tolist()
    ]
    return CodedColumn(vocabulary.codes_for(sets)[inverse.reshape(-1)], vocabulary)


def load_index(
    stored: StoredColumns, encoder: ColumnEncoder, vectoriser: Vectoriser, catalog: Catalog, spare: float
) -> OrganisationIndex:
    """The index of every stored organisation (``stored.organisations`` ids ascending)."""
    rows, vectors, found = encoder.rows(stored, spare)
    del stored  # the caller passes it on, keeping no reference: its Arrow buffers go before the index is built
    return OrganisationIndex.from_rows(rows, vectors, found, vectoriser, catalog, encoder.vocabularies, spare)


def page_of(organisations: Sequence[Organisation]) -> StoredColumns:
    """Organisations (a few, just written) as stored columns, like the store gives them."""
    ordered = sorted(organisations, key=lambda o: o.id)
    cells = [organisation_row(o) for o in ordered]
    table = pa.table(
        {column: [row[column] for row in cells] for column in FIELDS}, schema=organisation_schema(list(FIELDS))
    )
    issues = [(o.id, code.value) for o in ordered for code in o.issues]
    measures = [(o.id, measure) for o in ordered for measure in o.measures_in_place]
    return StoredColumns(table, *(_code_table(pairs) for pairs in (issues, measures)))


def _code_table(pairs: list[tuple[str, str]]) -> pa.Table:
    return pa.Table.from_pylist([{"organisation_id": o, "code": c} for o, c in pairs], schema=CODE_SCHEMA)


def columns_of(
    organisations: Sequence[Organisation], vectoriser: Vectoriser, builder: ProfileBuilder
) -> OrganisationColumns:
    """``organisations`` indexed and seen as the live index sees them (for tests and tools)."""
    encoder = ColumnEncoder(vectoriser, vocabularies())
    index = load_index(page_of(organisations), encoder, vectoriser, builder.reference.catalog, 0.0)
    return OrganisationColumns(index, builder)


class Place(NamedTuple):
    """Where a stored organisation is and what it agreed to, read from its row without building its profile: what
    a result placing it needs (its row, to build the profile where its contact data may be shown)."""

    position: int
    lat: float  # location.lat
    lon: float  # location.lon
    municipality: str  # location.municipality_name
    estate: str | None
    synthetic: bool
    visible_to_peers: bool
    contact_shareable: bool


class OrganisationColumns(Mapping[str, Organisation]):
    """The live organisations of an index, read-only: an Organisation is built from its row on lookup, its
    location features derived by ``builder``. Also gives the index the stop it names for a site.

    The last :data:`BUILT_KEPT` organisations built are kept (a route looks up the asking organisation and each
    peer it shows; a busy one is asked again and again). They are kept per instance, and every snapshot has its
    own instance, so a write is never answered from them. The Organisations are shared: callers must not
    mutate them (they copy with ``model_copy``)."""

    def __init__(
        self,
        index: OrganisationIndex,
        builder: ProfileBuilder,
        kept: tuple[dict[int, LocationFeatures], dict[int, SiteStop | None]] | None = None,
    ) -> None:
        self.index = index
        self._builder = builder
        # Features and named stops worked out so far, by position: positions keep their rows until a compaction, so
        # a snapshot after a write may share them (``following``). The stops are kept apart: naming a site's stop
        # from its features took ~0.8 µs a peer on every answer (100,000 store: 11 µs for ten, 3 µs kept).
        self._features, self._stops = ({}, {}) if kept is None else kept
        self._built: OrderedDict[int, Organisation] = OrderedDict()
        self._built_lock = threading.Lock()  # requests run in the thread pool
        index.stop_reader = self.site_stops

    def following(self, index: OrganisationIndex, builder: ProfileBuilder) -> OrganisationColumns:
        """The organisations of ``index``, which has this one's rows plus appended ones."""
        return OrganisationColumns(index, builder, (self._features, self._stops) if builder is self._builder else None)

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

    def places(self, ids: Sequence[str]) -> list[Place]:
        """The :class:`Place` of each of these stored organisations (KeyError for one not stored), a column at a time:
        the values their Organisations have (tests/service/test_live_columns.py), without building a profile that is
        not kept (a validated Organisation with its location features)."""
        positions = self.index.position.get_many(ids)
        if None in positions:
            raise KeyError(ids[positions.index(None)])
        return self.places_at(cast(list[int], positions))

    def places_at(self, positions: Sequence[int]) -> list[Place]:
        """:meth:`places` of the organisations at these rows of the index (live rows, as the index's searches
        give them)."""
        index, rows = self.index, np.array(positions, dtype=np.int64)
        estates = [estate or None for estate in index.estate_names[rows].tolist()]  # as Organisation validates it
        return list(
            map(
                Place, rows.tolist(), index.lat[rows].tolist(), index.lon[rows].tolist(),
                index.column("row:municipality_name")[rows].tolist(), estates,
                index.column("row:synthetic")[rows].tolist(), index.visible[rows].tolist(),
                index.column("row:contact_shareable")[rows].tolist(),
            )
        )  # fmt: skip

    def prefetch(self, ids: Sequence[str]) -> None:
        """Work out the location features of these organisations in one batch, before looking up many."""
        found = (self.index.position.get(i) for i in ids)
        self._features_of([p for p in found if p is not None])

    def site_stops(self, index: OrganisationIndex, positions: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
        """The index's ``stop_reader``: the stop named for each of these sites."""
        stops = np.empty(len(positions), dtype=object)
        wanted = positions.tolist()
        if index is not self.index:
            stops[:] = [site_stop(f) for f in location_features_of(index, wanted, self._builder)]
            return stops
        kept = self._stops
        found = [kept.get(p, _UNKNOWN) for p in wanted]  # read once: another thread may clear them meanwhile
        missing = [p for p, stop in zip(wanted, found, strict=True) if stop is _UNKNOWN]
        if missing:
            if len(kept) + len(missing) > FEATURES_KEPT:
                kept.clear()
            made = dict(zip(missing, map(site_stop, self._features_of(missing)), strict=True))
            kept.update(made)
            found = [made[p] if stop is _UNKNOWN else stop for p, stop in zip(wanted, found, strict=True)]
        stops[:] = found
        return stops

    def _features_of(self, positions: list[int]) -> list[LocationFeatures]:
        cache = self._features
        missing = [p for p in dict.fromkeys(positions) if p not in cache]
        if missing:
            if len(cache) + len(missing) > FEATURES_KEPT:
                # Cleared: the positions found in it a moment ago are missing now too (else a KeyError below).
                cache.clear()
                missing = list(dict.fromkeys(positions))
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
