"""An in-memory index of organisations: aligned arrays plus one k-d tree per peer group.

Positions in the arrays are internal; everything that leaves the library uses organisation ids.
Geometry is float64 unit vectors (exact great-circle radius and nearest-neighbour queries);
feature vectors are float32.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from matcher.catalog import Catalog
from matcher.geo.distance import chord_to_km, km_to_chord, to_unit_vectors
from matcher.models import Organisation
from matcher.transit.situation import site_stop
from matcher.vectorise import PROBLEMS, FloatMatrix, Vectoriser
from matcher.vocabulary import OrganisationKind

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


@dataclass(frozen=True)
class OrganisationIndex:
    ids: npt.NDArray[np.object_]
    names: npt.NDArray[np.object_]
    kinds: npt.NDArray[np.object_]
    groups: npt.NDArray[np.object_]
    xyz: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    estates: npt.NDArray[np.object_]
    estate_names: npt.NDArray[np.object_]  # as the organisations wrote them (None where none)
    municipality_ags: npt.NDArray[np.object_]
    postcodes: npt.NDArray[np.object_]  # as given (None where only coordinates were)
    precisions: npt.NDArray[np.object_]  # LocationPrecision of each location
    kreis_codes: npt.NDArray[np.object_]
    states: npt.NDArray[np.object_]
    employees: npt.NDArray[np.int64]
    sectors: npt.NDArray[np.object_]
    issues: BoolMatrix  # (n, len(PROBLEMS))
    measures: BoolMatrix  # (n, len(measure_ids))
    solved: BoolMatrix  # (n, len(PROBLEMS)): problems addressed by the organisation's measures in place
    visible: npt.NDArray[np.bool_]
    transit_classes: npt.NDArray[np.object_]  # TransitClass of each site (docs/transit.md)
    transit_stops: npt.NDArray[np.object_]  # SiteStop to name for each site (transit.situation.site_stop) or None
    vectors: FloatMatrix
    id_rank: IntArray  # rank of each id in sorted order: the deterministic tie-breaker
    position: dict[str, int]
    measure_ids: list[str]
    measure_addresses: BoolMatrix  # (len(measure_ids), len(PROBLEMS))
    issue_weights: npt.NDArray[np.float64]
    fingerprints: npt.NDArray[np.int64]  # hash of the fields that feed the vector (stale-row check)
    group_members: dict[str, IntArray]
    # Blocking: one k-d tree per (peer group, problem column or None, visible only); see _build_blocks.
    blocks: dict[tuple[str, int | None, bool], _Block]

    @classmethod
    def build(
        cls,
        organisations: Sequence[Organisation],
        vectoriser: Vectoriser,
        catalog: Catalog,
        previous: OrganisationIndex | None = None,
    ) -> OrganisationIndex:
        """Index ``organisations``; rows unchanged since ``previous`` (built with the same vectoriser) keep
        their vectors, so a rebuild after a few writes only vectorises what changed."""
        ids = np.array([o.id for o in organisations], dtype=object)
        measure_ids, addresses = measure_problem_matrix(catalog)
        measure_column = {m: i for i, m in enumerate(measure_ids)}
        problem_column = {code: i for i, code in enumerate(PROBLEMS)}
        issues = np.zeros((len(organisations), len(PROBLEMS)), dtype=np.bool_)
        measures = np.zeros((len(organisations), len(measure_ids)), dtype=np.bool_)
        for row, organisation in enumerate(organisations):
            issues[row, [problem_column[i] for i in organisation.issues]] = True
            measures[row, [measure_column[m] for m in organisation.measures_in_place if m in measure_column]] = True
        lat = np.array([o.location.lat for o in organisations], dtype=np.float64)
        lon = np.array([o.location.lon for o in organisations], dtype=np.float64)
        xyz = to_unit_vectors(lat, lon) if len(organisations) else np.zeros((0, 3))
        kinds = np.array([o.kind for o in organisations], dtype=object)
        groups = np.array([PEER_GROUPS[k] for k in kinds], dtype=object)
        id_rank = np.empty(len(ids), dtype=np.int64)
        id_rank[np.argsort(ids.astype(str), kind="stable")] = np.arange(len(ids))
        group_members = {g: np.flatnonzero(groups == g) for g in sorted(set(PEER_GROUPS.values()))}
        visible = np.array([o.visible_to_peers for o in organisations], dtype=np.bool_)
        estates = np.array([estate_key(o.estate) for o in organisations], dtype=object)
        fingerprints = np.array([vector_fingerprint(o) for o in organisations], dtype=np.int64)
        return cls(
            ids=ids,
            names=np.array([o.name for o in organisations], dtype=object),
            kinds=kinds,
            groups=groups,
            xyz=xyz,
            lat=lat,
            lon=lon,
            estates=estates,
            estate_names=np.array([o.estate for o in organisations], dtype=object),
            municipality_ags=np.array([o.location.municipality_ags for o in organisations], dtype=object),
            postcodes=np.array([o.postcode for o in organisations], dtype=object),
            precisions=np.array([o.location.precision for o in organisations], dtype=object),
            kreis_codes=np.array([o.location.kreis_code for o in organisations], dtype=object),
            states=np.array([o.location.state for o in organisations], dtype=object),
            employees=np.array([o.employees for o in organisations], dtype=np.int64),
            sectors=np.array([o.sector for o in organisations], dtype=object),
            issues=issues,
            measures=measures,
            solved=(measures.astype(np.float32) @ addresses.astype(np.float32)) > 0,
            visible=visible,
            transit_classes=np.array([o.features.transit_class for o in organisations], dtype=object),
            transit_stops=np.array([site_stop(o.features) for o in organisations], dtype=object),
            vectors=_vectors(organisations, fingerprints, vectoriser, previous),
            id_rank=id_rank,
            position={str(i): p for p, i in enumerate(ids)},
            measure_ids=measure_ids,
            measure_addresses=addresses,
            issue_weights=vectoriser.issue_weights,
            fingerprints=fingerprints,
            group_members=group_members,
            blocks=_build_blocks(group_members, issues, visible, xyz),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def query_point(self, organisation: Organisation, vectoriser: Vectoriser) -> QueryPoint:
        """A stored, unchanged organisation reuses its row's vector; others (an unsaved or edited
        profile) are vectorised now."""
        position = self.position.get(organisation.id, -1)
        if position >= 0 and self.fingerprints[position] == vector_fingerprint(organisation):
            vector = self.vectors[position]
        else:
            vector = vectoriser.transform([organisation])[0]
        location = organisation.location
        return QueryPoint(
            position=position,
            group=PEER_GROUPS[organisation.kind],
            xyz=to_unit_vectors(np.array([location.lat]), np.array([location.lon]))[0],
            estate=estate_key(organisation.estate),
            issues=_problem_mask(organisation),
            vector=vector,
        )

    def nearby(
        self, group: str, xyz: npt.NDArray[np.float64], radius_km: float, limit: int, *, visible_only: bool = False
    ) -> Neighbours:
        """Up to ``limit`` members of ``group`` nearest to ``xyz`` within ``radius_km`` (exact great circle)."""
        positions, distance = self._nearest(self.blocks.get((group, None, visible_only)), xyz, radius_km, limit)
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
        searches = [(None, nearest)] + [(problem, per_problem) for problem in rarest.tolist()]
        parts = [np.zeros(0, dtype=np.int64)]
        for problem, limit in searches:
            block = self.blocks.get((query.group, problem, visible_only))
            parts.append(self._nearest(block, query.xyz, radius_km, limit)[0])
        positions = np.unique(np.concatenate(parts))
        distance = chord_to_km(np.linalg.norm(self.xyz[positions] - query.xyz, axis=1))
        inside = distance <= radius_km
        positions, distance = positions[inside], distance[inside]
        order = np.argsort(distance, kind="stable")
        return Neighbours(positions[order], distance[order], radius_km)

    @staticmethod
    def _nearest(
        block: _Block | None, xyz: npt.NDArray[np.float64], radius_km: float, limit: int
    ) -> tuple[IntArray, npt.NDArray[np.float64]]:
        if block is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        chord, local = block.tree.query(xyz, k=min(limit, block.tree.n), distance_upper_bound=km_to_chord(radius_km))
        chord = np.atleast_1d(chord)
        local = np.atleast_1d(local)
        found = np.isfinite(chord)
        return block.members[local[found]], chord_to_km(chord[found])


@dataclass(frozen=True)
class _Block:
    members: IntArray  # index positions, in tree order
    tree: cKDTree


def _build_blocks(
    group_members: dict[str, IntArray], issues: BoolMatrix, visible: npt.NDArray[np.bool_], xyz: npt.NDArray[np.float64]
) -> dict[tuple[str, int | None, bool], _Block]:
    blocks: dict[tuple[str, int | None, bool], _Block] = {}
    for group, members in group_members.items():
        for visible_only in (False, True):
            base = members[visible[members]] if visible_only else members
            subsets: list[tuple[int | None, IntArray]] = [(None, base)]
            subsets += [(p, base[issues[base, p]]) for p in range(len(PROBLEMS))]
            for problem, subset in subsets:
                if len(subset):
                    blocks[(group, problem, visible_only)] = _Block(subset, cKDTree(xyz[subset]))
    return blocks


def _vectors(
    organisations: Sequence[Organisation],
    fingerprints: npt.NDArray[np.int64],
    vectoriser: Vectoriser,
    previous: OrganisationIndex | None,
) -> FloatMatrix:
    if previous is None or not len(previous):
        return vectoriser.transform(organisations)
    old = np.array([previous.position.get(o.id, -1) for o in organisations], dtype=np.int64)
    reusable = old >= 0
    reusable[reusable] = previous.fingerprints[old[reusable]] == fingerprints[reusable]
    vectors = np.empty((len(organisations), previous.vectors.shape[1]), dtype=previous.vectors.dtype)
    vectors[reusable] = previous.vectors[old[reusable]]
    fresh = np.flatnonzero(~reusable)
    if len(fresh):
        vectors[fresh] = vectoriser.transform([organisations[i] for i in fresh.tolist()])
    return vectors


def vector_fingerprint(organisation: Organisation) -> int:
    """Hash of every field the vectoriser reads: a stored row is reused only while these are unchanged."""
    features = organisation.features
    return hash(
        (
            tuple(organisation.issues),
            organisation.sector,
            organisation.employees,
            organisation.kind,
            organisation.shift_work,
            features.station_distance_km,
            features.population_density,
            features.kreis_commuter_balance_per_1000,
        )
    )
