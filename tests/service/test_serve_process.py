"""A real ``bmm serve`` process answers /health with the number of organisations."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from service.storage.sql_repository import SqlOrganisationRepository
from tests.service.conftest import OrganisationFactory


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_bmm_serve_answers_health(
    database_url: str, repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    repository.add_many([make_organisation(id=f"p{i}") for i in range(3)])
    port = _free_port()
    bmm = Path(sys.executable).parent / "bmm"
    process = subprocess.Popen(
        [str(bmm), "serve", "--db", database_url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    health = json.load(response)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert health["status"] == "ok"
    assert health["organisations"] == 3
