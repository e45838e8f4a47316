"""Pick the planner map's colours for problem codes (``PALETTE`` in service/web/static/js/map.js) and print them.

Greedy max-min selection: starting from the Okabe-Ito blue and vermillion, each next colour is the candidate
farthest (CIEDE2000) from all colours chosen so far, compared as they look on the map: a fill of 70 %
opacity over the pale Kreis base map. Candidates are the colours of well-known qualitative palettes (below)
whose CIELAB lightness lies between 30 and 88 and whose fill lies at least 25 (CIEDE2000) from the base
map, so that no fill looks black against the dark outline or melts into the base map. The planner map gives
the first 15 problems of the vocabulary a colour each and the rest the same colours hatched (docs/web.md, Map).

    .venv/bin/python scripts/pick_problem_palette.py [--count 15]
"""

from __future__ import annotations

import argparse
import itertools

from coloraide import Color

# Kelly (1965) "colours of maximum contrast" without white and black; Okabe & Ito (2008); Tableau 10;
# ColorBrewer Dark2 and Set1 (Brewer); Sasha Trubetskoy's "20 simple, distinct colors" (part).
SOURCES: dict[str, list[str]] = {
    "Kelly": [
        "#f3c300", "#875692", "#f38400", "#a1caf1", "#be0032", "#c2b280", "#848482", "#008856", "#e68fac",
        "#0067a5", "#f99379", "#604e97", "#f6a600", "#b3446c", "#dcd300", "#882d17", "#8db600", "#654522",
        "#e25822", "#2b3d26",
    ],
    "Okabe-Ito": ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"],
    "Tableau 10": ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"],
    "ColorBrewer Dark2": ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"],
    "ColorBrewer Set1": ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf"],
    "Trubetskoy": ["#000075", "#800000", "#469990", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#9a6324"],
}  # fmt: skip
START = ["#0072b2", "#d55e00"]
FILL_OPACITY = 0.7  # planner.js: cluster markers
LIGHTNESS = (30.0, 88.0)
MIN_FROM_BASE_MAP = 25.0  # CIEDE2000: pale and grey fills would melt into the Kreis map
# The base map as the markers lie on it: Kreis fill #dfe7ec at 55 % over the map's background #eef2f4 (map.js, app.css).
BASE_MAP = Color.layer([Color("#dfe7ec").set("alpha", 0.55), Color("#eef2f4")])


def on_map(colour: str) -> Color:
    """How a fill of ``colour`` looks on the base map."""
    return Color.layer([Color(colour).set("alpha", FILL_OPACITY), BASE_MAP])


def distance(first: str, second: str) -> float:
    return float(on_map(first).delta_e(on_map(second), method="2000"))


def smallest_distance(colours: list[str]) -> float:
    return min(distance(a, b) for a, b in itertools.combinations(colours, 2))


def pick(count: int) -> list[str]:
    pool = list(dict.fromkeys(c for colours in SOURCES.values() for c in colours))
    pool = [
        c
        for c in pool
        if LIGHTNESS[0] <= Color(c).convert("lab-d65")["lightness"] <= LIGHTNESS[1]
        and on_map(c).delta_e(BASE_MAP, method="2000") >= MIN_FROM_BASE_MAP
    ]
    chosen = list(START)
    while len(chosen) < count:
        chosen.append(max((c for c in pool if c not in chosen), key=lambda c: min(distance(c, d) for d in chosen)))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=15)
    count = parser.parse_args().count
    chosen = pick(count)
    print("PALETTE:", ", ".join(f'"{c}"' for c in chosen))
    print(f"smallest CIEDE2000 between two fills on the base map: {smallest_distance(chosen):.1f}")
    from_base = min(float(on_map(c).delta_e(BASE_MAP, method="2000")) for c in chosen)
    print(f"smallest CIEDE2000 of a fill from the base map: {from_base:.1f}")
    for size in (8, 10, 12, count):
        print(f"  first {size:2d} colours: smallest distance {smallest_distance(chosen[:size]):.1f}")


if __name__ == "__main__":
    main()
