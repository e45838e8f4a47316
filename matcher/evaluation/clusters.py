"""Do the planners' clusters find planted groups? (docs/planning.md, section Clusters, Evaluation)

Groups of 15-30 firms within 0.4 km of a centre, all reporting one problem, are planted at real places
(the centres of randomly chosen synthetic demo estates in NRW and the Region Stuttgart, at least
``separation_km`` apart) among synthetic demo organisations as background. ``find_clusters`` runs with
that problem as filter; a found cluster recovers a planted group when their member sets overlap with a
Jaccard index of at least 0.5 (one found cluster per group).

The background is not uniform noise: demo firms sit in estates and town centres, so background firms
sharing the problem form real clusters of their own. Those are counted as ``spurious`` (found clusters
without any planted firm) and are real density, not errors; ``mixed`` counts found clusters with
planted firms that match no group (e.g. a planted group merged with background firms of its estate).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from matcher.geo.distance import haversine_km
from matcher.index import OrganisationIndex
from matcher.models import Organisation, OrganisationProfile
from matcher.planning.clusters.finding import find_clusters
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.synthetic import generate_demo_data
from matcher.synthetic.estates import DemoEstate
from matcher.synthetic.placement import offset_points, random_disc_offsets
from matcher.vectorise import fit_vectoriser
from matcher.vocabulary import PROBLEM_LABELS_DE, OrganisationKind, ProblemCode, Sector

AS_OF = date(2026, 11, 23)  # funding does not enter the evaluation; any date works
MIN_JACCARD = 0.5
GROUP_SIZE = (15, 30)  # firms per planted group (inclusive)
GROUP_RADIUS_KM = 0.4
_SECTORS = (Sector.C, Sector.F, Sector.G, Sector.H, Sector.M, Sector.N)


class ClusterEvaluation(BaseModel):
    model_config = ConfigDict(frozen=True)

    background: int  # background organisations (built)
    planted: int  # planted groups
    planted_firms: int  # planted firms (built; a firm outside Germany would be dropped)
    problem: ProblemCode
    eps_km: float
    min_members: int
    found: int  # clusters found with the problem filter
    recovered: int  # planted groups matched with Jaccard >= 0.5
    mean_jaccard: float  # mean over planted groups of the best Jaccard with any found cluster
    spurious: int  # found clusters without planted firms: background firms sharing the problem
    mixed: int  # found clusters with planted firms that match no planted group

    @property
    def recall(self) -> float:
        return self.recovered / self.planted if self.planted else 0.0

    def summary(self) -> dict[str, str]:
        label = PROBLEM_LABELS_DE[self.problem]
        return {
            "scenario (Szenario)": f"{self.background:,} demo organisations + {self.planted} planted groups "
            f"({self.planted_firms} firms, {GROUP_SIZE[0]}-{GROUP_SIZE[1]} per group within "
            f"{GROUP_RADIUS_KM} km) reporting {self.problem.value} ({label})",
            "parameters (Parameter)": f"eps {self.eps_km} km, min_members {self.min_members}",
            "planted clusters recovered (wiedergefunden, Jaccard >= 0.5)": f"{self.recovered} of {self.planted} "
            f"({self.recall:.0%})",
            "mean best Jaccard (mittlere Überdeckung)": f"{self.mean_jaccard:.3f}",
            "clusters found (gefundene Cluster)": str(self.found),
            "background clusters sharing the problem (Hintergrund-Cluster)": str(self.spurious),
            "mixed clusters (vermischt)": str(self.mixed),
        }


def evaluate_clusters(
    reference: ReferenceData,
    settings: MatcherSettings,
    *,
    background: int,
    planted: int,
    seed: int,
    problem: ProblemCode = ProblemCode.CARPOOL_CRITICAL_MASS,
    separation_km: float = 5.0,
    eps_km: float | None = None,
    min_members: int | None = None,
) -> ClusterEvaluation:
    """Plant ``planted`` groups among ``background`` demo organisations and measure recovery (deterministic)."""
    demo = generate_demo_data(reference, size=background, seed=seed)
    rng = np.random.default_rng(seed + 1)
    centres = _centres(demo.estates, planted, separation_km, rng)
    profiles = list(demo.profiles)
    groups: list[list[str]] = []
    for number, estate in enumerate(centres):
        groups.append([])
        for profile in _group(estate, number, problem, rng):
            profiles.append(profile)
            groups[-1].append(profile.id or "")
    builder = ProfileBuilder(reference, settings)
    organisations = [o for o in builder.build_many([(p, p.id or "") for p in profiles]) if isinstance(o, Organisation)]
    built = {o.id for o in organisations}
    truth = [{i for i in group if i in built} for group in groups]
    vectoriser = fit_vectoriser(organisations[:20_000], settings.vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    answer = find_clusters(
        index, reference, settings, as_of=AS_OF, problem=problem, eps_km=eps_km, min_members=min_members
    )
    found = [set(cluster.members) for cluster in answer.clusters]
    planted_ids = set().union(*truth) if truth else set()
    jaccard = np.array([[_jaccard(group, cluster) for cluster in found] for group in truth]).reshape(len(truth), -1)
    matched = _match(jaccard)
    matched_clusters = {c for _, c in matched}
    return ClusterEvaluation(
        background=len(organisations) - sum(len(group) for group in truth),
        planted=len(truth),
        planted_firms=sum(len(group) for group in truth),
        problem=problem,
        eps_km=answer.parameters.eps_km,
        min_members=answer.parameters.min_members,
        found=len(found),
        recovered=len(matched),
        mean_jaccard=float(jaccard.max(axis=1).mean()) if jaccard.size else 0.0,
        spurious=sum(1 for cluster in found if not cluster & planted_ids),
        mixed=sum(1 for c, cluster in enumerate(found) if cluster & planted_ids and c not in matched_clusters),
    )


def _centres(estates: list[DemoEstate], count: int, separation_km: float, rng: np.random.Generator) -> list[DemoEstate]:
    """``count`` random demo estates whose centres are at least ``separation_km`` apart."""
    chosen: list[DemoEstate] = []
    for i in rng.permutation(len(estates)).tolist():
        estate = estates[i]
        if all(haversine_km(estate.lat, estate.lon, c.lat, c.lon) >= separation_km for c in chosen):
            chosen.append(estate)
            if len(chosen) == count:
                return chosen
    raise ValueError(f"nur {len(chosen)} Gewerbegebiete liegen mindestens {separation_km} km auseinander")


def _group(
    estate: DemoEstate, number: int, problem: ProblemCode, rng: np.random.Generator
) -> list[OrganisationProfile]:
    size = int(rng.integers(GROUP_SIZE[0], GROUP_SIZE[1] + 1))
    east, north = random_disc_offsets(rng, np.full(size, GROUP_RADIUS_KM))
    lat, lon = offset_points(np.full(size, estate.lat), np.full(size, estate.lon), east, north)
    others = [p for p in ProblemCode if p is not problem]
    profiles = []
    for i in range(size):
        extra = [others[j] for j in rng.choice(len(others), size=int(rng.integers(0, 3)), replace=False)]
        craft = bool(rng.random() < 0.3)
        profiles.append(
            OrganisationProfile(
                id=f"plant-{number:03d}-{i:02d}",
                kind=OrganisationKind.CRAFT_BUSINESS if craft else OrganisationKind.COMPANY,
                name=f"Evaluation Cluster {number} Betrieb {i} (synthetisch)",
                sector=_SECTORS[int(rng.integers(len(_SECTORS)))],
                employees=int(np.exp(rng.uniform(np.log(5), np.log(500)))),
                lat=float(lat[i]),
                lon=float(lon[i]),
                estate=estate.name,
                issues=[problem, *extra],
                visible_to_peers=True,
                synthetic=True,
            )
        )
    return profiles


def _jaccard(a: set[str], b: set[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _match(jaccard: npt.NDArray[np.float64]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of (group, cluster) pairs by Jaccard, best first, at least MIN_JACCARD."""
    pairs = sorted(
        ((float(jaccard[g, c]), g, c) for g, c in zip(*np.nonzero(jaccard >= MIN_JACCARD), strict=True)),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    groups: set[int] = set()
    clusters: set[int] = set()
    matched = []
    for _, g, c in pairs:
        if g not in groups and c not in clusters:
            groups.add(g)
            clusters.add(c)
            matched.append((int(g), int(c)))
    return matched
