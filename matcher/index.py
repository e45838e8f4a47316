"""An in-memory index of organisations: aligned columns plus k-d trees per peer group, with appended rows.

Columns are numpy arrays and dictionary-encoded codes (``matcher.columns``), no object per organisation.
Positions in the arrays are internal; everything that leaves the library uses organisation ids.
Geometry is float64 unit vectors (exact great-circle radius and nearest-neighbour queries);
feature vectors are float32.
"""

from __future__ import annotations

import math
import struct
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from matcher.catalog import Catalog
from matcher.columns import CodedColumn, ColumnStore, Vocabulary, coded, text
from matcher.geo.distance import chord_to_km, km_to_chord, to_unit_vectors
from matcher.models import Organisation
from matcher.transit.model import TransitClass
from matcher.transit.situation import site_stop
from matcher.vectorise import PROBLEMS, FloatMatrix, Vectoriser
from matcher.vocabulary import LocationPrecision, OrganisationKind, Sector

IntArray = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]

# Who is matched with whom: employers with employers, municipalities and Kreise with each other.
PEER_GROUPS: dict[OrganisationKind, str] = {
    OrganisationKind.COMPANY: "employers",
    OrganisationKind.CRAFT_BUSINESS: "employers",
    OrganisationKind.PUBLIC_AGENCY: "employers",
    OrganisationKind.ASSOCIATION: "employers",
    OrganisationKind.MUNICIPALITY: "territorial",
    OrganisationKind.DISTRICT: "territorial",
}


def estate_key(estate: str | None) -> str:
    """Estate names compared case- and space-insensitively; '' means none."""
    return " ".join((estate or "").casefold().split())


def measure_problem_matrix(catalog: Catalog) -> tuple[list[str], BoolMatrix]:
    """Measure ids (catalogue order) and which problem codes (``PROBLEMS`` order) each addresses."""
    ids = list(catalog.measures)
    column = {code: i for i, code in enumerate(PROBLEMS)}
    matrix = np.zeros((len(ids), len(PROBLEMS)), dtype=np.bool_)
    for row, measure_id in enumerate(ids):
        for code in catalog.measures[measure_id].addresses:
            matrix[row, column[code]] = True
    return ids, matrix


_PROBLEM_COLUMN = {code: i for i, code in enumerate(PROBLEMS)}


def _problem_mask(organisation: Organisation) -> npt.NDArray[np.bool_]:
    mask = np.zeros(len(PROBLEMS), dtype=np.bool_)
    mask[[_PROBLEM_COLUMN[code] for code in organisation.issues]] = True
    return mask


@dataclass(frozen=True)
class QueryPoint:
    """An organisation in the index's terms (it need not be stored in the index)."""

    position: int  # -1 when the organisation is not in the index
    group: str
    xyz: npt.NDArray[np.float64]
    estate: str
    issues: npt.NDArray[np.bool_]
    vector: npt.NDArray[np.float32]


@dataclass(frozen=True)
class Neighbours:
    positions: IntArray
    distance_km: npt.NDArray[np.float64]
    radius_km: float


class PositionLookup:
    """id -> position of the live row with that id: a binary search in the base (sorted by id at
    compaction) and a small dict for rows appended since."""

    __slots__ = ("_alive", "_delta", "_keys")

    def __init__(self, keys: npt.NDArray[np.bytes_], alive: npt.NDArray[np.bool_], delta: dict[str, int]) -> None:
        self._keys, self._alive, self._delta = keys, alive, delta

    def get(self, organisation_id: str, default: int | None = None) -> int | None:
        found = self._delta.get(organisation_id)
        if found is not None:
            return found
        key = organisation_id.encode("utf-8")
        if len(key) > self._keys.dtype.itemsize or key.endswith(b"\0"):
            return default
        at = int(np.searchsorted(self._keys, key))
        if at < len(self._keys) and self._keys[at] == key and self._alive[at]:
            return at
        return default

    def get_many(self, organisation_ids: Sequence[str]) -> list[int | None]:
        """:meth:`get` of each id (None where not found), with one binary search for all of them: a search per
        id costs a NumPy call each (100,000 rows: ten ids one by one 15 µs, at once 8 µs)."""
        found: list[int | None] = [self._delta.get(i) for i in organisation_ids]
        keys = self._keys
        width = keys.dtype.itemsize
        encoded = [i.encode("utf-8") for i in organisation_ids]
        asked = [
            n for n, key in enumerate(encoded) if found[n] is None and len(key) <= width and not key.endswith(b"\0")
        ]
        if not asked or not len(keys):
            return found
        wanted = np.array([encoded[n] for n in asked], dtype=keys.dtype)
        at = keys.searchsorted(wanted)  # the method: np.searchsorted's dispatch costs more than ten searches
        inside = np.minimum(at, len(keys) - 1)
        hit = (at < len(keys)) & (keys[inside] == wanted) & self._alive[inside]
        for n, position, ok in zip(asked, at.tolist(), hit.tolist(), strict=True):
            if ok:
                found[n] = position
        return found

    def __getitem__(self, organisation_id: str) -> int:
        found = self.get(organisation_id)
        if found is None:
            raise KeyError(organisation_id)
        return found

    def __contains__(self, organisation_id: object) -> bool:
        return isinstance(organisation_id, str) and self.get(organisation_id) is not None


