"""The HTTP side of the scale benchmark: starting a server process, latency, write-to-visible and load.

Every request goes over loopback to a real ``uvicorn`` process (``bmm serve`` or the empty app); nothing
is called in process. Latencies are measured by the client, so they include HTTP parsing on both ends.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx2
import numpy as np

REQUEST_SECONDS = 120.0  # an answer slower than this counts as an error
REQUEST_TIMEOUT = httpx2.Timeout(REQUEST_SECONDS)
START_TIMEOUT_SECONDS = 1800.0
_STARTED = re.compile(r"Started server process \[(\d+)\]")
_READY = "Application startup complete."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentiles(times_ms: Sequence[float]) -> tuple[float, float]:
    """(p50, p99) in ms; NaN for no samples."""
    if not times_ms:
        return float("nan"), float("nan")
    p50, p99 = np.percentile(np.asarray(times_ms), [50, 99])
    return float(p50), float(p99)


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process in MB from /proc (Linux); PSS shares pages between the processes mapping them."""
    rss = pss = float("nan")
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, pss


@dataclass
class ServerProcess:
    """A uvicorn server started as a child process (in its own process group), logging to a file."""

    command: list[str]
    port: int
    log: Path
    workers: int
    env: dict[str, str] | None = None  # the child's environment (default: child_env())
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.started_at = time.perf_counter()
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=self.env if self.env is not None else child_env(),
            )

    def wait_until_answers(self, path: str) -> float:
        """Seconds from the start until ``path`` answers 200 (polling every 20 ms)."""
        assert self.process is not None
        with httpx2.Client(base_url=self.base_url, timeout=5.0) as client:
            while True:
                self._check_alive()
                try:
                    if client.get(path).status_code == 200:
                        return time.perf_counter() - self.started_at
                except httpx2.TransportError:
                    pass
                if time.perf_counter() - self.started_at > START_TIMEOUT_SECONDS:
                    raise RuntimeError(f"{self.command[2:4]} did not answer {path} within {START_TIMEOUT_SECONDS} s")
                time.sleep(0.02)

    def wait_until_workers_ready(self) -> float:
        """Seconds from the start until every worker logged that its start-up (index build) is complete."""
        while self.log.read_text(errors="replace").count(_READY) < self.workers:
            self._check_alive()
            if time.perf_counter() - self.started_at > START_TIMEOUT_SECONDS:
                raise RuntimeError(f"not all {self.workers} workers started within {START_TIMEOUT_SECONDS} s")
            time.sleep(0.05)
        return time.perf_counter() - self.started_at

    def restarts(self) -> int:
        """Workers uvicorn's supervisor killed and replaced, e.g. for not answering its health check in time."""
        return self.log.read_text(errors="replace").count("] died")

    def worker_pids(self) -> list[int]:
        """The worker processes (uvicorn logs each one's pid; with one worker it is the server process)."""
        return [int(pid) for pid in _STARTED.findall(self.log.read_text(errors="replace"))][-self.workers :]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)  # as Ctrl+C: uvicorn shuts its workers down gracefully
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def _check_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(f"server exited with {self.process.returncode}:\n{tail}")


ROOT = Path(__file__).resolve().parent.parent


def child_env() -> dict[str, str]:
    """This environment with the repository first on PYTHONPATH (the code under test, not an installed copy)."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}


# The interpreter of the product's processes (``bmm``, the empty app): this one unless a benchmark's ``--python``
# names another (an optimised build, docs/benchmarks.md, eighth round); the benchmark's client stays on this one.
product_python = sys.executable


def add_python_option(parser: argparse.ArgumentParser) -> None:
    """``--python``: sets :data:`product_python` (see :func:`use_python_option`)."""
    parser.add_argument(
        "--python",
        type=_interpreter,
        help="interpreter of the product's processes, with the project installed (e.g. another .venv's python; "
        "default: this one)",
    )


def _interpreter(path: str) -> str:
    if not os.access(path, os.X_OK) or os.path.isdir(path):
        raise argparse.ArgumentTypeError(f"{path!r} is not an executable interpreter")
    return path


def use_python_option(args: argparse.Namespace) -> None:
    """The interpreter ``--python`` names, or this one."""
    global product_python
    product_python = args.python or sys.executable


def bmm_command(*args: str) -> list[str]:
    """``bmm ARGS`` run by :data:`product_python` from the code on the child's PYTHONPATH (``-P``: ``python -m``
    would otherwise put the working directory first, and serve this checkout whatever PYTHONPATH names)."""
    return [product_python, "-P", "-m", "service.cli", *args]


def serving_empty_app(database_url: str, workers: int, folder: Path, servers: contextlib.ExitStack) -> ServerProcess:
    """The empty FastAPI app served by ``bmm serve``'s own code and options (benchmarks/empty_app.py), started and
    answering with every worker; stopped when ``servers`` closes (or before, by its ``stop``)."""
    port = free_port()
    command = [product_python, "-P", "-m", "benchmarks.empty_app", "--db", database_url, "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    # This checkout's empty app, also when a benchmark serves another checkout's product (``child_env`` replaced).
    empty = ServerProcess(command, port, folder / "empty.log", workers, env={**os.environ, "PYTHONPATH": str(ROOT)})
    servers.callback(empty.stop)
    empty.start()
    empty.wait_until_answers("/empty")
    empty.wait_until_workers_ready()
    return empty


EMPTY, EMPTY_ASYNC = "empty endpoint", "async empty endpoint"


def print_latency(probes: Sequence[Probe], latency: Latency) -> None:
    """Each probe's p50 and p99, and its p50 ÷ the empty endpoint's (two decimals: the must is ≤ 2×) and ÷ the
    async empty endpoint's (the stricter floor, benchmarks/empty_app.py), as each client measured them."""
    for client, measured in latency.items():
        print(f"client {client}:")
        floor, strict = measured[EMPTY][0], measured[EMPTY_ASYNC][0]
        for probe in probes:
            p50, p99 = measured[probe.name]
            print(
                f"  {probe.name:19s} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  p50 ÷ empty {p50 / floor:5.2f}×  "
                f"÷ async empty {p50 / strict:5.2f}×"
            )


