"""National scale, end to end, in one run: import, start, memory, latency, freshness, load, and PostGIS.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_scale.py --size 100000 [--database postgresql]
    PYTHONPATH=. .venv/bin/python benchmarks/bench_scale.py --size 2000 --load-seconds 5   # CI size, < 60 s

Everything goes through the product's real entry points, each in its own process:

1. a synthetic member list of ``--size`` demo organisations (benchmarks/scale_data.py, synthetic=true),
2. ``bmm import`` into a new SQLite file (or a throwaway PostgreSQL): wall time and the child's peak RSS,
3. ``bmm serve --workers N``: seconds until /health answers and until every worker has built its index,
   RSS (and PSS) of each worker,
4. p50/p99 over HTTP, one request at a time, of peers, measures and funding (organisation keys of sampled
   organisations asking about themselves), /health, and an empty FastAPI endpoint served by uvicorn with
   the same options in the same run (benchmarks/empty_app.py),
5. clusters of NRW (planner key DE-NW): the first answer (computed) and the second (cached),
6. write-to-visible: ``PATCH visible_to_peers=false`` of an organisation's top peer, then its peers are
   polled until the peer is gone (from the PATCH's 2xx to the first answer without it),
7. a sustained load: ``--clients`` concurrent clients for ``--load-seconds``, 95 % reads / 5 % writes,
8. PostgreSQL with PostGIS (started throwaway like the tests' server) answering the same candidate query
   on the same organisations (benchmarks/scale_postgis.py), while the service is stopped.

It prints the machine, progress on stderr, and at the end every figure as a Markdown table. The figures
are one run on whatever machine this is: compare them only with figures of the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, select

from benchmarks import scale_http
from benchmarks.common import EMPLOYERS, print_machine
from benchmarks.scale_http import (
    EMPTY,
    EMPTY_ASYNC,
    HTTPX,
    LEAN,
    LoadResult,
    ServerProcess,
    Viewer,
    WriteToVisible,
    bmm_command,
    child_env,
    free_port,
    memory_mb,
    percentiles,
    route_probes,
    sequential_latency,
    serving_empty_app,
    sustained_load,
    timed_gets,
    write_to_visible,
)
from benchmarks.scale_postgis import CandidateRow, candidates, conninfo, load, postgis_available, rarest_problems
from matcher.artefacts import load_card
from matcher.index import PEER_GROUPS
from matcher.reference import load_reference_data
from matcher.resources import models_dir
from matcher.settings import MatcherSettings, PeerSettings
from matcher.vectorise import PROBLEMS
from matcher.vocabulary import OrganisationKind
from service.auth import Role, SqlApiKeyRepository, SubjectRules
from service.storage.database import make_engine, upgrade
from service.storage.tables import organisation_issues, organisations
from tests.service.postgres import LocalServer, PostgresServer, PostgresUnavailableError


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Figures:
    """The figures of the run, in the order measured, printed as one Markdown table."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def add(self, name: str, value: str) -> None:
        self.rows.append((name, value))
        log(f"{name}: {value}")

    def latency(self, name: str, p50_p99: tuple[float, float]) -> None:
        self.add(f"{name} p50 / p99", f"{p50_p99[0]:.2f} ms / {p50_p99[1]:.2f} ms")

    def print(self) -> None:
        print("| figure | value |")
        print("|---|---|")
        for name, value in self.rows:
            print(f"| {name} | {value} |")


def mb(value: float) -> str:
    return f"{value:,.0f} MB"


# -- one measured child process ---------------------------------------------------------------------------


def run_measured(command: list[str], log_file: Path) -> tuple[float, float]:
    """Run ``command`` to completion: (wall seconds, peak RSS of that process in MB, from wait4's rusage)."""
    with log_file.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=child_env())
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-20:])
        raise RuntimeError(f"{' '.join(command[2:4])} exited with {process.returncode}:\n{tail}")
    return wall, usage.ru_maxrss / 1024  # Linux: kilobytes


# -- keys and the sampled organisations ------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    admin: str
    planner: str  # DE-NW
    viewers: list[Viewer]  # sampled employers visible to peers, each with its own organisation key


def keys_for_store(url: str, clients: int = 32, seed: int = 1) -> Keys:
    """:func:`issue_keys` for a store imported before (migrated to head first): the latency benchmarks' callers."""
    engine = make_engine(url)
    upgrade(engine)
    keys = issue_keys(engine, clients, seed)
    engine.dispose()
    return keys


