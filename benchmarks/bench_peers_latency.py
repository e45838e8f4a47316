"""The latency part of bench_scale.py alone, on a store imported before: peers (and measures, funding, /health)
against the empty endpoint, both served by ``bmm serve --workers N``'s own code, in the same run.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_peers_latency.py --db sqlite:////tmp/copy.db
        [--workers 2] [--requests 200] [--code /path/to/checkout] [--python /other/.venv/bin/python]

The method is bench_scale.py's, step for step: API keys for ``--clients`` sampled employers visible to peers
(``issue_keys``, same seed), ``bmm serve --workers N`` and ``benchmarks/empty_app.py`` with the same options,
then ``scale_http.sequential_latency`` (httpx2 and http.client, one keep-alive connection each per server, one
request at a time, the probes taking turns, 20 warm-up rounds). It saves the import of a 1M run when only the
per-request figure is wanted. The store gets API keys: use a copy. ``--code`` serves another checkout's code (e.g.
main, for a before/after on the same store); the default is this one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from pathlib import Path

from benchmarks import scale_http
from benchmarks.bench_scale import keys_for_store
from benchmarks.common import print_machine
from benchmarks.scale_http import (
    ServerProcess,
    bmm_command,
    free_port,
    print_latency,
    route_probes,
    sequential_latency,
    serving_empty_app,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a copy of an imported store (it gets API keys)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per route")
    parser.add_argument("--clients", type=int, default=32, help="organisations asked for, in turn")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--code", type=Path, help="serve the code of this checkout (default: this one)")
    scale_http.add_python_option(parser)
    args = parser.parse_args()
    scale_http.use_python_option(args)
    if args.code is not None:
        code = str(args.code.resolve())
        scale_http.child_env = lambda: {**os.environ, "PYTHONPATH": code}
    print_machine()
    keys = keys_for_store(args.db, args.clients, args.seed)
    with tempfile.TemporaryDirectory() as work, contextlib.ExitStack() as servers:
        folder = Path(work)
        port = free_port()
        service = ServerProcess(
            bmm_command("serve", "--db", args.db, "--port", str(port), "--workers", str(args.workers)),
            port, folder / "serve.log", args.workers,
        )  # fmt: skip
        servers.callback(service.stop)
        service.start()
        print(f"start until /health answers: {service.wait_until_answers('/health'):.1f} s", flush=True)
        print(f"until every worker has built its index: {service.wait_until_workers_ready():.1f} s", flush=True)
        empty = serving_empty_app(args.db, args.workers, folder, servers)
        probes = route_probes(service.base_url, empty.base_url, keys.viewers)
        latency = sequential_latency(probes, args.requests)
    print_latency(probes, latency)


if __name__ == "__main__":
    main()
