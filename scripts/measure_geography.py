"""Measure the accuracy and speed of location resolution on the real reference data.

Run from the repository root::

    PYTHONPATH=. python scripts/measure_geography.py

Prints the figures reported in docs/geography.md. Ground truths:

* the centre point of every NRW and BW municipality (Destatis) must resolve to that municipality;
* the OSM polygon centroid of every postcode whose area lies in exactly one municipality
  (postcodes.csv, ``coord_source`` = osm_plz_polygon_centroid, one AGS in ``ags_list``) must resolve
  to that municipality. This truth is independent of the resolver's inputs (municipality centres,
  BKG boundaries);
* every postcode centroid lies in Germany, so every rejection of one is wrong.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from matcher.errors import LocationError
from matcher.geo.reference import GeoReference
from matcher.geo.resolver import (
    _LARGE_RADIUS_KM,
    _NEAREST_CENTRES,
    LocationQuery,
    LocationResolver,
    positions_to_ags,
)
from matcher.reference import load_reference_data
from matcher.settings import MatcherSettings

NRW_BW = ("05", "08")
REPEATS = 5

# Places outside Germany (city centres), to show what is rejected and what is not.
FOREIGN_POINTS = [
    ("Venlo (NL)", 51.370, 6.172),
    ("Kerkrade (NL), 1 km from Herzogenrath", 50.866, 6.063),
    ("Eupen (BE)", 50.630, 6.036),
    ("Strasbourg (FR)", 48.573, 7.752),
    ("Basel (CH)", 47.560, 7.588),
    ("Paris (FR)", 48.857, 2.352),
    ("Salzburg (AT)", 47.800, 13.045),
    ("Kufstein (AT), twin of Kiefersfelden", 47.583, 12.165),
    ("Słubice (PL), twin of Frankfurt (Oder)", 52.350, 14.561),
    ("Görlitz-Zgorzelec (PL side)", 51.153, 15.005),
    ("Cheb (CZ)", 50.080, 12.374),
]

T = TypeVar("T")


def best_of(function: Callable[[], T]) -> tuple[T, float]:
    """Result and the best wall time in seconds of REPEATS runs."""
    timings = []
    result: T
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return result, min(timings)


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, {platform.system()}"


def resolve_points(resolver: LocationResolver, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    positions = resolver.municipality_positions(lat, lon)
    return np.array([ags or "" for ags in positions_to_ags(resolver.geo, positions)], dtype=object)


def share(hits: np.ndarray) -> str:
    return f"{hits.mean():.2%} ({int(hits.sum())} of {len(hits)})"


def single_municipality_postcodes(geo: GeoReference) -> pd.DataFrame:
    postcodes = geo.postcodes
    ags = postcodes["ags_list"]
    keep = (postcodes["coord_source"] == "osm_plz_polygon_centroid") & ags.notna() & ~ags.str.contains(";", na=True)
    return postcodes[keep]


def coordinates(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return table["lat"].to_numpy(dtype=np.float64), table["lon"].to_numpy(dtype=np.float64)


def main() -> None:
    print(f"machine: {machine()}")
    start = time.perf_counter()
    load_reference_data()
    first_load = time.perf_counter() - start
    reference, load_seconds = best_of(load_reference_data)
    geo = reference.geo
    print(f"load_reference_data: first call {first_load:.2f} s, then {load_seconds:.2f} s (best of {REPEATS})")
    settings = MatcherSettings().geography
    resolver = LocationResolver(geo, settings)
    print(f"settings: {settings.model_dump()}")
    reach = settings.centre_distance_factor * resolver._max_outside_radius_km + settings.centre_distance_slack_km
    print(
        f"candidates outside NRW/BW: the {_NEAREST_CENTRES} nearest centres plus any of the "
        f"{len(resolver._large_municipalities)} municipalities with equivalent radius >= {_LARGE_RADIUS_KM} km "
        f"within {reach:.1f} km"
    )

    print("\n== municipality centres (Destatis) -> municipality ==")
    municipalities = geo.municipalities
    for label, prefixes in (("NRW", ("05",)), ("BW", ("08",)), ("NRW+BW", NRW_BW)):
        rows = municipalities[municipalities["ags"].str.startswith(prefixes)]
        found = resolve_points(resolver, *coordinates(rows))
        hits = found == rows["ags"].to_numpy(dtype=object)
        misses = rows.loc[~hits, "ags"].tolist()
        print(f"{label:8s} {share(hits)}; misses: {misses or 'none'}")

    print("\n== OSM centroids of postcodes lying in exactly one municipality -> that municipality ==")
    single = single_municipality_postcodes(geo)
    found = resolve_points(resolver, *coordinates(single))
    truth = single["ags_list"].to_numpy(dtype=object)
    hits = found == truth
    inside = single["ags_list"].str[:2].isin(NRW_BW).to_numpy()
    print(f"NRW+BW            {share(hits[inside])}")
    print(f"rest of Germany   {share(hits[~inside])}")
    same_kreis = np.array([str(a)[:5] == str(b)[:5] for a, b in zip(found, truth, strict=True)])
    print(f"Kreis right: NRW+BW {share(same_kreis[inside])}; rest of Germany {share(same_kreis[~inside])}")
    rejected_single = found == ""
    print(
        f"of the misses in the rest of Germany: {int((rejected_single & ~inside).sum())} rejected, "
        f"{int((~hits & ~rejected_single & ~inside).sum())} assigned to another municipality"
    )
    wrong_inside = single[inside & ~hits]
    for plz, name, ags, got in zip(
        wrong_inside["plz"], wrong_inside["name"], wrong_inside["ags_list"], found[inside & ~hits], strict=True
    ):
        resolved = (
            f"{got} {geo.municipalities['short_name'].iloc[geo.municipality_position[got]]}" if got else "rejected"
        )
        print(f"  NRW/BW miss: {plz} {name}: truth {ags}, resolved {resolved}")
    by_land = pd.DataFrame({"land": single["ags_list"].str[:2].to_numpy(), "hit": hits})
    table = by_land.groupby("land")["hit"].agg(["mean", "size"])
    print(
        "per Land (AGS prefix): "
        + ", ".join(f"{land} {row['mean']:.1%}/{int(row['size'])}" for land, row in table.iterrows())
    )

    print("\n== real postcode centroids rejected as 'not in Germany' (all should be accepted) ==")
    postcodes = geo.postcodes
    found_all = resolve_points(resolver, *coordinates(postcodes))
    rejected = postcodes[found_all == ""]
    print(f"{len(rejected)} of {len(postcodes)} postcode centroids rejected")
    postcode_only = resolver.resolve_many([LocationQuery(postcode=plz) for plz in postcodes["plz"]])
    by_plz = dict(zip(postcodes["plz"], postcode_only, strict=True))
    for plz, name, source, ags in zip(
        rejected["plz"], rejected["name"], rejected["coord_source"], rejected["ags_list"], strict=True
    ):
        alone = by_plz[plz]
        alone_text = (
            f"fails ({alone.code})"
            if isinstance(alone, LocationError)
            else f"{alone.municipality_ags} {alone.municipality_name}"
        )
        ags_text = ags if isinstance(ags, str) else "empty"
        print(f"  {plz} {name} ({source}; ags_list {ags_text}); postcode only -> {alone_text}")
    failed = [
        (plz, r.code) for plz, r in zip(postcodes["plz"], postcode_only, strict=True) if isinstance(r, LocationError)
    ]
    print(f"postcode-only resolution: {len(failed)} of {len(postcodes)} postcodes fail: {failed}")

    print("\n== postcodes spanning several NRW/BW municipalities (postcode only) -> one of them ==")
    spanning = postcodes[postcodes["ags_list"].str.contains(";", na=False) & postcodes["ags_list"].str[:2].isin(NRW_BW)]
    results = resolver.resolve_many([LocationQuery(postcode=plz) for plz in spanning["plz"]])
    listed = np.array(
        [
            not isinstance(r, LocationError) and r.municipality_ags in cell.split(";")
            for r, cell in zip(results, spanning["ags_list"], strict=True)
        ]
    )
    print(f"{share(listed)}")

    print("\n== places outside Germany ==")
    for name, lat, lon in FOREIGN_POINTS:
        result = resolver.resolve_many([LocationQuery(lat=lat, lon=lon)])[0]
        verdict = (
            f"rejected ({result.code})"
            if isinstance(result, LocationError)
            else f"ACCEPTED as {result.municipality_name} ({result.municipality_ags})"
        )
        print(f"  {name:42s} {verdict}")

    print(f"\n== timings (best of {REPEATS}) ==")
    all_lat, all_lon = coordinates(postcodes)
    _, vectorised = best_of(lambda: resolver.municipality_positions(all_lat, all_lon))
    print(f"municipality_positions, {len(all_lat)} postcode centroids at once: {vectorised * 1000:.0f} ms")
    nrw_bw_mask = postcodes["ags_list"].str[:2].isin(NRW_BW).to_numpy() & ~postcodes["ags_list"].isna().to_numpy()
    _, vectorised_inside = best_of(lambda: resolver.municipality_positions(all_lat[nrw_bw_mask], all_lon[nrw_bw_mask]))
    _, vectorised_outside = best_of(
        lambda: resolver.municipality_positions(all_lat[~nrw_bw_mask], all_lon[~nrw_bw_mask])
    )
    print(
        f"  of which NRW/BW ({int(nrw_bw_mask.sum())}): {vectorised_inside * 1000:.0f} ms; "
        f"elsewhere ({int((~nrw_bw_mask).sum())}): {vectorised_outside * 1000:.0f} ms"
    )
    queries = [LocationQuery(lat=a, lon=b) for a, b in zip(all_lat.tolist(), all_lon.tolist(), strict=True)]
    _, many = best_of(lambda: resolver.resolve_many(queries))
    print(f"resolve_many, {len(queries)} coordinate queries (Location objects): {many * 1000:.0f} ms")
    by_postcode = [LocationQuery(postcode=plz) for plz in postcodes["plz"]]
    _, many_postcodes = best_of(lambda: resolver.resolve_many(by_postcode))
    print(f"resolve_many, {len(by_postcode)} postcode-only queries: {many_postcodes * 1000:.0f} ms")
    both = [LocationQuery(lat=q.lat, lon=q.lon, postcode=p.postcode) for q, p in zip(queries, by_postcode, strict=True)]
    both_results, many_both = best_of(lambda: resolver.resolve_many(both))
    print(f"resolve_many, {len(both)} coordinates + postcode queries: {many_both * 1000:.0f} ms")
    mismatches = sum(isinstance(r, LocationError) and r.code == "postcode_mismatch" for r in both_results)
    print(f"  (each centroid with its own postcode: {mismatches} wrongly reported as postcode_mismatch)")
    rng = np.random.default_rng(0)
    single_latencies = []
    for index in rng.choice(len(queries), size=300, replace=False):
        start = time.perf_counter()
        resolver.resolve_many([queries[int(index)]])
        single_latencies.append(time.perf_counter() - start)
    single_latencies.sort()
    print(
        f"one coordinate query at a time (300 random postcode centroids): median "
        f"{statistics.median(single_latencies) * 1000:.2f} ms, p95 {single_latencies[int(0.95 * 300)] * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