# Columns every index row has, as :func:`index_rows` produces them from organisations and the service from
# stored rows. Coded ones are dictionary-encoded (their vocabularies start with the enum members, so they
# give the same enum values an Organisation has).
CODED_COLUMNS: dict[str, tuple[Any, ...]] = {
    "kinds": tuple(OrganisationKind),
    "groups": tuple(sorted(set(PEER_GROUPS.values()))),
    "estates": (),
    "estate_names": (),
    "municipality_ags": (),
    "postcodes": (),
    "precisions": tuple(LocationPrecision),
    "kreis_codes": (),
    "states": (),
    "sectors": tuple(Sector),
    "transit_classes": tuple(TransitClass),
    "transit_stops": (),
    "measure_sets": (),
}


def new_vocabularies() -> dict[str, Vocabulary]:
    return {name: Vocabulary(seed) for name, seed in CODED_COLUMNS.items()}


def index_rows(organisations: Sequence[Organisation]) -> dict[str, Any]:
    """The index's input columns (values, not codes) of ``organisations``."""
    issues = np.zeros((len(organisations), len(PROBLEMS)), dtype=np.bool_)
    for row, organisation in enumerate(organisations):
        issues[row, [_PROBLEM_COLUMN[code] for code in organisation.issues]] = True
    return {
        "ids": [o.id for o in organisations],
        "names": [o.name for o in organisations],
        "kinds": [o.kind for o in organisations],
        "lat": np.array([o.location.lat for o in organisations], dtype=np.float64),
        "lon": np.array([o.location.lon for o in organisations], dtype=np.float64),
        "estate_names": [o.estate for o in organisations],
        "municipality_ags": [o.location.municipality_ags for o in organisations],
        "postcodes": [o.postcode for o in organisations],
        "precisions": [o.location.precision for o in organisations],
        "kreis_codes": [o.location.kreis_code for o in organisations],
        "states": [o.location.state for o in organisations],
        "employees": np.array([o.employees for o in organisations], dtype=np.int64),
        "sectors": [o.sector for o in organisations],
        "issues": issues,
        "measure_sets": [tuple(o.measures_in_place) for o in organisations],
        "visible": np.array([o.visible_to_peers for o in organisations], dtype=np.bool_),
        "transit_classes": [o.features.transit_class for o in organisations],
        "transit_stops": [site_stop(o.features) for o in organisations],
    }


def derived_rows(
    rows: Mapping[str, Any],
    measure_ids: list[str],
    addresses: BoolMatrix,
    vocabularies: Mapping[str, Vocabulary] | None = None,
) -> dict[str, Any]:
    """What the index derives from its input columns: peer group (coded by ``vocabularies`` when given and the
    kinds are coded), estate key, unit vector, measure and solved matrices."""
    kinds = rows["kinds"]
    groups: Any
    if isinstance(kinds, CodedColumn) and vocabularies is not None:  # one group per kind, then gathered
        group_codes = [
            -1 if kind is None else vocabularies["groups"].codes_for([PEER_GROUPS[kind]])[0]
            for kind in kinds.vocabulary.labels.tolist()
        ]
        table = np.array(group_codes, dtype=np.int32)
        groups = CodedColumn(table[np.where(kinds.codes < 0, len(table) - 1, kinds.codes)], vocabularies["groups"])
    else:
        groups = [PEER_GROUPS[k] for k in (kinds.tolist() if isinstance(kinds, CodedColumn) else list(kinds))]
    measure_column = {m: i for i, m in enumerate(measure_ids)}
    sets = rows["measure_sets"]
    if isinstance(sets, CodedColumn):  # one row per distinct set in use, then gathered
        used, inverse = np.unique(sets.codes, return_inverse=True)
        labels = sets.vocabulary.labels[used].tolist()
        table = np.zeros((len(used), len(measure_ids)), dtype=np.bool_)
        for row, measure_set in enumerate(labels):
            table[row, [measure_column[m] for m in measure_set or () if m in measure_column]] = True
        measures = table[inverse.reshape(-1)]
    else:
        measures = np.zeros((len(sets), len(measure_ids)), dtype=np.bool_)
        for row, measure_set in enumerate(sets):
            measures[row, [measure_column[m] for m in measure_set if m in measure_column]] = True
    estate_names = rows["estate_names"]
    if isinstance(estate_names, CodedColumn):
        used, inverse = np.unique(estate_names.codes, return_inverse=True)
        keys = np.array([estate_key(e) for e in estate_names.vocabulary.labels[used].tolist()], dtype=object)
        estates: Any = keys[inverse.reshape(-1)]
    else:
        estates = [estate_key(e) for e in estate_names]
    lat, lon = rows["lat"], rows["lon"]
    return {
        "groups": groups,
        "estates": estates,
        "xyz": to_unit_vectors(lat, lon) if len(lat) else np.zeros((0, 3)),
        "measures": measures,
        "solved": (measures.astype(np.float32) @ addresses.astype(np.float32)) > 0,
    }


