"""Resolve a postcode, coordinates or both to a municipality, Kreis and Land.

Inside NRW and Baden-Württemberg the BKG boundaries decide: the VG1000 Kreis (accurate to a few
hundred metres) first, then the VG5000 municipality polygon inside that Kreis. Elsewhere in
Germany, where no boundaries ship, a point belongs to the municipality whose centre is nearest
relative to its size (a size-weighted Voronoi assignment) and is rejected when no municipality
centre is plausibly close. docs/geography.md reports the measured accuracy of both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from matcher.errors import LocationError
from matcher.geo.boundaries import IntArray
from matcher.geo.distance import FloatArray, haversine_km, km_to_chord, to_unit_vectors
from matcher.geo.reference import GeoReference
from matcher.models import Location
from matcher.settings import GeographySettings
from matcher.vocabulary import LocationPrecision

# Generous bounding box of Germany; finer checks follow.
_LAT_RANGE = (47.2, 55.1)
_LON_RANGE = (5.8, 15.1)
_BOUNDARY_STATES = frozenset({"DE-NW", "DE-BW"})

NOT_IN_GERMANY = -1
_NEAREST_CENTRES = 16
_LARGE_RADIUS_KM = 5.0  # equivalent radius from which a municipality is always a candidate within reach
# Given coordinates this close to their postcode's centroid or their municipality's centre are that point, as
# a list exported from a geocoder-less tool (or this product) writes it: they say no more than the area does.
# 10 m covers coordinates rounded to 4 decimals (at most about 7 m off).
SAME_POINT_KM = 0.01


@dataclass(frozen=True)
class LocationQuery:
    """One location as a client gave it."""

    lat: float | None = None
    lon: float | None = None
    postcode: str | None = None
    # The point is a geocoder's answer for the street address (not given by the client): it is believed
    # only where it fits the postcode (``implausible_address``), and it gives precision ``address``.
    geocoded: bool = False


def _format_degrees(value: float) -> str:
    return f"{value:.5f}".replace(".", ",")


def _format_km(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


class LocationResolver:
    """Resolves locations against a :class:`GeoReference`."""

    def __init__(self, geo: GeoReference, settings: GeographySettings) -> None:
        self.geo = geo
        self.settings = settings
        municipality_codes = geo.boundaries.municipality_codes
        self._polygon_to_municipality = np.array(
            [geo.municipality_position[code] for code in municipality_codes], dtype=np.int64
        )
        self._postcodes: dict[str, dict[str, str]] = {
            str(row["plz"]): {str(k): str(v) for k, v in row.items()} for row in geo.postcodes.to_dict(orient="records")
        }
        self._postcode_municipalities: dict[tuple[str, float, float], int] = {}  # filled as postcodes are met
        # Plain tuples per municipality: row lookups in pandas cost ~50 µs, these ~0.1 µs.
        kreis_names = dict(zip(geo.kreise["kreis_code"], geo.kreise["short_name"], strict=True))
        municipalities = geo.municipalities
        self._municipality_fields = [
            (str(ags), str(name), str(kreis), str(kreis_names[kreis]), str(state))
            for ags, name, kreis, state in zip(
                municipalities["ags"],
                municipalities["short_name"],
                municipalities["kreis_code"],
                geo.municipality_state,
                strict=True,
            )
        ]
        self._is_outside_boundary_states = ~np.isin(geo.municipality_state, list(_BOUNDARY_STATES))
        self._max_outside_radius_km = float(geo.municipality_radius_km[self._is_outside_boundary_states].max())
        self._large_municipalities = np.flatnonzero(geo.municipality_radius_km >= _LARGE_RADIUS_KM)
        self._large_municipality_tree = cKDTree(
            to_unit_vectors(
                geo.municipality_lat[self._large_municipalities], geo.municipality_lon[self._large_municipalities]
            )
        )

    # -- coordinates -----------------------------------------------------------------------

    def municipality_positions(self, lat: FloatArray, lon: FloatArray) -> IntArray:
        """Row position in ``geo.municipalities`` for each point; NOT_IN_GERMANY where it is not."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        result = np.full(len(lat), NOT_IN_GERMANY, dtype=np.int64)
        in_box = (
            np.isfinite(lat) & np.isfinite(lon)
            & (lat >= _LAT_RANGE[0]) & (lat <= _LAT_RANGE[1])
            & (lon >= _LON_RANGE[0]) & (lon <= _LON_RANGE[1])
        )  # fmt: skip
        candidates = np.flatnonzero(in_box)
        if len(candidates) == 0:
            return result
        boundaries = self.geo.boundaries
        kreis = boundaries.kreis_of(lat[candidates], lon[candidates])
        inside = candidates[kreis >= 0]
        if len(inside):
            result[inside] = self._boundary_state_positions(lat[inside], lon[inside], kreis[kreis >= 0])
        outside = candidates[kreis < 0]
        if len(outside):
            result[outside] = self._outside_boundary_states_positions(lat[outside], lon[outside])
        return result

    def _boundary_state_positions(self, lat: FloatArray, lon: FloatArray, kreis: IntArray) -> IntArray:
        """Municipalities of points inside an NRW/BW Kreis."""
        boundaries = self.geo.boundaries
        kreis_codes = boundaries.kreis_codes[kreis]
        polygon = boundaries.municipality_of(lat, lon)
        agrees = (polygon >= 0) & (boundaries.municipality_kreis[np.maximum(polygon, 0)] == kreis_codes)
        uncertain = ~agrees
        band = self.settings.boundary_uncertainty_km
        if band > 0 and agrees.any():
            near_edge = boundaries.distance_to_outline(lat[agrees], lon[agrees], polygon[agrees]) < band
            uncertain[np.flatnonzero(agrees)[near_edge]] = True
        polygon[~agrees] = -1
        edge = np.flatnonzero(uncertain)
        nearby = boundaries.municipalities_within_many(lat[edge], lon[edge], kreis_codes[edge], band)
        for i, near in zip(edge.tolist(), nearby, strict=True):
            polygon[i] = self._decide_near_edge(
                float(lat[i]), float(lon[i]), str(kreis_codes[i]), int(polygon[i]), near
            )
        return self._polygon_to_municipality[polygon]

    def _decide_near_edge(self, lat: float, lon: float, kreis_code: str, polygon: int, near: IntArray) -> int:
        """Within the generalisation error of the outlines, a municipality whose centre is very close wins.

        The coarse VG5000 outlines cut small municipalities; a point within a fraction of a
        municipality's equivalent radius from its centre is taken to lie in it.
        """
        boundaries = self.geo.boundaries
        if len(near) == 0:
            return boundaries.nearest_municipality_in(lat, lon, kreis_code) if polygon < 0 else polygon
        positions = self._polygon_to_municipality[near]
        distance = haversine_km(lat, lon, self.geo.municipality_lat[positions], self.geo.municipality_lon[positions])
        relative = distance / self.geo.municipality_radius_km[positions]
        best = int(np.argmin(relative))
        if polygon < 0 or relative[best] <= self.settings.centre_core_fraction:
            return int(near[best])
        return polygon

    def _outside_boundary_states_positions(self, lat: FloatArray, lon: FloatArray) -> IntArray:
        """Size-weighted nearest centre outside NRW/BW; candidates are the nearest centres plus every
        large municipality within reach (outer districts of big cities lie far from their centre)."""
        points = to_unit_vectors(lat, lon)
        _, nearest = self.geo.municipality_tree.query(points, k=_NEAREST_CENTRES)
        nearest = np.atleast_2d(nearest)
        reach = (
            self.settings.centre_distance_factor * self._max_outside_radius_km + self.settings.centre_distance_slack_km
        )
        large = self._large_municipality_tree.query_ball_point(points, km_to_chord(reach))
        result = np.full(len(lat), NOT_IN_GERMANY, dtype=np.int64)
        for row in range(len(lat)):
            candidates = np.concatenate(
                (nearest[row], self._large_municipalities[np.asarray(large[row], dtype=np.int64)])
            )
            result[row] = self._best_plausible(float(lat[row]), float(lon[row]), candidates)
            if result[row] == NOT_IN_GERMANY:
                result[row] = self._snap_to_boundary_states(float(lat[row]), float(lon[row]))
        return result

    def _best_plausible(self, lat: float, lon: float, candidates: IntArray) -> int:
        """Among candidate municipalities outside NRW/BW, the plausible one nearest relative to its size."""
        geo = self.geo
        positions = candidates[self._is_outside_boundary_states[candidates]]
        distance = haversine_km(lat, lon, geo.municipality_lat[positions], geo.municipality_lon[positions])
        radius = geo.municipality_radius_km[positions]
        plausible = distance <= self.settings.centre_distance_factor * radius + self.settings.centre_distance_slack_km
        if not plausible.any():
            return NOT_IN_GERMANY
        return int(positions[int(np.argmin(np.where(plausible, distance / radius, np.inf)))])

    def _snap_to_boundary_states(self, lat: float, lon: float) -> int:
        """A point just outside the generalised NRW/BW outline belongs to the nearest municipality inside."""
        boundaries = self.geo.boundaries
        kreis, distance = boundaries.nearest_kreis(lat, lon)
        if distance > self.settings.border_tolerance_km:
            return NOT_IN_GERMANY
        polygon = boundaries.nearest_municipality_in(lat, lon, str(boundaries.kreis_codes[kreis]))
        return int(self._polygon_to_municipality[polygon])

    # -- full resolution -------------------------------------------------------------------

    def resolve(self, query: LocationQuery) -> Location:
        """Resolve one location or raise :class:`LocationError`."""
        result = self.resolve_many([query])[0]
        if isinstance(result, LocationError):
            raise result
        return result

    def resolve_many(self, queries: Sequence[LocationQuery]) -> list[Location | LocationError]:
        """Resolve many locations at once (coordinates are looked up vectorised)."""
        with_coordinates = [i for i, q in enumerate(queries) if q.lat is not None and q.lon is not None]
        lat = np.array([queries[i].lat for i in with_coordinates], dtype=np.float64)
        lon = np.array([queries[i].lon for i in with_coordinates], dtype=np.float64)
        found = self.municipality_positions(lat, lon)
        positions = dict(zip(with_coordinates, found.tolist(), strict=True))
        at_centre = dict(zip(with_coordinates, self._at_municipality_centre(lat, lon, found).tolist(), strict=True))
        results: list[Location | LocationError] = []
        for i, query in enumerate(queries):
            try:
                results.append(self._resolve_one(query, positions.get(i), at_centre.get(i, False)))
            except LocationError as error:
                results.append(error)
        return results

    def _at_municipality_centre(self, lat: FloatArray, lon: FloatArray, positions: IntArray) -> npt.NDArray[np.bool_]:
        """Whether each point is (within :data:`SAME_POINT_KM`) the centre of the municipality it lies in."""
        result = np.zeros(len(positions), dtype=np.bool_)
        inside = np.flatnonzero(positions >= 0)  # finite points in Germany only
        centre = positions[inside]
        distance = haversine_km(
            lat[inside], lon[inside], self.geo.municipality_lat[centre], self.geo.municipality_lon[centre]
        )
        result[inside] = distance <= SAME_POINT_KM
        return result

    def _resolve_one(self, query: LocationQuery, position: int | None, at_centre: bool = False) -> Location:
        if query.lat is not None and query.lon is not None:
            if position is None or position == NOT_IN_GERMANY:
                raise LocationError(
                    "lat",
                    f"Die Koordinaten ({_format_degrees(query.lat)}; {_format_degrees(query.lon)}) liegen nicht in "
                    "Deutschland; "
                    "erwartet werden WGS84-Grad (lat 47,2–55,1, lon 5,8–15,1) eines Ortes in Deutschland.",
                    "outside_germany",
                )
            if query.geocoded:
                self._check_address_point(query, position)
                return self._location(query.lat, query.lon, LocationPrecision.ADDRESS, position)
            precision = LocationPrecision.MUNICIPALITY if at_centre else LocationPrecision.COORDINATES
            if query.postcode is not None:
                distance = self._check_postcode_matches(query.postcode, query.lat, query.lon, position)
                precision = LocationPrecision.POSTCODE if distance <= SAME_POINT_KM else precision
            return self._location(query.lat, query.lon, precision, position)
        if query.postcode is None:
            raise LocationError(
                "postcode",
                "Standort fehlt: Koordinaten (lat, lon) oder eine Postleitzahl angeben.",
                "missing",
            )
        row = self._postcode_row(query.postcode)
        lat, lon = float(row["lat"]), float(row["lon"])
        return self._location(lat, lon, LocationPrecision.POSTCODE, self._postcode_municipality(row, lat, lon))

    def _postcode_row(self, postcode: str) -> dict[str, str]:
        postcode = postcode.strip()
        if postcode not in self._postcodes:
            raise LocationError(
                "postcode",
                f"Unbekannte Postleitzahl '{postcode}': erwartet wird eine gültige deutsche Postleitzahl "
                "aus fünf Ziffern.",
                "unknown_postcode",
            )
        return self._postcodes[postcode]

    def _postcode_ags(self, row: dict[str, str]) -> list[str]:
        return [a for a in str(row["ags_list"]).split(";") if a in self.geo.municipality_position]

    def _postcode_municipality(self, row: dict[str, str], lat: float, lon: float) -> int:
        """The municipality of a postcode's centroid (one per postcode: computed once, an import has many rows)."""
        key = (str(row["plz"]), lat, lon)
        found = self._postcode_municipalities.get(key)
        if found is None:
            found = self._postcode_municipalities[key] = self._find_postcode_municipality(row, lat, lon)
        return found

    def _find_postcode_municipality(self, row: dict[str, str], lat: float, lon: float) -> int:
        ags_list = self._postcode_ags(row)
        if len(ags_list) == 1:
            return self.geo.municipality_position[ags_list[0]]
        found = int(self.municipality_positions(np.array([lat]), np.array([lon]))[0])
        candidates = [self.geo.municipality_position[a] for a in ags_list]
        if found in candidates or (not candidates and found != NOT_IN_GERMANY):
            return found
        if not candidates:
            # A known German postcode without a municipality entry: the nearest municipality centre.
            _, nearest = self.geo.municipality_tree.query(to_unit_vectors(np.array([lat]), np.array([lon])), k=1)
            return int(np.atleast_1d(nearest)[0])
        distances = haversine_km(lat, lon, self.geo.municipality_lat[candidates], self.geo.municipality_lon[candidates])
        return candidates[int(np.argmin(distances))]

    def postcode_radius_km(self, row: dict[str, str]) -> float:
        """Radius of the circle taken as the postcode area (equivalent radius x factor)."""
        area = float(row["area_km2"]) if str(row["area_km2"]) not in ("", "nan") else np.nan
        if not np.isfinite(area) or area <= 0:
            area = self.settings.default_postcode_area_km2
        return float(np.sqrt(area / np.pi) * self.settings.postcode_radius_factor)

    def _postcode_distance(self, postcode: str, lat: float, lon: float) -> tuple[float, float]:
        """Distance of the point from the postcode's centroid and the distance its area allows (km)."""
        row = self._postcode_row(postcode)
        distance = float(haversine_km(lat, lon, float(row["lat"]), float(row["lon"])))
        return distance, self.postcode_radius_km(row) + self.settings.postcode_tolerance_km

    def _check_address_point(self, query: LocationQuery, position: int) -> None:
        """A geocoded point is believed inside one of its postcode's municipalities or within its postcode area."""
        if query.postcode is None or query.lat is None or query.lon is None:
            return
        municipalities = self._postcode_ags(self._postcode_row(query.postcode))
        distance, allowed = self._postcode_distance(query.postcode, query.lat, query.lon)
        if distance <= allowed or self._municipality_fields[position][0] in municipalities:
            return
        municipality = self._municipality_fields[position][1]
        raise LocationError(
            "address",
            f"Der Geokodierer verortet die Adresse in {municipality}, {_format_km(distance)} km vom "
            f"Postleitzahlgebiet {query.postcode} entfernt (erlaubt sind bis {_format_km(allowed)} km oder eine "
            "Gemeinde der Postleitzahl); der Punkt wird nicht übernommen.",
            "implausible_address",
        )

    def _check_postcode_matches(self, postcode: str, lat: float, lon: float, position: int) -> float:
        """The distance from the postcode's centroid (km), or :class:`LocationError` when it does not fit."""
        distance, allowed = self._postcode_distance(postcode, lat, lon)
        if distance > allowed:
            municipality = self.geo.municipalities.iloc[position]["short_name"]
            raise LocationError(
                "postcode",
                f"Postleitzahl '{postcode}' passt nicht zu den Koordinaten: der Punkt liegt in {municipality}, "
                f"{_format_km(distance)} km vom Postleitzahlgebiet entfernt (erlaubt sind bis "
                f"{_format_km(allowed)} km). Bitte Postleitzahl oder Koordinaten korrigieren.",
                "postcode_mismatch",
            )
        return distance

    def _location(self, lat: float, lon: float, precision: LocationPrecision, position: int) -> Location:
        ags, name, kreis_code, kreis_name, state = self._municipality_fields[position]
        return Location(
            lat=lat,
            lon=lon,
            precision=precision,
            municipality_ags=ags,
            municipality_name=name,
            kreis_code=kreis_code,
            kreis_name=kreis_name,
            state=state,
        )


def positions_to_ags(geo: GeoReference, positions: npt.NDArray[np.int64]) -> list[str | None]:
    """AGS for municipality positions (None where not in Germany)."""
    ags = geo.municipalities["ags"].to_numpy(dtype=str)
    return [str(ags[p]) if p >= 0 else None for p in positions.tolist()]