def issue_keys(engine: Engine, clients: int, seed: int) -> Keys:
    """Real API keys in the product's key store (as ``bmm keys create`` makes them)."""
    with engine.connect() as connection:
        ids = connection.execute(
            select(organisations.c.id)
            .where(organisations.c.kind.in_(EMPLOYERS), organisations.c.visible_to_peers.is_(True))
            .order_by(organisations.c.id)
        ).scalars().all()  # fmt: skip
    if len(ids) < clients:
        raise RuntimeError(f"only {len(ids)} employers visible to peers, {clients} clients wanted")
    chosen = random.Random(seed).sample(list(ids), clients)
    keys = SqlApiKeyRepository(engine)
    rules = SubjectRules.from_reference(load_reference_data())
    label = "bench_scale"
    return Keys(
        admin=keys.create(Role.ADMIN, None, rules=rules, label=label)[1],
        planner=keys.create(Role.PLANNER, "DE-NW", rules=rules, label=label)[1],
        viewers=[Viewer(i, keys.create(Role.ORGANISATION, i, rules=rules, label=label)[1]) for i in chosen],
    )


# -- the PostGIS comparison ------------------------------------------------------------------------------


def candidate_rows(engine: Engine) -> Iterator[CandidateRow]:
    """Every stored organisation as the product located it: id, peer group, point, visibility, problems."""
    column = {code.value: i for i, code in enumerate(PROBLEMS)}
    bits: dict[str, int] = {}
    with engine.connect() as connection:
        for organisation_id, issue in connection.execution_options(yield_per=50_000).execute(
            select(organisation_issues.c.organisation_id, organisation_issues.c.issue)
        ):
            bits[organisation_id] = bits.get(organisation_id, 0) | (1 << column[issue])
        query = select(
            organisations.c.id, organisations.c.kind, organisations.c.location_lat, organisations.c.location_lon,
            organisations.c.visible_to_peers,
        )  # fmt: skip
        for organisation_id, kind, lat, lon, visible in connection.execution_options(yield_per=50_000).execute(query):
            group = PEER_GROUPS[OrganisationKind(kind)]
            yield CandidateRow(organisation_id, group, lat, lon, bool(visible), bits.get(organisation_id, 0))


@dataclass(frozen=True)
class PostgisResult:
    rows: int
    load_seconds: float
    knn: tuple[float, float]  # the nearest candidates alone
    blocking: tuple[float, float]  # the whole blocking: nearest plus the nearest per rarest problem
    candidates_per_query: float


def postgis_comparison(
    server: PostgresServer, engine: Engine, viewers: Sequence[Viewer], queries: int, settings: PeerSettings
) -> PostgisResult:
    import psycopg

    url = server.create_database()
    try:
        with psycopg.connect(conninfo(url)) as connection:
            if not postgis_available(connection):
                raise PostgresUnavailableError("PostGIS nicht installiert: scripts/install_postgis.sh")
            started = time.perf_counter()
            rows = list(candidate_rows(engine))
            count = load(connection, rows)
            load_seconds = time.perf_counter() - started
            weights = np.array([load_card(models_dir()).issue_weights[code.value] for code in PROBLEMS])
            by_id = {row.id: row for row in rows if row.id in {v.organisation_id for v in viewers}}
            del rows
            asked = [by_id[v.organisation_id] for v in viewers]
            knn: list[float] = []
            blocking: list[float] = []
            found = 0
            for round_ in range(20 + queries):
                row = asked[round_ % len(asked)]
                issues = np.array([(row.issue_bits >> i) & 1 for i in range(len(PROBLEMS))], dtype=np.bool_)
                rarest = rarest_problems(issues, weights, settings.problem_queries)
                for times, per_problem, problems in ((knn, 0, []), (blocking, settings.per_problem_candidates, rarest)):
                    began = time.perf_counter()
                    ids = candidates(
                        connection, lat=row.lat, lon=row.lon, group=row.group, radius_km=settings.radius_km,
                        nearest=settings.nearest_candidates + 1, per_problem=per_problem, problems=problems,
                    )  # fmt: skip
                    if round_ >= 20:
                        times.append((time.perf_counter() - began) * 1000)
                        found += len(ids) if times is blocking else 0
        return PostgisResult(count, load_seconds, percentiles(knn), percentiles(blocking), found / queries)
    finally:
        server.drop_database(url)


