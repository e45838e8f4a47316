"""The fitted feature vector of an organisation (a scikit-learn pipeline).

Blocks, each scaled on its own and then weighted (``VectorSettings``), and the whole vector
L2-normalised so that a dot product is the cosine similarity:

- issues: multi-hot over the problem codes, IDF-weighted (rare problems count more), L2-normalised;
- sector: one-hot WZ section (``none`` for public bodies without one); a company or craft business whose
  sector is unknown gets an all-zero block, so the sector neither matches nor mismatches anyone;
- size: log(1 + employees), standardised;
- kind: one-hot organisation kind;
- shift work: 0/1;
- location: station distance (log), population density (log), Kreis commuter balance per 1,000
  residents (signed log), standardised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, Normalizer, OneHotEncoder, StandardScaler

from matcher.models import Organisation
from matcher.settings import VectorSettings
from matcher.vocabulary import OrganisationKind, ProblemCode, Sector, sector_unknown

PROBLEMS: tuple[ProblemCode, ...] = tuple(ProblemCode)
NO_SECTOR = "none"  # a public body without a sector: a fact, one-hot like a section
UNKNOWN_SECTOR = "unknown"  # a business whose sector was not given: not a category, so an all-zero block
LOCATION_COLUMNS = ["station_distance_km", "population_density", "commuter_balance_per_1000"]
FloatMatrix = npt.NDArray[np.float32]
TRANSFORM_ROWS = 65_536  # rows vectorised at once by Vectoriser.transform_columns


class IssueBinarizer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Multi-hot encoding over the fixed problem vocabulary (column order = ``PROBLEMS``)."""

    def fit(self, issues: Any, y: Any = None) -> IssueBinarizer:
        return self

    def transform(self, issues: Any) -> npt.NDArray[np.float64]:
        column = {code: i for i, code in enumerate(PROBLEMS)}
        values = issues.iloc[:, 0] if isinstance(issues, pd.DataFrame) else issues
        matrix = np.zeros((len(values), len(PROBLEMS)), dtype=np.float64)
        for row, codes in enumerate(values):
            for code in codes:
                matrix[row, column[ProblemCode(code)]] = 1.0
        return matrix

    def get_feature_names_out(self, input_features: Any = None) -> npt.NDArray[np.object_]:
        return np.array([f"issue_{code.value}" for code in PROBLEMS], dtype=object)


def _signed_log1p(values: Any) -> Any:
    return np.sign(values) * np.log1p(np.abs(values))


def build_pipeline(settings: VectorSettings) -> Pipeline:
    """The unfitted pipeline; ``fit_vectoriser`` fits it."""
    columns = ColumnTransformer(
        [
            (
                "issues",
                Pipeline([("binary", IssueBinarizer()), ("idf", TfidfTransformer(smooth_idf=True))]),
                ["issues"],
            ),
            (
                "sector",
                OneHotEncoder(
                    categories=[[s.value for s in Sector] + [NO_SECTOR]],
                    handle_unknown="ignore",  # UNKNOWN_SECTOR
                    sparse_output=False,
                ),
                ["sector"],
            ),
            (
                "size",
                Pipeline(
                    [
                        ("log", FunctionTransformer(np.log1p, feature_names_out="one-to-one")),
                        ("scale", StandardScaler()),
                    ]
                ),
                ["employees"],
            ),
            ("kind", OneHotEncoder(categories=[[k.value for k in OrganisationKind]], sparse_output=False), ["kind"]),
            ("shift_work", "passthrough", ["shift_work"]),
            (
                "location",
                Pipeline(
                    [
                        ("log", FunctionTransformer(_signed_log1p, feature_names_out="one-to-one")),
                        ("scale", StandardScaler()),
                    ]
                ),
                LOCATION_COLUMNS,
            ),
        ],
        transformer_weights={
            "issues": settings.issues,
            "sector": settings.sector,
            "size": settings.size,
            "kind": settings.kind,
            "shift_work": settings.shift_work,
            # Three standardised columns: divide so the block's typical length matches its weight.
            "location": settings.location / np.sqrt(len(LOCATION_COLUMNS)),
        },
        sparse_threshold=0.0,
    )
    return Pipeline([("columns", columns), ("normalise", Normalizer(norm="l2"))])