BlockKey = tuple[str, int | None, bool]


class OrganisationIndex:
    """Aligned columns (one row per stored organisation version) plus k-d trees over the base rows.

    Rows are never changed in place: a write marks the old row dead (``alive``) and appends the new one
    (:meth:`with_changes`); searches use the base trees, skipping dead rows, and scan the appended rows
    (few) with numpy. :meth:`compacted` rebuilds base and trees from the live rows. Positions are internal;
    everything that leaves the library uses organisation ids, and ties are broken by comparing ids."""

    def __init__(
        self,
        store: ColumnStore,
        size: int,
        alive: npt.NDArray[np.bool_],
        base: int,
        blocks: Blocks,
        dead: dict[BlockKey, int],
        delta_ids: dict[str, int],
        measure_ids: list[str],
        measure_addresses: BoolMatrix,
        issue_weights: npt.NDArray[np.float64],
    ) -> None:
        self.store = store
        self.size = size
        self.alive = alive
        self.base = base  # rows [0, base) are in the trees, sorted by id
        self.blocks = blocks
        self.dead = dead  # dead base rows per tree
        self.delta_ids = delta_ids
        self.measure_ids = measure_ids
        self.measure_addresses = measure_addresses
        self.issue_weights = issue_weights
        self.position = PositionLookup(_sorted_keys(store, base), alive, delta_ids)
        self.count = int(alive.sum())
        # Works out the transit_stops of rows when the store has no such column (kept through writes).
        self.stop_reader: Callable[[OrganisationIndex, IntArray], npt.NDArray[np.object_]] | None = None

    # -- columns (views of the first ``size`` rows of the shared store) -------------------------------
    def column(self, name: str) -> Any:
        return self.store.view(name, self.size)

    ids = property(lambda self: self.column("ids"))
    names = property(lambda self: self.column("names"))
    kinds = property(lambda self: self.column("kinds"))
    groups = property(lambda self: self.column("groups"))
    xyz = property(lambda self: self.column("xyz"))
    lat = property(lambda self: self.column("lat"))
    lon = property(lambda self: self.column("lon"))
    estates = property(lambda self: self.column("estates"))
    estate_names = property(lambda self: self.column("estate_names"))  # as written (None where none)
    municipality_ags = property(lambda self: self.column("municipality_ags"))
    postcodes = property(lambda self: self.column("postcodes"))  # as given (None where only coordinates were)
    precisions = property(lambda self: self.column("precisions"))
    kreis_codes = property(lambda self: self.column("kreis_codes"))
    states = property(lambda self: self.column("states"))
    employees = property(lambda self: self.column("employees"))
    sectors = property(lambda self: self.column("sectors"))
    issues = property(lambda self: self.column("issues"))  # (n, len(PROBLEMS))
    measures = property(lambda self: self.column("measures"))  # (n, len(measure_ids))
    solved = property(lambda self: self.column("solved"))  # problems addressed by the measures in place
    visible = property(lambda self: self.column("visible"))
    transit_classes = property(lambda self: self.column("transit_classes"))

    @property
    def transit_stops(self) -> Any:
        """The stop named for each site (SiteStop or None): a column when the index was built from
        organisations, else worked out for the rows asked for by ``stop_reader`` (the service's)."""
        if "transit_stops" in self.store.names:
            return self.column("transit_stops")
        assert self.stop_reader is not None, "an index without stop column needs a stop_reader"
        reader = self.stop_reader
        return _ReadOnDemand(lambda positions: reader(self, positions))

    vectors = property(lambda self: self.column("vectors"))
    fingerprints = property(lambda self: self.column("fingerprints"))

    @classmethod
    def build(
        cls, organisations: Sequence[Organisation], vectoriser: Vectoriser, catalog: Catalog
    ) -> OrganisationIndex:
        """Index ``organisations`` (any order)."""
        ordered = sorted(organisations, key=lambda o: o.id)
        return cls.from_rows(
            index_rows(ordered),
            vectoriser.transform(ordered),
            np.array([vector_fingerprint(o) for o in ordered], dtype=np.int64),
            vectoriser,
            catalog,
        )

    @classmethod
    def from_rows(
        cls,
        rows: Mapping[str, Any],
        vectors: FloatMatrix,
        fingerprints: npt.NDArray[np.int64],
        vectoriser: Vectoriser,
        catalog: Catalog,
        vocabularies: Mapping[str, Vocabulary] | None = None,
        spare: float = 0.05,
    ) -> OrganisationIndex:
        """An index of ``rows`` (sorted by id; coded columns as values or as :class:`CodedColumn` of
        ``vocabularies``). Columns beyond the index's own (the service's, for rebuilding a profile) are kept
        aligned: appended, compacted and viewed (:meth:`column`) with the others."""
        vocabularies = dict(vocabularies or new_vocabularies())
        measure_ids, addresses = measure_problem_matrix(catalog)
        columns = {
            **rows,
            **derived_rows(rows, measure_ids, addresses, vocabularies),
            "vectors": vectors,
            "fingerprints": fingerprints,
        }
        plain: dict[str, npt.NDArray[Any]] = {}
        coded_columns: dict[str, CodedColumn] = {}
        for name, values in columns.items():
            if isinstance(values, CodedColumn):
                coded_columns[name] = values
            elif name in vocabularies:
                coded_columns[name] = coded(values, vocabularies[name])
            elif name in ("ids", "names"):
                plain[name] = text(values)
            else:
                plain[name] = np.asarray(values)
        store = ColumnStore.from_columns(plain, coded_columns, spare)
        size = len(vectors)
        alive = np.ones(size, dtype=np.bool_)
        index = cls(store, size, alive, size, Blocks(), {}, {}, measure_ids, addresses, vectoriser.issue_weights)
        index.blocks = Blocks.of(index, np.arange(size, dtype=np.int64))
        return index

    def __len__(self) -> int:
        """Rows, live and dead (positions run below this); :attr:`count` is the live ones."""
        return self.size

    def live_positions(self) -> IntArray:
        return np.flatnonzero(self.alive)

    @property
    def delta_size(self) -> int:
        """Rows appended since the base was built (live or dead)."""
        return self.size - self.base

    def id_order(self, positions: IntArray) -> IntArray:
        """A sort key that orders ``positions`` by organisation id (the deterministic tie-breaker)."""
        if not len(positions) or int(positions.max()) < self.base:
            return positions  # base rows are sorted by id
        ranks = np.empty(len(positions), dtype=np.int64)
        ranks[np.argsort(self.ids[positions], kind="stable")] = np.arange(len(positions))
        return ranks

    # -- writes ------------------------------------------------------------------------------------------
    def with_changes(
        self,
        removed: Sequence[str],
        rows: Mapping[str, Any],
        vectors: FloatMatrix,
        fingerprints: npt.NDArray[np.int64],
    ) -> OrganisationIndex:
        """A new index where the live rows of ``removed`` ids are dead and ``rows`` (values, like
        :func:`index_rows` gives them, plus any extra columns) are appended. O(changed rows) plus one copy
        of the ``alive`` mask; this index stays as it was."""
        count = len(vectors)
        alive = np.ones(self.size + count, dtype=np.bool_)
        alive[: self.size] = self.alive
        dead = dict(self.dead)
        delta_ids = dict(self.delta_ids)
        for organisation_id in removed:
            position = self.position.get(organisation_id)
            if position is None:
                continue
            alive[position] = False
            delta_ids.pop(organisation_id, None)
            if position < self.base:
                for key in self._block_keys(position):
                    dead[key] = dead.get(key, 0) + 1
        store = self.store
        if count:
            columns = {
                **rows,
                **derived_rows(rows, self.measure_ids, self.measure_addresses),
                "vectors": vectors,
                "fingerprints": fingerprints,
            }
            for name in ("ids", "names"):
                columns[name] = text(columns[name])
            store = self.store.appended(self.size, columns)
            delta_ids.update((str(i), self.size + n) for n, i in enumerate(rows["ids"]))
        changed = OrganisationIndex(
            store, self.size + count, alive, self.base, self.blocks, dead, delta_ids,
            self.measure_ids, self.measure_addresses, self.issue_weights,
        )  # fmt: skip
        changed.stop_reader = self.stop_reader
        return changed

    def updated(
        self,
        removed: Sequence[str],
        organisations: Sequence[Organisation],
        vectoriser: Vectoriser,
        extra: Mapping[str, Any] | None = None,
    ) -> OrganisationIndex:
        """:meth:`with_changes` for organisations: the rows of ``removed`` ids (and of every id in
        ``organisations``) dead, ``organisations`` appended with ``extra`` columns (the caller's)."""
        ordered = sorted(organisations, key=lambda o: o.id)
        return self.with_changes(
            [*removed, *(o.id for o in ordered)],
            {**index_rows(ordered), **(extra or {})},
            vectoriser.transform(ordered),
            np.array([vector_fingerprint(o) for o in ordered], dtype=np.int64),
        )

    def compacted(self, spare: float = 0.05) -> OrganisationIndex:
        """The live rows sorted by id as a new base with fresh trees (what a full rebuild gives)."""
        live = self.live_positions()
        positions = live[np.argsort(self.ids[live], kind="stable")] if self.delta_size else live
        store = self.store.taken(positions, spare)
        size = len(positions)
        index = OrganisationIndex(
            store, size, np.ones(size, dtype=np.bool_), size, Blocks(), {}, {},
            self.measure_ids, self.measure_addresses, self.issue_weights,
        )  # fmt: skip
        index.blocks = Blocks.of(index, np.arange(size, dtype=np.int64))
        index.stop_reader = self.stop_reader
        return index

    def _block_keys(self, position: int) -> list[BlockKey]:
        group = str(self.groups[position])
        problems: list[int | None] = [None, *np.flatnonzero(self.issues[position]).tolist()]
        keys = [(group, p, False) for p in problems]
        if self.visible[position]:
            keys += [(group, p, True) for p in problems]
        return keys

    # -- queries -----------------------------------------------------------------------------------------
    def query_point(self, organisation: Organisation, vectoriser: Vectoriser) -> QueryPoint:
        """A stored, unchanged organisation reuses its row's vector; others (an unsaved or edited
        profile) are vectorised now."""
        position = self.position.get(organisation.id, -1)
        assert position is not None
        if position >= 0 and self.fingerprints[position] == vector_fingerprint(organisation):
            vector = self.vectors[position]
        else:
            vector = vectoriser.transform([organisation])[0]
        location = organisation.location
        # The row's unit vector while the row is at this location: to_unit_vectors gives a point the same bits alone
        # as in a column, and one point costs ~10 µs of NumPy calls (more in a server, where its code runs cold).
        if position >= 0 and self.lat[position] == location.lat and self.lon[position] == location.lon:
            xyz = self.xyz[position].copy()
        else:
            xyz = to_unit_vectors(np.array([location.lat]), np.array([location.lon]))[0]
        return QueryPoint(
            position=position,
            group=PEER_GROUPS[organisation.kind],
            xyz=xyz,
            estate=estate_key(organisation.estate),
            issues=_problem_mask(organisation),
            vector=vector,
        )

    def nearby(
        self, group: str, xyz: npt.NDArray[np.float64], radius_km: float, limit: int, *, visible_only: bool = False
    ) -> Neighbours:
        """Up to ``limit`` live members of ``group`` nearest to ``xyz`` within ``radius_km`` (exact great circle)."""
        positions, distance = self._nearest((group, None, visible_only), xyz, radius_km, limit)
        return Neighbours(positions, distance, radius_km)

    def peer_candidates(
        self, query: QueryPoint, radius_km: float, nearest: int, per_problem: int, problems: int, *, visible_only: bool
    ) -> Neighbours:
        """Blocking for peers, all within ``radius_km``: the ``nearest`` closest members of the query's
        group and the ``per_problem`` closest ones reporting each of its ``problems`` rarest problems.
        (Estates are compact, so their members sharing a problem, or simply near, are among these.)
        ``visible_only`` searches trees of visible organisations, so hidden ones never crowd them out."""
        mine = np.flatnonzero(query.issues)
        rarest = mine[np.argsort(-self.issue_weights[mine], kind="stable")][:problems]
        bound = km_to_chord(radius_km)
        found = [self._nearest_rows((query.group, None, visible_only), query.xyz, radius_km, bound, nearest)]
        found += [
            self._nearest_rows((query.group, problem, visible_only), query.xyz, radius_km, bound, per_problem)
            for problem in rarest.tolist()
        ]
        # The union's distances are computed once, row by row as each search computes them (so alike). Small
        # arrays: sorting and dropping repeats, ``take`` and the norm written out cost a fraction of np.unique's
        # hashing, fancy indexing and np.linalg.norm's generic path (which is this same sum of squares, summed
        # along the row as here, so the values are bit for bit the same).
        positions = _distinct(np.concatenate(found))
        positions = positions[self.alive.take(positions)]
        chord = _chord(self.xyz, positions, query.xyz)
        inside = chord < bound  # as the trees' distance_upper_bound
        positions, distance = positions[inside], chord_to_km(chord[inside])
        inside = distance <= radius_km
        positions, distance = positions[inside], distance[inside]
        order = np.lexsort((self.id_order(positions), distance))
        return Neighbours(positions[order], distance[order], radius_km)

    def _nearest_rows(
        self, key: BlockKey, xyz: npt.NDArray[np.float64], radius_km: float, bound: float, limit: int
    ) -> IntArray:
        """The rows :meth:`_nearest` finds, in no order, and possibly with rows farther than the chord ``bound``
        (the caller measures the distances once for all its searches): when the block has neither dead nor
        appended rows and its tree's answer is the nearest rows without a tie at the limit, that answer itself,
        spared the measuring and sorting; otherwise :meth:`_nearest`'s."""
        block = self.blocks.get(key)
        if block is not None and self.size == self.base and key not in self.dead:
            size = block.tree.n
            k = min(limit, size)
            chord, local = block.tree.query(xyz, k=min(k + 1, size), distance_upper_bound=bound)
            if size == 1:  # a single neighbour comes as scalars
                chord, local = np.atleast_1d(chord), np.atleast_1d(local)
            last = float(chord[k - 1])  # the tree's answer is sorted, misses (inf) last
            if last == math.inf:  # fewer than k within the bound: those found
                rows: IntArray = block.members.take(local[: int(np.searchsorted(chord[:k], math.inf))])
                return rows
            # As in _nearest: the whole tree, or the next row clearly farther.
            if k == size or float(chord[k]) > last * (1 + 1e-9) ** 2:
                rows = block.members.take(local[:k])
                return rows
        return self._nearest(key, xyz, radius_km, limit)[0]

    def _nearest(
        self, key: BlockKey, xyz: npt.NDArray[np.float64], radius_km: float, limit: int
    ) -> tuple[IntArray, npt.NDArray[np.float64]]:
        """The ``limit`` live rows of the block ``key`` nearest to ``xyz`` within the radius, ties by id: the
        base tree asked for as many more as it has dead rows (and, when a tie reaches past its answer, for
        all rows as near), and the appended rows scanned."""
        bound = km_to_chord(radius_km)
        found = np.zeros(0, dtype=np.int64)
        block = self.blocks.get(key)
        last = math.inf  # the tree's farthest answer, when more rows may lie as far
        if block is not None:
            size = block.tree.n
            k = min(limit + self.dead.get(key, 0), size)
            # One row more than needed: when it lies clearly farther than the k-th, no row outside the answer is
            # as near as the k-th, and the search for ties below (a ball query: as costly as the rest) is spared.
            chord, local = block.tree.query(xyz, k=min(k + 1, size), distance_upper_bound=bound)
            chord, local = np.atleast_1d(chord), np.atleast_1d(local)
            beyond = float(chord[k]) if k < size else math.inf
            chord, local = chord[:k], local[:k]
            hit = np.isfinite(chord)
            found = block.members[local[hit]]
            untied = math.isfinite(beyond) and beyond > float(chord[-1]) * (1 + 1e-9) ** 2
            if hit.all() and k < size and not untied:
                last = float(chord[-1])
        found = np.concatenate((found, self._delta_members(key)))
        found, chord = self._by_distance(found, xyz, bound)
        if len(found) >= limit and chord[limit - 1] >= last * (1 - 1e-9):
            assert block is not None  # a tie at the limit that may go on beyond the tree's answer
            tied = block.members[block.tree.query_ball_point(xyz, last * (1 + 1e-9))]
            found, chord = self._by_distance(np.union1d(found, tied), xyz, bound)
        return found[:limit], chord_to_km(chord[:limit])

    def _delta_members(self, key: BlockKey) -> IntArray:
        """Appended live rows that belong to the block ``key``."""
        if self.size == self.base:
            return np.zeros(0, dtype=np.int64)
        group, problem, visible_only = key
        mask = self.alive[self.base :] & (self.groups.codes[self.base :] == self.groups.vocabulary.code(group))
        if visible_only:
            mask &= self.visible[self.base :]
        if problem is not None:
            mask &= self.issues[self.base :, problem]
        return self.base + np.flatnonzero(mask)

    def _by_distance(
        self, positions: IntArray, xyz: npt.NDArray[np.float64], bound: float
    ) -> tuple[IntArray, npt.NDArray[np.float64]]:
        """The live ``positions`` within the chord ``bound`` of ``xyz``, nearest first, ties by id."""
        positions = positions[self.alive[positions]]
        chord = np.linalg.norm(self.xyz[positions] - xyz, axis=1)
        inside = chord < bound  # as the trees' distance_upper_bound
        positions, chord = positions[inside], chord[inside]
        order = np.lexsort((self.id_order(positions), chord))
        return positions[order], chord[order]


