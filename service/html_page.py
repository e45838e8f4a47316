"""What the printable German HTML pages share (consultation brief, residence report).

One A4 stylesheet base, the document frame, small escaped building blocks and the inline SVG map frame with
the Kreis boundaries (BKG VG1000) of the reference data. Pages are self-contained: no script, no external
asset, every text escaped by the caller or here. The web app shows them in a sandboxed frame under its
Content-Security-Policy, which allows each page's one stylesheet by its hash (``service/web/mount.py``), so a
page writes its CSS only through :func:`document` and sets no ``style`` attribute besides the brief's two.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

import numpy as np
import shapely

from matcher.geo.boundaries import BoundaryIndex, project

BOUNDARY_ATTRIBUTION = "Kreisgrenzen: © GeoBasis-DE / BKG 2022 (Daten verändert), VG1000, dl-de/by-2-0"

BASE_CSS = """
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
body { font: 8pt/1.18 "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; margin: 0; }
.sheet { max-width: 180mm; margin: 0 auto; }
header { border-bottom: 2px solid #0b5394; padding-bottom: 1.2mm; }
.top { display: flex; justify-content: space-between; align-items: center; gap: 4mm; }
.eyebrow { margin: 0; font-size: 7.5pt; text-transform: uppercase; letter-spacing: .05em; color: #0b5394; }
h1 { font-size: 13pt; margin: .3mm 0; }
h2 { font-size: 8.8pt; margin: 1.6mm 0 .6mm; color: #0b5394; border-bottom: 1px solid #cfd8e3; }
.meta { margin: 0; color: #444; }
.synthetic { border: 2px solid #b45f06; background: #fff2cc; color: #7f3f00; font-weight: bold;
  padding: .8mm 2.5mm; margin: 0; white-space: nowrap; }
h2 { break-after: avoid; }
li, figure, p { break-inside: avoid; }
ul, ol { margin: 0; padding-left: 4mm; }
li { margin-bottom: .3mm; }
p { margin: 0 0 .8mm; }
.small, .note, .legend, footer { font-size: 6.8pt; color: #555; }
figure { margin: 0 0 1mm; }
svg { width: 100%; height: auto; border: 1px solid #cfd8e3; background: #f7f9fb; }
.kreis { fill: #dde7f2; stroke: #0b5394; stroke-width: 1; }
.nachbar { fill: none; stroke: #a8b5c4; stroke-width: .6; }
.legend { margin: .5mm 0 0; }
@media print { body { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
footer { border-top: 1px solid #cfd8e3; margin-top: 2mm; padding-top: .8mm; }
"""


def csp_hash(text: str) -> str:
    """A CSP source expression for ``text`` (``'sha256-…'``), as browsers hash inline styles and attributes."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def page_headers(css: str, style_attributes: Sequence[str] = ()) -> dict[str, str]:
    """The headers of a printable page answered by the API: a policy that loads nothing and runs nothing (only
    the page's own stylesheet and ``style_attributes`` apply, by hash; images only inline), ``nosniff``, no
    referrer, and ``no-store``: the pages carry data about an organisation's staff, no cache keeps them."""
    styles = [csp_hash(css), *(["'unsafe-hashes'", *map(csp_hash, style_attributes)] if style_attributes else [])]
    policy = (
        f"default-src 'none'; style-src {' '.join(styles)}; img-src data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'self'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def german_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def items(entries: Iterable[str], ordered: bool = False, empty: str = "keine Angaben") -> str:
    """A list of already escaped entries, or an escaped note when there is none."""
    rows = "".join(f"<li>{entry}</li>" for entry in entries)
    tag = "ol" if ordered else "ul"
    return f"<{tag}>{rows}</{tag}>" if rows else f'<p class="small">{escape(empty)}</p>'


def section(title: str, body: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{body}</section>"


def document(title: str, css: str, body: str) -> str:
    """A complete German HTML document: ``title`` is escaped here, ``body`` must already be escaped markup."""
    return (
        f'<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
        f'<style>{css}</style>\n</head>\n<body>\n<main class="sheet">\n{body}</main>\n</body>\n</html>\n'
    )


# -- map --------------------------------------------------------------------------------------------


def lonlat_rings(geometry: shapely.Geometry) -> list[np.ndarray]:
    """The rings of a boundary polygon (local km frame of ``matcher.geo.boundaries``) in lon/lat degrees."""
    km_per_lon, km_per_lat = (float(v[0]) for v in project(np.array([1.0]), np.array([1.0])))
    polygons = [part for part in shapely.get_parts(geometry) if isinstance(part, shapely.Polygon)]
    rings = [ring for polygon in polygons for ring in (polygon.exterior, *polygon.interiors)]
    return [np.asarray(ring.coords) / np.array([km_per_lon, km_per_lat]) for ring in rings]


def kreis_rings(boundaries: BoundaryIndex, kreis_code: str) -> list[np.ndarray]:
    """The lon/lat rings of one Kreis, empty when it is not on file (outside NRW and BW)."""
    found = np.flatnonzero(boundaries.kreis_codes == kreis_code)
    return lonlat_rings(boundaries.kreis_geometries[found[0]]) if len(found) else []


@dataclass(frozen=True)
class MapFrame:
    """An equirectangular SVG frame (``width`` × ``height`` user units) fitted around lon/lat points, centred."""

    width: float
    height: float
    lon0: float
    lat1: float
    cos_lat: float
    scale: float  # user units per degree of latitude
    left: float
    top: float

    @classmethod
    def fit(
        cls, points: np.ndarray, width: float, height: float, pad: float, widen: tuple[float, float] = (0.0, 0.0)
    ) -> MapFrame:
        """The frame showing every ``points`` row (lon, lat), widened by ``widen`` degrees (lon, lat) each side."""
        lon0, lat0 = points[:, 0].min() - widen[0], points[:, 1].min() - widen[1]
        lon1, lat1 = points[:, 0].max() + widen[0], points[:, 1].max() + widen[1]
        cos_lat = float(np.cos(np.radians((lat0 + lat1) / 2)))
        width_deg, height_deg = max((lon1 - lon0) * cos_lat, 1e-6), max(lat1 - lat0, 1e-6)
        scale = min((width - 2 * pad) / width_deg, (height - 2 * pad) / height_deg)
        left, top = (width - width_deg * scale) / 2, (height - height_deg * scale) / 2
        return cls(width, height, float(lon0), float(lat1), cos_lat, float(scale), float(left), float(top))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return self.left + (lon - self.lon0) * self.cos_lat * self.scale, self.top + (self.lat1 - lat) * self.scale

    def inside(self, lon: float, lat: float) -> bool:
        x, y = self.xy(lon, lat)
        return 0 <= x <= self.width and 0 <= y <= self.height

    def path(self, rings: Sequence[np.ndarray], css: str) -> str:
        parts = [
            "M" + " L".join("{:.1f},{:.1f}".format(*self.xy(float(lon), float(lat))) for lon, lat in ring) + " Z"
            for ring in rings
        ]
        return f'<path class="{css}" fill-rule="evenodd" d="{" ".join(parts)}"/>'

    def kreise(self, boundaries: BoundaryIndex, own: str | None, margin: float = 10.0) -> list[str]:
        """Paths of the Kreise in view (clipped to a little more than the frame); ``own`` filled, last."""
        margin_deg = margin / self.scale
        west = self.lon0 - (self.left / self.cos_lat) / self.scale - margin_deg
        east = self.lon0 + ((self.width - self.left) / self.cos_lat) / self.scale + margin_deg
        south = self.lat1 - (self.height - self.top) / self.scale - margin_deg
        north = self.lat1 + self.top / self.scale + margin_deg
        km_lon, km_lat = project(np.array([south, north]), np.array([west, east]))
        box = (float(km_lon[0]), float(km_lat[0]), float(km_lon[1]), float(km_lat[1]))
        in_view = [int(i) for i in boundaries.kreis_tree.query(shapely.box(*box)) if boundaries.kreis_codes[i] != own]
        clipped = [shapely.clip_by_rect(boundaries.kreis_geometries[i], *box) for i in sorted(in_view)]
        shapes = [self.path(lonlat_rings(geometry), "nachbar") for geometry in clipped if not geometry.is_empty]
        own_rings = kreis_rings(boundaries, own) if own else []
        if own_rings:
            shapes.append(self.path(own_rings, "kreis"))
        return shapes

    def svg(self, shapes: Iterable[str], label: str, defs: str = "") -> str:
        """The ``<svg>`` element; ``label`` (escaped here) is its accessible name."""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:.0f} {self.height:.0f}" role="img" '
            f'aria-label="{escape(label)}">{defs}{"".join(shapes)}</svg>'
        )
