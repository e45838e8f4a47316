"""The start of ``bmm serve --workers N`` on an existing store: seconds until /health answers and until every worker
has built its index, CPU seconds per worker (its own and its finished child processes': the full load reads
SQLite in one), RSS and PSS per worker after the start.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_start.py --database COPY.db [--workers 2]

The server is stopped afterwards. Give it a copy of a store: the workers register with the change log.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from benchmarks.common import print_machine
from benchmarks.scale_http import ServerProcess, bmm_command, free_port, memory_mb


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and of its children it has waited for (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, required=True, help="SQLite store (a copy: the start writes)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print_machine()
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        command = bmm_command(
            "serve", "--db", f"sqlite:///{args.database}", "--port", str(port), "--workers", str(args.workers)
        )
        server = ServerProcess(command, port, Path(folder) / "serve.log", args.workers)
        server.start()
        try:
            health = server.wait_until_answers("/health")
            ready = server.wait_until_workers_ready()
            pids = server.worker_pids()
            cpu = [cpu_seconds(pid) for pid in pids]
            memory = [memory_mb(pid) for pid in pids]
        finally:
            server.stop()
    print(f"`bmm serve --workers {args.workers}`: /health answers after {health:.1f} s, every worker ready after "
          f"{ready:.1f} s")  # fmt: skip
    for pid, seconds, (rss, pss) in zip(pids, cpu, memory, strict=True):
        print(f"worker {pid}: CPU {seconds:.1f} s (with its child processes), RSS {rss:,.0f} MB, PSS {pss:,.0f} MB")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
