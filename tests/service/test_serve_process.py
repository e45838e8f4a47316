"""A real ``bmm serve`` process: health, and the first calls of the README with keys of each role."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from matcher.reference import ReferenceData
from service.auth import Role, SqlApiKeyRepository, SubjectRules
from service.storage.sql_repository import SqlOrganisationRepository
from tests.service.conftest import OrganisationFactory


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _call(url: str, key: str | None = None, body: dict[str, Any] | None = None) -> tuple[int, str, bytes]:
    headers = {"X-API-Key": key} if key else {}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@pytest.fixture
def served(
    database_url: str, repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> Iterator[str]:
    # Eight visible firms with parking shortage within ~300 m in Witten: a cluster, and peers for each other.
    repository.add_many(
        [make_organisation(id=f"p{i}", lat=51.4434 + i * 0.0004, lon=7.3526, visible_to_peers=True) for i in range(8)]
    )
    port = _free_port()
    bmm = Path(sys.executable).parent / "bmm"
    process = subprocess.Popen(
        [str(bmm), "serve", "--db", database_url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _call(f"{base}/health")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_bmm_serve_answers_the_first_calls_per_role(served: str, engine: Engine, reference: ReferenceData) -> None:
    keys = SqlApiKeyRepository(engine)
    rules = SubjectRules.from_reference(reference)
    company = keys.create(Role.ORGANISATION, "p0", rules=rules)[1]
    advisor = keys.create(Role.ADVISOR, "ihk_mittleres_ruhrgebiet", rules=rules)[1]
    planner = keys.create(Role.PLANNER, "DE-NW", rules=rules)[1]

    status, _, body = _call(f"{served}/health")
    assert status == 200
    assert json.loads(body)["organisations"] == 8

    status, _, body = _call(f"{served}/api/v1/organisations/p0/peers", company)
    assert status == 200
    assert {p["id"] for p in json.loads(body)["items"]} == {f"p{i}" for i in range(1, 8)}

    status, content_type, body = _call(f"{served}/api/v1/organisations/p0/brief?format=html", advisor)
    assert status == 200
    assert content_type.startswith("text/html")
    assert "Beispiel Spedition GmbH" in body.decode()

    status, _, body = _call(f"{served}/api/v1/clusters?issue=parking_shortage", planner)
    assert status == 200
    clusters = json.loads(body)["clusters"]
    assert len(clusters) == 1
    assert clusters[0]["member_count"] == 8

    status, content_type, body = _call(f"{served}/api/v1/organisations/p1/peers", company)
    assert status == 404  # another organisation's id
    assert content_type == "application/problem+json"
    status, _, _ = _call(f"{served}/api/v1/organisations/p0/peers", "bmm_not-a-key")
    assert status == 401

    profile = {"kind": "company", "name": "Anonym GmbH", "sector": "C", "employees": 40, "postcode": "58452"}
    status, _, body = _call(f"{served}/api/v1/match", body=profile)
    assert status == 200
    assert json.loads(body)["peers"] is None