# -- sequential latency ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One kind of request: ``GET base_url + path`` with ``headers``."""

    name: str
    base_url: str
    paths: Sequence[tuple[str, dict[str, str]]]  # (path, headers) cycled through


HTTPX = "httpx2"  # the benchmark's client from its first run: every earlier figure is its
LEAN = "http.client"  # the standard library's: 0.4–0.5 ms less of its own per request (docs/benchmarks.md, ninth round)
Latency = dict[str, dict[str, tuple[float, float]]]  # client -> probe name -> (p50, p99) in ms


class _Client(Protocol):
    def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]: ...

    def close(self) -> None: ...


class _LeanClient:
    """``http.client`` on one keep-alive connection, with httpx2's ``get`` and ``close`` as far as used here."""

    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self._connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=REQUEST_SECONDS
        )

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        self._connection.request("GET", path, headers=headers)
        response = self._connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self._connection.close()


class _HttpxClient:
    def __init__(self, base_url: str) -> None:
        self._client = httpx2.Client(base_url=base_url, timeout=REQUEST_TIMEOUT)

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        response = self._client.get(path, headers=headers)
        return response.status_code, response.content

    def close(self) -> None:
        self._client.close()


def sequential_latency(probes: Sequence[Probe], requests: int, warmup: int = 20) -> Latency:
    """(p50, p99) in ms per client and probe: one request at a time, one keep-alive connection per server.

    The probes take turns (one request each per round), so a burst of load from elsewhere on a shared
    machine hits all of them alike. httpx2 measures first, as in every earlier run of the benchmark; then
    http.client the same way. Each client's own time is in every figure it measures, in the empty endpoint's
    too: httpx2's larger share makes every ratio to it smaller, so both are printed. Any answer but 200 stops
    the benchmark.
    """
    makers: dict[str, Callable[[str], _Client]] = {HTTPX: _HttpxClient, LEAN: _LeanClient}
    return {kind: _taking_turns(probes, requests, warmup, make) for kind, make in makers.items()}


def _taking_turns(
    probes: Sequence[Probe], requests: int, warmup: int, make: Callable[[str], _Client]
) -> dict[str, tuple[float, float]]:
    clients = {probe.base_url: make(probe.base_url) for probe in probes}
    times: dict[str, list[float]] = {probe.name: [] for probe in probes}
    try:
        for round_ in range(warmup + requests):
            for probe in probes:
                path, headers = probe.paths[round_ % len(probe.paths)]
                started = time.perf_counter()
                status, body = clients[probe.base_url].get(path, headers)
                elapsed = (time.perf_counter() - started) * 1000
                if status != 200:
                    raise RuntimeError(f"{probe.name}: {path} answered {status}: {body[:300]!r}")
                if round_ >= warmup:
                    times[probe.name].append(elapsed)
    finally:
        for client in clients.values():
            client.close()
    return {name: percentiles(values) for name, values in times.items()}


def timed_gets(base_url: str, path: str, headers: dict[str, str], times: int) -> list[float]:
    """Seconds for each of ``times`` GETs on one keep-alive connection, so on one worker (each must answer 200)."""
    seconds = []
    with httpx2.Client(base_url=base_url, timeout=httpx2.Timeout(1800.0)) as client:
        for _ in range(times):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            seconds.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
    return seconds


# -- a write until it is visible ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """An organisation and its own API key (role organisation: it sees only peers visible to peers)."""

    organisation_id: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key}