def organisation_frame(organisations: Sequence[Organisation]) -> pd.DataFrame:
    """The pipeline's input table."""
    return vector_frame(
        issues=[[i.value for i in o.issues] for o in organisations],
        sectors=[o.sector for o in organisations],
        kinds=[o.kind.value for o in organisations],
        employees=[o.employees for o in organisations],
        shift_work=[o.shift_work for o in organisations],
        station_distance_km=[o.features.station_distance_km for o in organisations],
        population_density=[o.features.population_density for o in organisations],
        commuter_balance_per_1000=[o.features.kreis_commuter_balance_per_1000 for o in organisations],
    )


def vector_frame(
    *,
    issues: Sequence[Sequence[str]],
    sectors: Sequence[str | None],
    kinds: Sequence[str],
    employees: Sequence[int] | npt.NDArray[Any],
    shift_work: Sequence[bool] | npt.NDArray[Any],
    station_distance_km: Sequence[float] | npt.NDArray[Any],
    population_density: Sequence[float] | npt.NDArray[Any],
    commuter_balance_per_1000: Sequence[float] | npt.NDArray[Any],
) -> pd.DataFrame:
    """The pipeline's input table from plain columns (codes as strings; ``None`` sector: see ``_sector_code``)."""
    return pd.DataFrame(
        {
            "issues": list(issues),
            "sector": [_sector_code(s, k) for s, k in zip(sectors, kinds, strict=True)],
            "employees": np.asarray(employees, dtype=np.float64),
            "kind": [str(k) for k in kinds],
            "shift_work": np.asarray(shift_work, dtype=np.float64),
            "station_distance_km": np.asarray(station_distance_km, dtype=np.float64),
            "population_density": np.asarray(population_density, dtype=np.float64),
            "commuter_balance_per_1000": np.asarray(commuter_balance_per_1000, dtype=np.float64),
        }
    )


def _sector_code(sector: str | None, kind: str) -> str:
    if sector is not None:
        return str(sector)
    return UNKNOWN_SECTOR if sector_unknown(OrganisationKind(kind), None) else NO_SECTOR


def _one_hot(
    encoder: OneHotEncoder, labels: Sequence[Any], rows: npt.NDArray[np.intp], *, unknown_allowed: bool
) -> npt.NDArray[np.float64]:
    """What the fitted ``encoder`` gives for the values ``labels[rows]``: a row of the identity per category,
    zeros for a value it does not know (when it ignores unknown ones)."""
    categories = {str(c): i for i, c in enumerate(encoder.categories_[0])}
    places = np.array([-1 if v is None else categories.get(str(v), -1) for v in labels], dtype=np.int64)[rows]
    if not unknown_allowed and (places < 0).any():
        unknown = sorted({str(labels[r]) for r in np.unique(rows[places < 0]).tolist()})
        raise ValueError(f"unknown categories {unknown}; allowed: {sorted(categories)}")
    identity = np.vstack([np.eye(len(categories)), np.zeros((1, len(categories)))])
    return identity[places]


def _distinct(values: Any) -> tuple[list[Any], npt.NDArray[np.intp]]:
    """The distinct values of a column (a :class:`~matcher.columns.CodedColumn` or a sequence) and, per row,
    the place of its value among them."""
    codes = getattr(values, "codes", None)
    if codes is not None:  # a coded column: its vocabulary's labels end with None, the label of code -1
        labels = values.vocabulary.labels.tolist()
    else:
        objects = np.empty(len(values), dtype=object)
        objects[:] = list(values)
        codes, uniques = pd.factorize(objects, use_na_sentinel=True)
        labels = [*uniques.tolist(), None]
    return labels, np.where(codes < 0, len(labels) - 1, codes)


