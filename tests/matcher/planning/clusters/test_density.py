"""Exact DBSCAN of the planners' clusters against scikit-learn, and its edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.geo.distance import EARTH_RADIUS_KM
from matcher.planning.clusters import density as cluster_density
from matcher.planning.clusters.density import dbscan, stereographic_km


def test_density_clustering_equals_scikit_learn_dbscan(monkeypatch: pytest.MonkeyPatch) -> None:
    sklearn_cluster = pytest.importorskip("sklearn.cluster")
    rng = np.random.default_rng(5)
    for trial in range(12):
        blobs = [rng.normal(rng.uniform(0, 10, 2), rng.uniform(0.1, 1.0), (200, 2)) for _ in range(3)]
        points = np.concatenate([*blobs, rng.uniform(0, 10, (300, 2))])
        if trial % 3 == 0:
            points = np.round(points, 1)  # many duplicates
        eps, min_samples = float(rng.uniform(0.2, 0.8)), int(rng.integers(2, 9))
        expected = sklearn_cluster.DBSCAN(eps=eps, min_samples=min_samples, algorithm="kd_tree").fit(points)
        result = dbscan(points, eps, min_samples)
        core = np.zeros(len(points), dtype=bool)
        core[expected.core_sample_indices_] = True
        assert (result.core == core).all()
        assert ((result.labels < 0) == (expected.labels_ < 0)).all()
        # Same partition of the core points (label numbers may differ).
        pairs = set(zip(result.labels[core].tolist(), expected.labels_[core].tolist(), strict=True))
        assert len(pairs) == len({a for a, _ in pairs}) == len({b for _, b in pairs})
        # Triangulating in small strips (as for large inputs) gives the same labels.
        with monkeypatch.context() as patch:
            patch.setattr(cluster_density, "_STRIP_POINTS", 37)
            assert (cluster_density.dbscan(points, eps, min_samples).labels == result.labels).all()


def test_edge_cases() -> None:
    assert dbscan(np.zeros((0, 2)), 1.0, 3).labels.tolist() == []
    assert dbscan(np.zeros((4, 2)), 1.0, 5).labels.tolist() == [-1] * 4  # too few
    assert dbscan(np.zeros((5, 2)), 1.0, 5).labels.tolist() == [0] * 5  # one place, five times
    line = np.column_stack((np.arange(12) * 0.5, np.zeros(12)))  # collinear: no triangulation
    assert dbscan(line, 0.6, 3).labels.tolist() == [0] * 12
    assert dbscan(line, 0.4, 2).labels.tolist() == [-1] * 12


def test_stereographic_distances_are_within_a_fraction_of_a_percent() -> None:
    # Dortmund and Stuttgart about a centre between them: both local and long distances keep their length.
    lat = np.array([51.5136, 51.5136, 48.7758, 48.7758])
    lon = np.array([7.4653, 7.4797, 9.1829, 9.1973])  # each pair about 1 km apart east-west
    points = stereographic_km(lat, lon, 50.1, 8.3)
    for i in (0, 2):
        local = float(np.linalg.norm(points[i] - points[i + 1]))
        exact = float(EARTH_RADIUS_KM * np.radians(0.0144) * np.cos(np.radians(lat[i])))
        assert abs(local / exact - 1) < 0.001