# -- the run ------------------------------------------------------------------------------------------------


def measure(args: argparse.Namespace, folder: Path, figures: Figures, servers: contextlib.ExitStack) -> None:
    postgres: PostgresServer | None = None

    def postgres_server() -> PostgresServer:
        nonlocal postgres
        if postgres is None:
            local = LocalServer()
            servers.callback(local.stop)
            postgres = local.start()
        return postgres

    figures.add("organisations", f"{args.size:,} synthetic (demo generator, seed 7)")
    csv_path = folder / "members.csv"
    started = time.perf_counter()
    run_measured(
        [sys.executable, "-m", "benchmarks.scale_data", "--size", str(args.size), "--out", str(csv_path)],
        folder / "generate.log",
    )
    figures.add(
        "member list generated (benchmark, not product)",
        f"{time.perf_counter() - started:.1f} s, {csv_path.stat().st_size / 1e6:.0f} MB CSV",
    )

    if args.database == "postgresql":
        url = postgres_server().create_database()
        figures.add("database", "PostgreSQL (throwaway server, fsync off)")
    else:
        url = f"sqlite:///{folder / 'bmm.db'}"
        figures.add("database", "SQLite file")
    wall, peak = run_measured(bmm_command("import", str(csv_path), "--db", url), folder / "import.log")
    figures.add("`bmm import`: wall time", f"{wall:.1f} s")
    figures.add("`bmm import`: peak RSS of the process", mb(peak))

    engine = make_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(organisations)).scalar_one()
    if stored != args.size:
        raise RuntimeError(f"{stored} organisations stored, {args.size} imported")
    keys = issue_keys(engine, args.clients, args.seed)

    port = free_port()
    service = ServerProcess(
        bmm_command("serve", "--db", url, "--port", str(port), "--workers", str(args.workers)),
        port, folder / "serve.log", args.workers,
    )  # fmt: skip
    servers.callback(service.stop)
    service.start()
    figures.add(f"`bmm serve --workers {args.workers}`: start until /health answers",
                f"{service.wait_until_answers('/health'):.1f} s")  # fmt: skip
    figures.add("… until every worker has built its index", f"{service.wait_until_workers_ready():.1f} s")
    figures.add("workers replaced by uvicorn's supervisor during the start", str(service.restarts()))
    pids = service.worker_pids()
    figures.add("RSS / PSS per worker after start", worker_memory(pids))

    empty = serving_empty_app(url, args.workers, folder, servers)

    probes = route_probes(service.base_url, empty.base_url, keys.viewers)
    log(f"sequential latency: {args.requests} requests per route, taking turns")
    measured = sequential_latency(probes, args.requests)
    empty.stop()
    latency, lean = measured[HTTPX], measured[LEAN]
    for probe in probes:
        figures.latency(f"{probe.name} (one client, {args.requests} requests)", latency[probe.name])
    floor = latency[EMPTY][0]
    figures.add("peers p50 ÷ empty endpoint p50", f"{latency['peers'][0] / floor:.2f}×")
    strict = latency[EMPTY_ASYNC][0]
    figures.add("peers p50 ÷ async empty endpoint p50 (no thread hop)", f"{latency['peers'][0] / strict:.2f}×")
    figures.add("/health p50 ÷ empty endpoint p50", f"{latency['/health'][0] / floor:.2f}×")
    # The figures above are httpx2's, as in every earlier run of this benchmark; the same probes by a lean client:
    figures.add(
        "lean client (http.client), the same probes after httpx2's: peers / empty / async empty p50",
        " / ".join(f"{lean[name][0]:.2f}" for name in ("peers", EMPTY, EMPTY_ASYNC)) + " ms",
    )
    figures.add("peers p50 ÷ empty endpoint p50, lean client", f"{lean['peers'][0] / lean[EMPTY][0]:.2f}×")
    figures.add("peers p50 ÷ async empty endpoint p50, lean client", f"{lean['peers'][0] / lean[EMPTY_ASYNC][0]:.2f}×")

    planner = {"X-API-Key": keys.planner}
    cold, cached = timed_gets(service.base_url, "/api/v1/clusters?state=DE-NW", planner, times=2)
    figures.add("clusters NRW (planner DE-NW): first / cached (same worker)", f"{cold:.2f} s / {cached * 1000:.0f} ms")

    log(f"write-to-visible: {args.write_trials} trials")
    report_freshness(figures, write_to_visible(service.base_url, keys.viewers, keys.admin, args.write_trials))

    log(f"sustained load: {args.clients} clients, {args.load_seconds:g} s")
    report_load(figures, sustained_load(service.base_url, keys.viewers, args.load_seconds), args)
    figures.add("RSS / PSS per worker after the load", worker_memory(pids))
    service.stop()

    if args.postgis_queries:
        log("PostGIS: loading the same organisations")
        try:
            result = postgis_comparison(
                postgres_server(), engine, keys.viewers, args.postgis_queries, MatcherSettings().peers
            )
        except PostgresUnavailableError as error:
            figures.add("PostGIS", f"not measured: {error}")
        else:
            report_postgis(figures, result, latency["peers"][0], strict)
    engine.dispose()