class Vectoriser:
    """A fitted pipeline plus what the recommenders read from it."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def transform(self, organisations: Sequence[Organisation]) -> FloatMatrix:
        return self.transform_frame(organisation_frame(organisations))

    def transform_frame(self, frame: pd.DataFrame) -> FloatMatrix:
        """Vectors of a :func:`vector_frame` table."""
        if not len(frame):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self.pipeline.transform(frame), dtype=np.float32)

    def transform_columns(
        self,
        *,
        issues: npt.NDArray[np.bool_],
        sectors: Sequence[str | None] | Any,
        kinds: Sequence[str] | Any,
        employees: Sequence[int] | npt.NDArray[Any],
        shift_work: Sequence[bool] | npt.NDArray[Any],
        station_distance_km: Sequence[float] | npt.NDArray[Any],
        population_density: Sequence[float] | npt.NDArray[Any],
        commuter_balance_per_1000: Sequence[float] | npt.NDArray[Any],
    ) -> FloatMatrix:
        """The vectors of :meth:`transform_frame` (equal bit for bit) from columns, ``issues`` a multi-hot matrix
        in ``PROBLEMS`` order, ``sectors`` and ``kinds`` sequences or coded columns: for loading a whole store.
        The fitted steps are applied block by block as the column transformer applies them, without its per-row
        work on objects (the problem codes' Python loop, the one-hot encoders' string checks): a one-hot block is
        a row of an identity matrix, worked out once per distinct (sector, kind)."""
        rows = len(issues)
        vectors = np.empty((rows, self.dimension), dtype=np.float32)
        sector_labels, sector_rows = _distinct(sectors)
        kind_labels, kind_rows = _distinct(kinds)
        pairs, pair_rows = np.unique(sector_rows * len(kind_labels) + kind_rows, return_inverse=True)
        pair_sectors = [
            _sector_code(sector_labels[p // len(kind_labels)], kind_labels[p % len(kind_labels)])
            for p in pairs.tolist()
        ]
        numbers = [
            np.asarray(values, dtype=np.float64)
            for values in (employees, shift_work, station_distance_km, population_density, commuter_balance_per_1000)
        ]
        # In blocks of rows: the temporary float64 blocks of a million rows would take gigabytes at once.
        for start in range(0, rows, TRANSFORM_ROWS):
            part = slice(start, start + TRANSFORM_ROWS)
            vectors[part] = self._block_vectors(
                np.asarray(issues[part], dtype=np.float64),
                (pair_sectors, pair_rows.reshape(-1)[part]),
                (kind_labels, kind_rows[part]),
                [values[part] for values in numbers],
            )
        return vectors

    def _block_vectors(
        self,
        issues: npt.NDArray[np.float64],
        sectors: tuple[list[str], npt.NDArray[np.intp]],
        kinds: tuple[list[Any], npt.NDArray[np.intp]],
        numbers: list[npt.NDArray[np.float64]],
    ) -> FloatMatrix:
        columns = self.pipeline.named_steps["columns"]
        fitted, weights = columns.named_transformers_, columns.transformer_weights
        employees, shift_work, *location = numbers
        issue_block = fitted["issues"].named_steps["idf"].transform(issues)
        location_frame = pd.DataFrame(dict(zip(LOCATION_COLUMNS, location, strict=True)))
        blocks = [
            (issue_block * weights["issues"]).toarray()
            if hasattr(issue_block, "toarray")
            else issue_block * weights["issues"],
            _one_hot(fitted["sector"], *sectors, unknown_allowed=True) * weights["sector"],
            fitted["size"].transform(pd.DataFrame({"employees": employees})) * weights["size"],
            _one_hot(fitted["kind"], *kinds, unknown_allowed=False) * weights["kind"],
            shift_work.reshape(len(issues), 1) * weights["shift_work"],
            fitted["location"].transform(location_frame) * weights["location"],
        ]
        stacked = np.hstack(blocks)
        return np.asarray(self.pipeline.named_steps["normalise"].transform(stacked), dtype=np.float32)

    @property
    def dimension(self) -> int:
        return len(self.pipeline.named_steps["columns"].get_feature_names_out())

    @property
    def issue_weights(self) -> npt.NDArray[np.float64]:
        """IDF weight per problem code (order ``PROBLEMS``): rare problems weigh more."""
        idf = self.pipeline.named_steps["columns"].named_transformers_["issues"].named_steps["idf"].idf_
        return np.asarray(idf, dtype=np.float64)


def fit_vectoriser(organisations: Sequence[Organisation], settings: VectorSettings) -> Vectoriser:
    """Fit the pipeline on organisations (deterministic: no randomness involved)."""
    if len(organisations) < 2:
        raise ValueError("fitting needs at least two organisations")
    pipeline = build_pipeline(settings)
    pipeline.fit(organisation_frame(organisations))
    return Vectoriser(pipeline)
