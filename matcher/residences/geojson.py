"""A residence analysis as GeoJSON for QGIS: the listed origins as points at their postcode centroids.

The k rule applies exactly as in the JSON answer, because the features are made from that answer: a Point
feature per listed origin (≥ k people) and one feature without geometry for ``other_origins`` (the postcodes
below k and those secondarily suppressed, ``count`` null when it is suppressed). Postcodes merged into "other"
are not listed one by one: their mere presence would show where a few people live. Pooled answers add
``cross_firm`` to the properties of the origins they name. The answer's other fields ride along as foreign
members of the FeatureCollection (RFC 7946 §6.1), which QGIS ignores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matcher.residences.distances import PostcodeTable

_FEATURE_FIELDS = ("origins", "other_origins", "cross_firm")


def analysis_geojson(answer: Mapping[str, Any], table: PostcodeTable) -> dict[str, Any]:
    """The FeatureCollection of ``answer`` (a single or pooled analysis); coordinates are WGS84 lon, lat."""
    origins = list(answer["origins"])
    shared = {c["postcode"]: c["organisations"] for c in answer.get("cross_firm", [])}
    position: list[int] = table.positions([o["postcode"] for o in origins]).tolist() if origins else []
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [round(float(table.lon[p]), 5), round(float(table.lat[p]), 5)],
            },
            "properties": {
                **origin,
                "suppressed": False,
                **({"cross_firm_organisations": shared[origin["postcode"]]} if origin["postcode"] in shared else {}),
            },
        }
        for origin, p in zip(origins, position, strict=True)
    ]
    other = answer["other_origins"]
    features.append(
        {
            "type": "Feature",
            "geometry": None,
            "properties": {
                "postcode": None,
                "municipality": "übrige Wohnorte",
                "count": other["count"],
                "share": other["share"],
                "suppressed": other["suppressed"],
            },
        }
    )
    extra = {key: value for key, value in answer.items() if key not in _FEATURE_FIELDS}
    return {"type": "FeatureCollection", **extra, "features": features}