def _distinct(positions: IntArray) -> IntArray:
    """The distinct ``positions``, sorted (np.unique's answer)."""
    ordered = np.sort(positions)
    first = np.empty(len(ordered), dtype=np.bool_)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _chord(
    xyz: npt.NDArray[np.float64], positions: IntArray, point: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Chord lengths from ``point`` to the rows ``positions`` of ``xyz``: np.linalg.norm(xyz[positions] - point, axis=1)
    as it computes it (the squares summed along each row), without its generic path."""
    difference = xyz.take(positions, axis=0)
    difference -= point
    difference *= difference
    chord: npt.NDArray[np.float64] = np.sqrt(difference.sum(axis=1))
    return chord


def _sorted_keys(store: ColumnStore, base: int) -> npt.NDArray[np.bytes_]:
    """The base's ids as fixed-width bytes, for a fast binary search (made once per base, shared after)."""
    cached: npt.NDArray[np.bytes_] | None = store.cache.get(("keys", base))
    if cached is None:
        ids = np.asarray(store.view("ids", base))  # ASCII (ORGANISATION_ID_PATTERN): characters are bytes
        width = int(np.strings.str_len(ids).max()) if len(ids) else 1
        cached = store.cache[("keys", base)] = ids.astype(f"S{width}")
    return cached


class _ReadOnDemand:
    """A column whose values are worked out for the positions asked for."""

    def __init__(self, read: Callable[[IntArray], npt.NDArray[np.object_]]) -> None:
        self._read = read

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (int, np.integer)):
            return self._read(np.array([key], dtype=np.int64))[0]
        return self._read(np.asarray(key, dtype=np.int64))


