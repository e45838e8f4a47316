"""The planner map's colours for problem codes (map.js PALETTE): distinct on the base map, enough for the vocabulary
with the second channel (hatching), and the ones scripts/pick_problem_palette.py picks (no browser needed)."""

from __future__ import annotations

import importlib.util
import itertools
import re
from pathlib import Path
from types import ModuleType

from coloraide import Color

from matcher.vocabulary import ProblemCode
from service.web.mount import STATIC_DIR

ROOT = Path(__file__).resolve().parents[2]
MAP_JS = (STATIC_DIR / "js" / "map.js").read_text(encoding="utf-8")


def _js_colours(name: str) -> list[str]:
    body = re.search(rf"export const {name} = \[(.*?)\];", MAP_JS, re.S)
    assert body is not None, name
    return re.findall(r'"(#[0-9a-f]{6})"', body.group(1))


def _picker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pick_problem_palette", ROOT / "scripts" / "pick_problem_palette.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PALETTE = _js_colours("PALETTE")


def test_the_palette_is_the_one_the_script_picks() -> None:
    assert _picker().pick(len(PALETTE)) == PALETTE


def test_fills_are_distinct_on_the_base_map_and_stand_out_from_it() -> None:
    picker = _picker()
    distances = [picker.distance(a, b) for a, b in itertools.combinations(PALETTE, 2)]
    assert min(distances) >= 12.5  # CIEDE2000; about 2.3 is a just-noticeable difference
    assert all(picker.on_map(c).delta_e(picker.BASE_MAP, method="2000") >= 25 for c in PALETTE)


def test_colour_and_hatching_give_every_problem_its_own_look() -> None:
    assert len(set(PALETTE)) == len(PALETTE) == 15
    assert len(ProblemCode) <= 2 * len(PALETTE)  # 29 problems: 15 colours, 14 of them again hatched
    no_problem = re.search(r'const NO_PROBLEM = "(#[0-9a-f]{6})"', MAP_JS)
    assert no_problem is not None
    assert no_problem.group(1) not in PALETTE
    assert Color(no_problem.group(1)).convert("oklch")["chroma"] < 0.03  # grey: no problem's colour
