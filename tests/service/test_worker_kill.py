"""Faults under load (issue 17): ``kill -9`` of one worker of ``bmm serve --workers 2`` while clients keep
writing. No write the service acknowledged (201) is lost — each is read back from the database directly —
uvicorn's supervisor starts a new worker in place of the killed one, and the service keeps answering.

Requests the killed worker was serving end without an answer (connection reset); they were never
acknowledged, so the clients know to retry them. Bounded: at most 300 writes, 45 s of load."""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from matcher.reference import ReferenceData
from service.auth import Role, SqlApiKeyRepository, SubjectRules
from service.storage.tables import organisations
from tests.service.conftest import BOTH_BACKENDS
from tests.service.test_serve_process import _call, _free_port

pytestmark = [pytest.mark.slow, BOTH_BACKENDS]

MAX_REQUESTS = 300
MAX_SECONDS = 45.0
WRITERS = 4
KILL_AFTER_ACKNOWLEDGED = 40
STARTUP_SECONDS = 90.0


def _workers(master: int) -> set[int]:
    """The worker processes uvicorn's supervisor spawned (children of ``master`` running ``spawn_main``)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # the process ended while we looked
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # the name in parentheses may hold spaces
        if parent == master and b"spawn_main" in command:
            found.add(int(entry.name))
    return found


def _wait_for(condition: object, seconds: float, what: str) -> None:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def served_with_two_workers(database_url: str, engine: Engine) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    bmm = Path(sys.executable).parent / "bmm"
    process = subprocess.Popen(
        [str(bmm), "serve", "--db", database_url, "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the teardown can end the workers with it
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def ready() -> bool:
            assert process.poll() is None, "bmm serve ended"
            try:
                return _call(f"{base}/health")[0] == 200 and len(_workers(process.pid)) == 2
            except OSError:
                return False

        _wait_for(ready, STARTUP_SECONDS, "bmm serve --workers 2")
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def test_kill_9_of_a_worker_under_load_loses_no_acknowledged_write(
    served_with_two_workers: tuple[str, subprocess.Popen[bytes]], engine: Engine, reference: ReferenceData
) -> None:
    base, process = served_with_two_workers
    rules = SubjectRules.from_reference(reference)
    admin = SqlApiKeyRepository(engine).create(Role.ADMIN, None, rules=rules)[1]
    numbers = itertools.count()
    acknowledged: list[str] = []
    statuses: list[int] = []
    unanswered: list[str] = []
    lock = threading.Lock()
    started = time.monotonic()

    def write() -> None:
        while time.monotonic() - started < MAX_SECONDS:
            number = next(numbers)
            if number >= MAX_REQUESTS:
                return
            organisation_id = f"kill-{number}"
            profile = {"id": organisation_id, "kind": "company", "name": f"Firma {number}", "employees": 10}
            try:
                status = _call(f"{base}/api/v1/organisations", admin, {**profile, "lat": 51.51, "lon": 7.46})[0]
            except (OSError, http.client.HTTPException):  # the worker died with the request
                with lock:
                    unanswered.append(organisation_id)
                continue
            with lock:
                statuses.append(status)
                if status == 201:
                    acknowledged.append(organisation_id)

    writers = [threading.Thread(target=write) for _ in range(WRITERS)]
    for writer in writers:
        writer.start()
    try:
        _wait_for(lambda: len(acknowledged) >= KILL_AFTER_ACKNOWLEDGED, MAX_SECONDS, "the first writes")
        before = _workers(process.pid)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        acknowledged_at_kill = len(acknowledged)
    finally:
        for writer in writers:
            writer.join(timeout=MAX_SECONDS + 30)

    assert set(statuses) <= {201, 503}, sorted(set(statuses))  # never a 500
    assert len(acknowledged) > acknowledged_at_kill, "no write was acknowledged after the kill"
    # uvicorn's supervisor checks its workers every 0.5 s and replaces a dead one.
    _wait_for(lambda: len(_workers(process.pid) - {victim}) == 2, 60, "a new worker in place of the killed one")
    assert process.poll() is None
    for number in range(4):  # both the new and the surviving worker serve
        profile = {"id": f"after-{number}", "kind": "company", "name": f"Danach {number}", "employees": 5}
        status, _, _ = _call(f"{base}/api/v1/organisations", admin, {**profile, "lat": 51.51, "lon": 7.46})
        assert status == 201
        acknowledged.append(f"after-{number}")

    with engine.connect() as connection:
        stored = set(connection.execute(select(organisations.c.id)).scalars())
    assert set(acknowledged) <= stored  # every acknowledged write survived the kill
    assert stored <= set(acknowledged) | set(unanswered)  # and nothing else was written