@dataclass(frozen=True)
class _Block:
    members: IntArray  # index positions, in tree order
    tree: cKDTree


class Blocks:
    """The k-d trees of a base, one per (peer group, problem column or None, visible only). The trees over
    visible organisations are built with the base (every peers answer for an organisation asks them); those over
    all organisations (only roles that may see hidden peers ask them) by :meth:`build_pending` after the base is
    served, or at their first use if that comes earlier: once per (group), under a lock, and then shared by
    every snapshot of the base."""

    def __init__(self) -> None:
        self._built: dict[BlockKey, _Block] = {}
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, bool], tuple[OrganisationIndex, IntArray]] = {}

    @classmethod
    def of(cls, index: OrganisationIndex, positions: IntArray) -> Blocks:
        """The trees over these rows of ``index`` (its base)."""
        blocks = cls()
        groups = index.groups
        for group in sorted(set(PEER_GROUPS.values())):
            members = positions[groups.codes[positions] == groups.vocabulary.code(group)]
            blocks._built.update(_group_blocks(index, group, members[index.visible[members]], visible_only=True))
            blocks._pending[(group, False)] = (index, members)
        return blocks

    def get(self, key: BlockKey) -> _Block | None:
        found = self._built.get(key)
        if found is not None or (key[0], key[2]) not in self._pending:
            return found
        with self._lock:  # the trees go in before the group leaves _pending: a reader never sees neither
            pending = self._pending.get((key[0], key[2]))
            if pending is not None:
                self._built.update(_group_blocks(pending[0], key[0], pending[1], visible_only=key[2]))
                del self._pending[(key[0], key[2])]
        return self._built.get(key)

    def build_pending(self) -> None:
        """Build the trees not asked for yet, so that the first query of a role that may see hidden peers
        need not (the service calls this in a background thread after a load)."""
        for group, visible_only in list(self._pending):
            self.get((group, None, visible_only))


