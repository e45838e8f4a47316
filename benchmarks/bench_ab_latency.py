"""Two versions of the product over HTTP in one run: peers and measures of code A and code B, and the empty
endpoint, the probes taking turns (so a burst of load from elsewhere on a shared machine hits both alike).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_ab_latency.py --db sqlite:////tmp/copy.db \\
        --a /path/to/checkout-a --b /path/to/checkout-b [--b-env BMM_SETTING=value] [--requests 600] [--workers 1]

Made for changes worth some tens of µs, which the drift between separate runs of bench_peers_latency.py (±0.1×)
hides. Each server is ``bmm serve`` of its checkout (its own PYTHONPATH) on the same store; ``--b-env`` adds
environment variables to B's (a setting, e.g. ``BMM_RECOMMENDATION_LOG_FLUSH_MS=60000``, with A = B the same
code). The sequence of requests is bench_scale's (``scale_http.sequential_latency``, 20 warm-up rounds). The store
gets API keys: use a copy.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from pathlib import Path

from benchmarks.bench_scale import keys_for_store
from benchmarks.common import print_machine
from benchmarks.scale_http import (
    Probe,
    ServerProcess,
    bmm_command,
    empty_probes,
    free_port,
    print_latency,
    sequential_latency,
    serving_empty_app,
)

API = "/api/v1/organisations"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a copy of an imported store (it gets API keys)")
    parser.add_argument("--a", type=Path, required=True, help="checkout A (e.g. main)")
    parser.add_argument("--b", type=Path, required=True, help="checkout B (e.g. a branch's worktree)")
    parser.add_argument(
        "--b-env", action="append", default=[], type=_setting, metavar="NAME=VALUE", help="for B's server"
    )
    parser.add_argument("--workers", type=int, default=1, help="per server (one connection reaches one worker)")
    parser.add_argument("--requests", type=int, default=600, help="sequential requests per probe")
    parser.add_argument("--clients", type=int, default=32, help="organisations asked for, in turn")
    args = parser.parse_args()
    print_machine()
    keys = keys_for_store(args.db, args.clients, 1)
    extra = dict(args.b_env)
    own = [(v.organisation_id, v.headers) for v in keys.viewers]
    probes: list[Probe] = []
    with tempfile.TemporaryDirectory() as work, contextlib.ExitStack() as servers:
        for name, code, env in (("A", args.a, {}), ("B", args.b, extra)):
            port = free_port()
            server = ServerProcess(
                bmm_command("serve", "--db", args.db, "--port", str(port), "--workers", str(args.workers)),
                port, Path(work) / f"{name}.log", args.workers,
                env={**os.environ, **env, "PYTHONPATH": str(code.resolve())},
            )  # fmt: skip
            servers.callback(server.stop)
            server.start()
            server.wait_until_answers("/health")
            server.wait_until_workers_ready()
            probes.append(Probe(f"peers {name}", server.base_url, [(f"{API}/{i}/peers", h) for i, h in own]))
            probes.append(Probe(f"measures {name}", server.base_url, [(f"{API}/{i}/measures", h) for i, h in own]))
        empty = serving_empty_app(args.db, args.workers, Path(work), servers)
        probes += empty_probes(empty.base_url)
        latency = sequential_latency(probes, args.requests)
    print_latency(probes, latency)


def _setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not name or not equals:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


if __name__ == "__main__":
    main()
