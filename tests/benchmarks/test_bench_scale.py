"""The scale benchmark runs end to end at CI size and prints every figure; no timing is asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each figure's label starts with one of these, in this order (benchmarks/bench_scale.py).
FIGURES = (
    "organisations",
    "member list generated",
    "database",
    "`bmm import`: wall time",
    "`bmm import`: peak RSS",
    "`bmm serve --workers 2`: start until /health answers",
    "… until every worker has built its index",
    "workers replaced by uvicorn's supervisor",
    "RSS / PSS per worker after start",
    "peers (one client",
    "measures (one client",
    "funding (one client",
    "/health (one client",
    "empty endpoint (one client",
    "async empty endpoint (one client",
    "peers p50 ÷ empty endpoint p50",
    "peers p50 ÷ async empty endpoint p50",
    "/health p50 ÷ empty endpoint p50",
    "lean client (http.client)",
    "peers p50 ÷ empty endpoint p50, lean client",
    "peers p50 ÷ async empty endpoint p50, lean client",
    "clusters NRW",
    "write-to-visible",
    "sustained load",
    "… reads",
    "… writes",
    "… errors",
    "RSS / PSS per worker after the load",
    "PostGIS",
)


@pytest.mark.slow
def test_scale_benchmark_runs_at_ci_size_without_errors(tmp_path: Path) -> None:
    command = [sys.executable, "benchmarks/bench_scale.py", "--size", "2000", "--load-seconds", "5", "--requests",
               "50", "--write-trials", "5", "--postgis-queries", "50", "--keep", str(tmp_path)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = (line.split("|") for line in done.stdout.splitlines() if line.startswith("| "))
    table = {cells[1].strip(): cells[2].strip() for cells in rows}
    labels = list(table)
    position = 0
    for figure in FIGURES:  # every figure, in order, each with a value
        found = next((i for i, label in enumerate(labels[position:], position) if label.startswith(figure)), None)
        assert found is not None, f"{figure!r} missing after {labels[position - 1]!r}:\n{done.stdout}"
        assert table[labels[found]], labels[found]
        position = found + 1
    assert table["… errors"] == "0"
    assert "0 timed out" in next(v for k, v in table.items() if k.startswith("write-to-visible"))
    postgis = [v for k, v in table.items() if k.startswith("PostGIS")]
    if postgis[0].startswith("not measured: "):  # no PostgreSQL or no PostGIS here: the reason is printed
        assert len(postgis[0]) > len("not measured: ")
        return
    assert postgis[0].startswith("2,000 rows")
    assert len(postgis) == 3
    assert all(" ms / " in value for value in postgis[1:])
    assert any(k.startswith("product peers p50") for k in table)