def _group_blocks(
    index: OrganisationIndex, group: str, members: IntArray, *, visible_only: bool
) -> dict[BlockKey, _Block]:
    """The trees of one group's ``members``: all of them, and those reporting each problem. Built without
    balancing (sliding midpoint splits): a third faster to build for the same query time (measured at 480,000
    points: 0.11 s instead of 0.16 s, a 31-nearest query 20 µs instead of 23 µs). Each tree holds its points in
    the order of a first tree's leaves, not in id order: a query then reads neighbouring points from neighbouring
    memory (at 1,000,000 organisations, with the peers of 32 organisations asked in turn, a whole peers answer
    took ~9 % less; the answers are the same, the trees' point sets are)."""
    issues, xyz = index.issues, index.xyz
    if len(members):
        members = members[cKDTree(xyz[members], balanced_tree=False).indices]
    subsets: list[tuple[int | None, IntArray]] = [(None, members)]
    subsets += [(p, members[issues[members, p]]) for p in range(len(PROBLEMS))]
    return {
        (group, problem, visible_only): _Block(subset, cKDTree(xyz[subset], balanced_tree=False))
        for problem, subset in subsets
        if len(subset)
    }


def vector_fingerprint(organisation: Organisation) -> int:
    """Hash of every field the vectoriser reads: a stored row is reused only while these are unchanged."""
    features = organisation.features
    return fingerprint(
        tuple(organisation.issues),
        organisation.sector,
        organisation.employees,
        organisation.kind,
        organisation.shift_work,
        features.station_distance_km,
        features.population_density,
        features.kreis_commuter_balance_per_1000,
    )


