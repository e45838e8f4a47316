"""The reported problems (issues) and the measures already in place, drawn from the documented model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.catalog import Catalog
from matcher.geo.boundaries import IntArray
from matcher.geo.distance import FloatArray
from matcher.synthetic.firms import SECTORS
from matcher.synthetic.regions import URBANISATION_ORDER, BoolArray
from matcher.synthetic.settings import IssueSettings, MeasureSettings, Ramp
from matcher.transit.model import TRANSIT_CLASS_ORDER
from matcher.vocabulary import OrganisationKind, ProblemCode

PROBLEMS: tuple[ProblemCode, ...] = tuple(ProblemCode)
KINDS: tuple[OrganisationKind, ...] = tuple(OrganisationKind)
_CHUNK = 100_000  # rows per block in the measure draw (bounds memory at 1M profiles)


@dataclass(frozen=True)
class IssueInputs:
    """What the issue model looks at, one row per profile."""

    transit_class: IntArray  # index into TRANSIT_CLASS_ORDER (0 = A … 4 = none)
    density: FloatArray
    balance_per_1000: FloatArray
    urbanisation: IntArray  # index into URBANISATION_ORDER
    shift_work: BoolArray
    in_estate: BoolArray
    in_centre: BoolArray  # firms outside estates
    sector: IntArray  # index into SECTORS, -1 = none
    kind: IntArray  # index into KINDS
    employees: IntArray

    def take(self, rows: IntArray) -> IssueInputs:
        return IssueInputs(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})


def _ramp(ramp: Ramp, x: FloatArray) -> FloatArray:
    t = np.clip((x - ramp.start) / (ramp.end - ramp.start), 0.0, 1.0)
    return np.asarray(ramp.low + t * (ramp.high - ramp.low), dtype=np.float64)


def _lookup(table: FloatArray, index: IntArray) -> FloatArray:
    """table[index] with 0 where index is -1."""
    return np.where(index >= 0, table[np.maximum(index, 0)], 0.0)


def issue_probability(code: ProblemCode, x: IssueInputs, settings: IssueSettings) -> FloatArray:
    """Probability that each profile reports ``code`` (see IssueSettings for the formula)."""
    p = np.full(len(x.employees), settings.base.get(code, 0.0), dtype=np.float64)
    if code in settings.by_transit_class:
        by_class = settings.by_transit_class[code]
        p += np.array([by_class.get(c, 0.0) for c in TRANSIT_CLASS_ORDER])[x.transit_class]
    if code in settings.by_density:
        p += _ramp(settings.by_density[code], x.density)
    if code in settings.by_commuter_balance:
        p += _ramp(settings.by_commuter_balance[code], x.balance_per_1000)
    if code in settings.by_urbanisation:
        table = settings.by_urbanisation[code]
        p += np.array([table.get(u, 0.0) for u in URBANISATION_ORDER])[x.urbanisation]
    p += settings.if_shift_work.get(code, 0.0) * x.shift_work
    p += settings.if_in_estate.get(code, 0.0) * x.in_estate
    p += settings.if_in_centre.get(code, 0.0) * x.in_centre
    sector_bonus = np.array([settings.by_sector.get(s, {}).get(code, 0.0) for s in SECTORS])
    p += _lookup(sector_bonus, x.sector)
    p += np.array([settings.by_kind.get(k, {}).get(code, 0.0) for k in KINDS])[x.kind]
    p += settings.if_large.get(code, 0.0) * (x.employees >= settings.large_threshold)
    p += settings.if_small.get(code, 0.0) * (x.employees < settings.small_threshold)
    # Only employers above the pivot are scaled up, so small firms keep the plain rule rates.
    size = (np.maximum(x.employees, settings.size_pivot) / settings.size_pivot) ** settings.size_elasticity
    return np.clip(p * size, 0.0, settings.max_probability)


def draw_issues(rng: np.random.Generator, x: IssueInputs, settings: IssueSettings) -> BoolArray:
    """Boolean matrix (profiles x PROBLEMS); every row has at least one issue."""
    n = len(x.employees)
    issues = np.zeros((n, len(PROBLEMS)), dtype=bool)
    for j, code in enumerate(PROBLEMS):
        issues[:, j] = rng.random(n) < issue_probability(code, x, settings)
    # A profile without any issue reports one, drawn in proportion to its probabilities.
    empty = np.flatnonzero(~issues.any(axis=1))
    if len(empty):
        subset = x.take(empty)
        p = np.column_stack([issue_probability(code, subset, settings) for code in PROBLEMS])
        cumulative = np.cumsum(p, axis=1)
        target = rng.random(len(empty)) * cumulative[:, -1]
        chosen = np.minimum((cumulative <= target[:, None]).sum(axis=1), len(PROBLEMS) - 1)
        issues[empty, chosen] = True
    return issues


def draw_measures(
    rng: np.random.Generator,
    issues: BoolArray,
    employees: IntArray,
    catalog: Catalog,
    settings: MeasureSettings,
) -> BoolArray:
    """Boolean matrix (profiles x catalogue measures in catalogue order) of measures in place.

    The count is Poisson with a mean growing with log10(employees); measures outside their
    min/max_employees are never chosen, and each issue of the profile a measure addresses
    multiplies its weight (weighted sampling without replacement via Gumbel top-k).
    """
    measures = list(catalog.measures.values())
    n, m = len(employees), len(measures)
    addresses = np.array([[code in measure.addresses for measure in measures] for code in PROBLEMS], dtype=np.float32)
    low = np.array([measure.min_employees or 0 for measure in measures], dtype=np.int64)
    high = np.array([measure.max_employees or np.iinfo(np.int64).max for measure in measures], dtype=np.int64)
    mean = settings.mean_at_one + settings.mean_per_decade * np.log10(np.maximum(employees, 1))
    count = np.minimum(rng.poisson(np.maximum(mean, 0.0)), settings.max_count)
    chosen = np.zeros((n, m), dtype=bool)
    rows_with = np.flatnonzero(count > 0)
    for begin in range(0, len(rows_with), _CHUNK):
        rows = rows_with[begin : begin + _CHUNK]
        staff = employees[rows][:, None]
        eligible = (staff >= low) & (staff <= high)
        overlap = issues[rows].astype(np.float32) @ addresses
        weight = np.where(eligible, 1.0 + settings.issue_affinity * overlap, 0.0)
        with np.errstate(divide="ignore"):
            key = np.log(weight) + rng.gumbel(size=weight.shape)
        order = np.argsort(-key, axis=1, kind="stable")
        wanted = np.minimum(count[rows], eligible.sum(axis=1))
        take: npt.NDArray[np.bool_] = np.arange(m)[None, :] < wanted[:, None]
        picked_rows, picked_rank = np.nonzero(take)
        chosen[rows[picked_rows], order[picked_rows, picked_rank]] = True
    return chosen
