"""Point-in-polygon lookups on the BKG boundaries of NRW and Baden-Württemberg.

Geometries are kept in a local equirectangular frame (km). The mapping from lon/lat is affine, so
containment is exactly the same as in lon/lat, while distances become (approximately) kilometres.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from shapely import STRtree
from shapely.geometry import shape

from matcher.geo.distance import EARTH_RADIUS_KM, FloatArray

_REFERENCE_LAT = 50.0  # between NRW and BW; keeps the east-west scale error under 6 %
_KM_PER_DEG_LAT = np.pi * EARTH_RADIUS_KM / 180.0
_KM_PER_DEG_LON = _KM_PER_DEG_LAT * np.cos(np.radians(_REFERENCE_LAT))

KREIS_FILES = ("kreise_nrw_vg1000_2022.geojson", "kreise_bw_vg1000_2022.geojson")
MUNICIPALITY_FILES = ("gemeinden_nrw_vg5000_2021.geojson", "gemeinden_bw_vg5000_2021.geojson")

IntArray = npt.NDArray[np.int64]


def project(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Local km coordinates (x east, y north) of lon/lat degrees."""
    return (
        np.asarray(lon, dtype=np.float64) * _KM_PER_DEG_LON,
        np.asarray(lat, dtype=np.float64) * _KM_PER_DEG_LAT,
    )


def _load_layer(directory: Path, names: tuple[str, ...]) -> tuple[list[str], list[shapely.Geometry]]:
    codes: list[str] = []
    geometries: list[shapely.Geometry] = []
    for name in names:
        collection = json.loads((directory / name).read_text(encoding="utf-8"))
        for feature in collection["features"]:
            codes.append(str(feature["properties"]["ags"]))
            geometry = shape(feature["geometry"])
            geometries.append(shapely.transform(geometry, lambda xy: np.column_stack(project(xy[:, 1], xy[:, 0]))))
    return codes, geometries


@dataclass(frozen=True)
class BoundaryIndex:
    """VG1000 Kreise (accurate to a few hundred metres) and VG5000 Gemeinden (coarser) of NRW and BW."""

    kreis_codes: npt.NDArray[np.str_]
    kreis_geometries: npt.NDArray[np.object_]
    kreis_tree: STRtree
    municipality_codes: npt.NDArray[np.str_]
    municipality_geometries: npt.NDArray[np.object_]
    municipality_tree: STRtree
    municipality_outlines: npt.NDArray[np.object_]
    municipality_kreis: npt.NDArray[np.str_]

    @classmethod
    def load(cls, directory: Path) -> BoundaryIndex:
        kreis_codes, kreis_geometries = _load_layer(directory, KREIS_FILES)
        municipality_codes, municipality_geometries = _load_layer(directory, MUNICIPALITY_FILES)
        kreis_array = np.array(kreis_geometries, dtype=object)
        municipality_array = np.array(municipality_geometries, dtype=object)
        return cls(
            kreis_codes=np.array(kreis_codes, dtype=str),
            kreis_geometries=kreis_array,
            kreis_tree=STRtree(kreis_array),
            municipality_codes=np.array(municipality_codes, dtype=str),
            municipality_geometries=municipality_array,
            municipality_tree=STRtree(municipality_array),
            municipality_outlines=shapely.boundary(municipality_array),
            municipality_kreis=np.array([code[:5] for code in municipality_codes], dtype=str),
        )

    def kreis_of(self, lat: FloatArray, lon: FloatArray) -> IntArray:
        """Index into ``kreis_codes`` of the Kreis containing each point, -1 outside NRW/BW."""
        return self._containing(self.kreis_tree, lat, lon)

    def municipality_of(self, lat: FloatArray, lon: FloatArray) -> IntArray:
        """Index into ``municipality_codes`` of the VG5000 polygon containing each point, -1 if none."""
        return self._containing(self.municipality_tree, lat, lon)

    def distance_to_outline(self, lat: FloatArray, lon: FloatArray, polygons: IntArray) -> FloatArray:
        """Distance in km from each point to the outline of its municipality polygon."""
        points = shapely.points(*project(lat, lon))
        return np.asarray(shapely.distance(points, self.municipality_outlines[polygons]), dtype=np.float64)

    def municipalities_within_many(
        self, lat: FloatArray, lon: FloatArray, kreis_codes: npt.NDArray[np.str_], distance_km: float
    ) -> list[IntArray]:
        """Per point, the municipality polygons of its Kreis within ``distance_km`` of it, in the tree's order: one
        tree query for all points (an import has thousands of points near an outline per chunk)."""
        points = shapely.points(*project(lat, lon))
        point_index, found = self.municipality_tree.query(points, predicate="dwithin", distance=distance_km)
        order = np.argsort(point_index, kind="stable")  # grouped by point, each group in the tree's order
        point_index, found = point_index[order], found[order]
        in_kreis = self.municipality_kreis[found] == np.asarray(kreis_codes)[point_index]
        point_index, found = point_index[in_kreis], np.asarray(found[in_kreis], dtype=np.int64)
        bounds = np.searchsorted(point_index, np.arange(len(points) + 1))
        return [found[bounds[k] : bounds[k + 1]] for k in range(len(points))]

    def nearest_kreis(self, lat: float, lon: float) -> tuple[int, float]:
        """The nearest NRW/BW Kreis polygon and the distance to it in km."""
        point = shapely.points(*project(np.array([lat]), np.array([lon])))[0]
        index = int(self.kreis_tree.nearest(point))
        return index, float(shapely.distance(point, self.kreis_geometries[index]))

    def nearest_municipality_in(self, lat: float, lon: float, kreis_code: str) -> int:
        """Index of the VG5000 municipality of ``kreis_code`` nearest to the point."""
        candidates = np.flatnonzero(self.municipality_kreis == kreis_code)
        point = shapely.points(*project(np.array([lat]), np.array([lon])))[0]
        distances = shapely.distance(point, self.municipality_geometries[candidates])
        return int(candidates[int(np.argmin(distances))])

    @staticmethod
    def _containing(tree: STRtree, lat: FloatArray, lon: FloatArray) -> IntArray:
        points = shapely.points(*project(lat, lon))
        result = np.full(len(points), -1, dtype=np.int64)
        point_index, polygon_index = tree.query(points, predicate="intersects")
        # A point exactly on a shared edge hits two polygons; the lowest polygon index wins (deterministic).
        order = np.lexsort((polygon_index, point_index))
        first_point, first_hit = np.unique(point_index[order], return_index=True)
        result[first_point] = polygon_index[order][first_hit]
        return result