# The fingerprint mixes the fields with SplitMix64's finaliser, in numpy for a whole column (:func:`fingerprints`)
# and in Python integers for one organisation (:func:`fingerprint`): both give the same number. Codes become
# small integers (their place in the vocabulary; -1 none, -2 unknown), floats their IEEE bits (+0.0 folds -0.0).
_MASK64 = (1 << 64) - 1
_GOLDEN, _MIX1, _MIX2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_SECTOR_NUMBER = {sector.value: n for n, sector in enumerate(Sector)}
_KIND_NUMBER = {kind.value: n for n, kind in enumerate(OrganisationKind)}


def _mixed(state: int, value: int) -> int:
    z = ((state ^ (value & _MASK64)) + _GOLDEN) & _MASK64
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK64
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK64
    return z ^ (z >> 31)


def _mixed_column(state: npt.NDArray[np.uint64], value: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    z = (state ^ value) + np.uint64(_GOLDEN)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_MIX1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_MIX2)
    return z ^ (z >> np.uint64(31))


def _number(numbers: Mapping[str, int], value: str | None) -> int:
    return -1 if value is None else numbers.get(value, -2)


def fingerprint(
    issues: Sequence[str],
    sector: str | None,
    employees: int,
    kind: str,
    shift_work: bool,
    station_distance_km: float,
    population_density: float,
    commuter_balance_per_1000: float,
) -> int:
    """:func:`vector_fingerprint` from plain values (codes or their enum members; issues in any order)."""
    mask = 0
    for code in issues:
        mask |= 1 << _PROBLEM_COLUMN[code]  # type: ignore[index]
    floats = struct.unpack(
        "<3Q", struct.pack("<3d", station_distance_km + 0.0, population_density + 0.0, commuter_balance_per_1000 + 0.0)
    )
    state = 0
    for value in (
        mask,
        _number(_SECTOR_NUMBER, sector),
        employees,
        _number(_KIND_NUMBER, kind),
        int(shift_work),
        *floats,
    ):
        state = _mixed(state, value)
    return state - (1 << 64) if state >> 63 else state