def worker_memory(pids: Sequence[int]) -> str:
    parts = []
    for pid in pids:
        rss, pss = memory_mb(pid)
        parts.append(f"{rss:,.0f} / {pss:,.0f} MB")
    return "; ".join(parts)


def report_freshness(figures: Figures, result: WriteToVisible) -> None:
    p50, p99 = percentiles([s * 1000 for s in result.seconds])
    polls = f"median {np.median(result.polls):.0f} peers answers read" if result.polls else "no trial finished"
    figures.add(
        "write-to-visible (PATCH visible_to_peers=false → gone from peers) p50 / p99",
        f"{p50:.0f} ms / {p99:.0f} ms ({len(result.seconds)} trials, {result.timeouts} timed out; {polls})",
    )


def report_load(figures: Figures, result: LoadResult, args: argparse.Namespace) -> None:
    answered = len(result.reads_ms) + len(result.writes_ms)
    figures.add(
        f"sustained load ({args.clients} clients, {result.seconds:.0f} s, 95 % reads / 5 % writes, "
        f"{args.workers} workers): throughput",
        f"{answered / result.seconds:.1f} answers/s ({answered:,} answers)",
    )
    figures.latency("… reads (peers, measures, funding)", percentiles(result.reads_ms))
    figures.latency(f"… writes (PATCH employees, {len(result.writes_ms)})", percentiles(result.writes_ms))
    errors = ", ".join(f"{name} ×{count}" for name, count in result.errors.most_common())
    figures.add("… errors", f"{sum(result.errors.values())}" + (f" ({errors})" if errors else ""))


def report_postgis(figures: Figures, result: PostgisResult, peers_p50: float, async_empty_p50: float) -> None:
    figures.add("PostGIS: same organisations loaded (COPY, GiST index, ANALYZE)",
                f"{result.rows:,} rows in {result.load_seconds:.1f} s")  # fmt: skip
    figures.latency("PostGIS candidate query, nearest 101 visible in the peer group within 10 km", result.knn)
    figures.latency(
        f"PostGIS whole blocking (nearest 101 + 50 per rarest problem ×3; {result.candidates_per_query:.0f} ids)",
        result.blocking,
    )
    figures.add(
        "product peers p50 (complete answer over HTTP) ÷ PostGIS p50 (candidates only, no HTTP)",
        f"{peers_p50 / result.knn[0]:.2f}× the nearest query, {peers_p50 / result.blocking[0]:.2f}× the whole blocking",
    )
    figures.add(
        "product peers p50 − async empty endpoint p50 (the product's work per answer) ÷ PostGIS whole blocking p50",
        f"{(peers_p50 - async_empty_p50) / result.blocking[0]:.2f}×",
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="organisations (at least 2,000)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per route")
    parser.add_argument("--write-trials", type=int, default=20)
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--postgis-queries", type=int, default=1000, help="0: no PostGIS comparison")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (CSV, database, server logs)")
    scale_http.add_python_option(parser)
    args = parser.parse_args(argv)
    scale_http.use_python_option(args)
    print_machine()
    before = os.getloadavg()
    figures = Figures()
    with contextlib.ExitStack() as servers:
        folder = _folder(args.keep, servers)
        started = time.perf_counter()
        measure(args, folder, figures, servers)
        figures.add("whole run", f"{time.perf_counter() - started:.0f} s")
    after = os.getloadavg()
    figures.add("load average (1 min) at start / end", f"{before[0]:.1f} / {after[0]:.1f}")
    figures.print()


def _folder(keep: Path | None, stack: contextlib.ExitStack) -> Path:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        return keep
    return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bmm-scale-")))


if __name__ == "__main__":
    main()