def route_probes(service_url: str, empty_url: str, viewers: Sequence[Viewer]) -> list[Probe]:
    """The scale benchmark's latency probes: each viewer asks for its own peers, measures and funding; /health;
    and the empty endpoint, the floor of the ratios."""
    api = "/api/v1/organisations"
    own = [(v.organisation_id, v.headers) for v in viewers]
    return [
        Probe("peers", service_url, [(f"{api}/{i}/peers", h) for i, h in own]),
        Probe("measures", service_url, [(f"{api}/{i}/measures", h) for i, h in own]),
        Probe("funding", service_url, [(f"{api}/{i}/funding", h) for i, h in own]),
        Probe("/health", service_url, [("/health", {})]),
        *empty_probes(empty_url),
    ]


def empty_probes(empty_url: str) -> list[Probe]:
    """The floors: the empty endpoint (plain ``def``) and the async one (benchmarks/empty_app.py)."""
    return [Probe(EMPTY, empty_url, [("/empty", {})]), Probe(EMPTY_ASYNC, empty_url, [("/empty-async", {})])]


@dataclass
class WriteToVisible:
    seconds: list[float] = field(default_factory=list)  # from the PATCH's 2xx to the first peers answer without it
    polls: list[int] = field(default_factory=list)  # peers answers read until then (the last one included)
    timeouts: int = 0


def write_to_visible(
    base_url: str, viewers: Sequence[Viewer], admin_key: str, trials: int, timeout: float = 120.0
) -> WriteToVisible:
    """Hide a viewer's top peer (``PATCH visible_to_peers=false`` as admin) and poll the viewer's peers until
    the peer is gone; then make it visible again. With several workers neither request can pick its worker:
    writer and poller use separate connections, so they land on whichever worker accepts them.
    """
    result = WriteToVisible()
    admin = {"X-API-Key": admin_key}
    with (
        httpx2.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as writer,
        httpx2.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as reader,
    ):
        for trial in range(trials):
            viewer = viewers[trial % len(viewers)]
            peers_path = f"/api/v1/organisations/{viewer.organisation_id}/peers"
            before = _ok(reader.get(peers_path, headers=viewer.headers)).json()["items"]
            if not before:
                continue
            target = before[0]["id"]
            _ok(writer.patch(f"/api/v1/organisations/{target}", json={"visible_to_peers": False}, headers=admin))
            written = time.perf_counter()
            polls = 0
            while True:
                polls += 1
                ids = {item["id"] for item in _ok(reader.get(peers_path, headers=viewer.headers)).json()["items"]}
                now = time.perf_counter()
                if target not in ids:
                    result.seconds.append(now - written)
                    result.polls.append(polls)
                    break
                if now - written > timeout:
                    result.timeouts += 1
                    break
            _ok(writer.patch(f"/api/v1/organisations/{target}", json={"visible_to_peers": True}, headers=admin))
    return result


def _ok(response: httpx2.Response) -> httpx2.Response:
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                           f"{response.text[:300]}")  # fmt: skip
    return response


# -- sustained load ---------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    seconds: float
    reads_ms: list[float] = field(default_factory=list)
    writes_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)  # what went wrong -> how often

    @property
    def requests(self) -> int:
        return len(self.reads_ms) + len(self.writes_ms) + sum(self.errors.values())


READ_ROUTES = ("peers", "measures", "funding")


def sustained_load(
    base_url: str, viewers: Sequence[Viewer], seconds: float, write_share: float = 0.05, seed: int = 1
) -> LoadResult:
    """``len(viewers)`` concurrent clients for ``seconds``: each asks about its own organisation (peers,
    measures or funding, at random) or, with probability ``write_share``, PATCHes its own head count.
    Each client sends its next request when the previous one is answered; requests still open at the end
    are awaited and counted."""
    return asyncio.run(_load(base_url, viewers, seconds, write_share, seed))


async def _load(base_url: str, viewers: Sequence[Viewer], seconds: float, write_share: float, seed: int) -> LoadResult:
    limits = httpx2.Limits(max_connections=len(viewers), max_keepalive_connections=len(viewers))
    result = LoadResult(seconds)
    async with httpx2.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits) as client:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(
            *(_client(client, viewer, deadline, write_share, random.Random(seed + i), result)
              for i, viewer in enumerate(viewers))
        )  # fmt: skip
        result.seconds = time.perf_counter() - started
    return result


async def _client(
    client: httpx2.AsyncClient, viewer: Viewer, deadline: float, write_share: float, rng: random.Random,
    result: LoadResult,
) -> None:  # fmt: skip
    base = f"/api/v1/organisations/{viewer.organisation_id}"
    while time.perf_counter() < deadline:
        write = rng.random() < write_share
        started = time.perf_counter()
        try:
            if write:
                response = await client.patch(base, json={"employees": rng.randint(10, 500)}, headers=viewer.headers)
            else:
                response = await client.get(f"{base}/{rng.choice(READ_ROUTES)}", headers=viewer.headers)
        except httpx2.HTTPError as error:
            result.errors[type(error).__name__] += 1
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code >= 300:
            result.errors[f"HTTP {response.status_code}"] += 1
        elif write:
            result.writes_ms.append(elapsed)
        else:
            result.reads_ms.append(elapsed)