def fingerprints(
    issues: BoolMatrix,
    sectors: Sequence[str | None] | CodedColumn,
    employees: npt.NDArray[Any],
    kinds: Sequence[str] | CodedColumn,
    shift_work: npt.NDArray[Any],
    station_distance_km: npt.NDArray[Any],
    population_density: npt.NDArray[Any],
    commuter_balance_per_1000: npt.NDArray[Any],
) -> npt.NDArray[np.int64]:
    """:func:`fingerprint` of every row (``issues`` a multi-hot matrix in ``PROBLEMS`` order), vectorised."""
    rows = len(issues)
    mask = np.asarray(issues, dtype=np.uint64) @ (np.uint64(1) << np.arange(len(PROBLEMS), dtype=np.uint64))
    columns = [
        mask,
        _numbers(_SECTOR_NUMBER, sectors),
        np.asarray(employees, dtype=np.int64).view(np.uint64),
        _numbers(_KIND_NUMBER, kinds),
        np.asarray(shift_work, dtype=np.uint64),
        *(
            (np.asarray(values, dtype=np.float64) + 0.0).view(np.uint64)
            for values in (station_distance_km, population_density, commuter_balance_per_1000)
        ),
    ]
    state = np.zeros(rows, dtype=np.uint64)
    for column in columns:
        state = _mixed_column(state, column.reshape(rows))
    return state.view(np.int64)


def _numbers(numbers: Mapping[str, int], values: Sequence[str | None] | CodedColumn) -> npt.NDArray[np.uint64]:
    """:func:`_number` of each value, as the unsigned 64-bit integers the mixing takes."""
    coded_values = values if isinstance(values, CodedColumn) else coded(values)
    labels = coded_values.vocabulary.labels.tolist()  # ends with None (code -1)
    table = np.array([_number(numbers, label) for label in labels], dtype=np.int64)
    return table[coded_values.codes].view(np.uint64)
