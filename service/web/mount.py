"""Mount the web app on a FastAPI application.

* ``/app/`` — the static files of :data:`STATIC_DIR` (index.html, CSS, ES modules, vendored Leaflet);
  ``/`` redirects there.
* ``GET /web/boundaries/kreise.geojson`` — the Kreis boundaries of NRW and Baden-Württemberg (BKG VG1000),
  the offline base layer of every map, read from the package's reference data (:func:`matcher.resources.data_dir`).

None of these paths is part of the versioned API (``/api/v1``) or its OpenAPI schema; the web app calls the
API like any other client. Call :func:`mount_web` after the API routers are included so the API paths win.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from matcher.resources import data_dir

STATIC_DIR = Path(__file__).resolve().parent / "static"
APP_PATH = "/app"
BOUNDARIES_PATH = "/web/boundaries/kreise.geojson"
BOUNDARY_FILES = ("kreise_nrw_vg1000_2022.geojson", "kreise_bw_vg1000_2022.geojson")
BOUNDARY_ATTRIBUTION = "© GeoBasis-DE / BKG 2022 (Daten verändert), VG1000, dl-de/by-2-0"
CACHE_SECONDS = 86_400
GEOJSON_MEDIA_TYPE = "application/geo+json"


@dataclass(frozen=True)
class _Payload:
    body: bytes
    gzipped: bytes
    etag: str


def merged_boundaries(folder: Path) -> dict[str, Any]:
    """One FeatureCollection of the Kreise of NRW and BW; each feature keeps ``ags``, ``name`` and ``bez``
    and gains ``state`` (DE-NW / DE-BW)."""
    features: list[dict[str, Any]] = []
    for file_name, state in zip(BOUNDARY_FILES, ("DE-NW", "DE-BW"), strict=True):
        collection = json.loads((folder / file_name).read_text(encoding="utf-8"))
        for feature in collection["features"]:
            properties = feature["properties"]
            feature["properties"] = {
                "ags": properties["ags"],
                "name": properties["name"],
                "bez": properties.get("bez"),
                "state": state,
            }
            features.append(feature)
    return {"type": "FeatureCollection", "attribution": BOUNDARY_ATTRIBUTION, "features": features}


@cache
def _boundaries_payload(folder: Path) -> _Payload:
    body = json.dumps(merged_boundaries(folder), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return _Payload(body=body, gzipped=gzip.compress(body, compresslevel=6, mtime=0), etag=etag)


def mount_web(app: FastAPI) -> None:
    """Add the web app (``/app/``), the redirect from ``/`` and the boundaries route to ``app``."""

    @app.get("/", include_in_schema=False)
    def web_root() -> RedirectResponse:
        return RedirectResponse(f"{APP_PATH}/", status_code=307)

    @app.get(BOUNDARIES_PATH, include_in_schema=False)
    def web_boundaries(request: Request) -> Response:
        payload = _boundaries_payload(data_dir() / "geo" / "boundaries")
        headers = {
            "Cache-Control": f"public, max-age={CACHE_SECONDS}",
            "ETag": payload.etag,
            "Vary": "Accept-Encoding",
        }
        if payload.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(
                payload.gzipped, media_type=GEOJSON_MEDIA_TYPE, headers={**headers, "Content-Encoding": "gzip"}
            )
        return Response(payload.body, media_type=GEOJSON_MEDIA_TYPE, headers=headers)

    app.mount(APP_PATH, StaticFiles(directory=STATIC_DIR, html=True), name="web")
