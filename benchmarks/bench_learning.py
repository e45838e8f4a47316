"""Time of a learning run (``matcher.learning.evaluation.learn``: split, two fits, evaluation) on synthetic logs.

Builds ``--lists`` served lists of 10 measures each (the catalogue's ids, random scores) for organisations of
random segments, with a judgement on 2 items of every list (random verdicts with a planted preference), then
times one ``learn`` call. Not a test: run it by hand and copy the figures (with the machine) into
models/LEARNING.md.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_learning.py --lists 10000 100000
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from benchmarks.common import print_machine, status_mb
from matcher.learning.evaluation import learn
from matcher.learning.fitting import Impression, Judgement, LearningSettings
from matcher.reference import load_reference_data

KINDS = ("company", "craft_business", "municipality")
SIZES = ("1-9", "10-49", "50-249", "250+")
SECTIONS = ("C", "F", "G", "H", "none")
CLASSES = ("A", "B", "C", "D", "none")


def synthetic_logs(lists: int, measures: list[str], seed: int) -> tuple[list[Impression], list[Judgement]]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    impressions: list[Impression] = []
    judgements: list[Judgement] = []
    for number in range(lists):
        segment = {
            "all": "all", "kind": rng.choice(KINDS), "size_class": rng.choice(SIZES),
            "wz_section": rng.choice(SECTIONS), "transit_class": rng.choice(CLASSES),
        }  # fmt: skip
        served_at = start + timedelta(minutes=number)
        shown = sorted(rng.sample(measures, 10), key=lambda _: rng.random())
        listed = [
            Impression(
                list_id=f"rec-{number}", served_at=served_at, item_type="measure", item_id=item, rank=rank,
                score=round(1 - rank / 20, 4), segment=segment,
            )
            for rank, item in enumerate(shown, start=1)
        ]  # fmt: skip
        impressions += listed
        for impression in rng.sample(listed[:5], 2):
            liked = 0.2 if (impression.item_id == measures[0] and segment["kind"] == "craft_business") else 0.6
            judgements.append(
                Judgement(
                    list_id=impression.list_id, item_type="measure", item_id=impression.item_id,
                    positive=rng.random() < liked, judged_at=served_at + timedelta(hours=2),
                )
            )  # fmt: skip
    return impressions, judgements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=5)
    options = parser.parse_args()
    print_machine()
    measures = sorted(load_reference_data().catalog.measures)
    for lists in options.lists:
        impressions, judgements = synthetic_logs(lists, measures, options.seed)
        started = time.perf_counter()
        result = learn(impressions, judgements, LearningSettings())
        elapsed = time.perf_counter() - started
        overall = next(g.metrics for g in result.metrics if (g.item_type, g.dimension) == ("all", "all"))
        print(
            f"{lists:,} lists, {len(impressions):,} impressions, {len(judgements):,} judgements: "
            f"learn {elapsed:.2f} s, "
            f"{len(result.adjustments.changes)} adjustments, NDCG@5 {overall.ndcg_before} -> {overall.ndcg_after}, "
            f"peak RSS {status_mb('VmHWM'):.0f} MB"
        )


if __name__ == "__main__":
    main()
