"""A client generated from the service's OpenAPI schema works against a served demo (issue 18).

The test does what an integrator does (docs/service.md, "Client generieren"): it generates a Python client with
openapi-python-client from the app's current schema and the committed configuration, then uses the generated
functions and models over real HTTP against the app served by uvicorn on a SQLite store with synthetic demo data.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import uvicorn

from matcher.reference import ReferenceData
from service.api.app import create_app
from service.auth import Role, SqlApiKeyRepository, SubjectRules
from service.config import ServiceSettings
from service.seeding import seed_demo
from service.storage.database import make_engine, upgrade
from service.storage.sql_repository import SqlOrganisationRepository

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "scripts" / "openapi-python-client.yaml"
PACKAGE = "bmm_match_client"
DEMO_SIZE = 700  # the smallest demo: every municipality and Kreis of the region gets its public body
AS_OF = date(2026, 3, 1)


def _generator() -> str | None:
    """openapi-python-client lives in an environment of its own (it needs typer<0.28, the CLI typer>=0.29):
    BMM_OPENAPI_GENERATOR, else .venv-openapi (installed by scripts/test.sh), else the PATH."""
    own = ROOT / ".venv-openapi" / "bin" / "openapi-python-client"
    return (
        os.environ.get("BMM_OPENAPI_GENERATOR")
        or (str(own) if own.is_file() else None)
        or shutil.which("openapi-python-client")
    )


GENERATOR = _generator()

pytestmark = [
    pytest.mark.slow,  # seeding, serving, generating: 9 s of CPU (docs/service.md)
    pytest.mark.skipif(GENERATOR is None, reason="openapi-python-client not found: run scripts/test.sh"),
]


@dataclass(frozen=True)
class Served:
    """The served app: its base URL, an admin key and the schema it serves."""

    base_url: str
    admin_key: str
    schema: dict[str, Any]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, reference: ReferenceData) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path_factory.mktemp('client') / 'demo.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed_demo(SqlOrganisationRepository(engine), reference, size=DEMO_SIZE, seed=7)
    admin_key = SqlApiKeyRepository(engine).create(Role.ADMIN, None, rules=SubjectRules.from_reference(reference))[1]
    engine.dispose()
    app = create_app(ServiceSettings(database_url=url))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))  # a free port, held from here on: no race with other tests
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{listener.getsockname()[1]}", admin_key, app.openapi())
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture(scope="module")
def bmm(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, imported; its modules are removed from ``sys.modules`` afterwards."""
    assert GENERATOR is not None
    folder = tmp_path_factory.mktemp("generated")
    schema_file = folder / "openapi.json"
    schema_file.write_text(json.dumps(served.schema), encoding="utf-8")
    generated = subprocess.run(
        [
            *(GENERATOR, "generate", "--path", str(schema_file), "--output-path", str(folder / PACKAGE)),
            *("--meta", "none", "--config", str(CONFIG)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    # Nothing is left out but the raw text/csv upload bodies (CSV goes as multipart/form-data): one module per
    # operation, and no other warning.
    assert set(re.findall(r"^Unsupported content type .*$", output, re.MULTILINE)) <= {
        "Unsupported content type text/csv"
    }, output
    assert output.count("WARNING parsing") == output.count("Unsupported content type text/csv"), output
    operations = [operation["operationId"] for path in served.schema["paths"].values() for operation in path.values()]
    modules = {module.stem for module in (folder / PACKAGE / "api").glob("*/*.py")}
    assert {operation.replace("-", "_") for operation in operations} <= modules
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(bmm: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{bmm.__name__}.{name}")


def _operation(bmm: ModuleType, tag: str, function: str) -> Any:
    """The generated module of operation ``<tag>-<function>`` (operation ids as in service/api/app.py)."""
    return _module(bmm, f"api.{tag}.{tag}_{function}")


def _admin(bmm: ModuleType, served: Served) -> Any:
    return bmm.AuthenticatedClient(
        base_url=served.base_url, token=served.admin_key, prefix="", auth_header_name="X-API-Key"
    )


def _assert_explained(items: list[Any]) -> None:
    """Every item has a score that its reasons' weights add up to, reason codes and texts."""
    assert items
    for item in items:
        assert item.reasons, item.id
        assert sum(reason.weight for reason in item.reasons) == pytest.approx(item.score, abs=1e-6)
        assert all(reason.code and reason.text for reason in item.reasons)


def _by_score(items: list[Any]) -> bool:
    return [item.score for item in items] == sorted((item.score for item in items), reverse=True)


def test_generated_client_lists_the_demo_organisations(bmm: ModuleType, served: Served) -> None:
    models = _module(bmm, "models")
    with _admin(bmm, served) as client:
        page = _operation(bmm, "organisations", "list_organisations").sync(client=client, per_page=5)
    assert isinstance(page, models.OrganisationPage)
    assert page.total == DEMO_SIZE
    assert len(page.items) == 5
    assert all(item.synthetic for item in page.items)  # demo data says so
    assert all(isinstance(item.kind, models.OrganisationKind) for item in page.items)


def test_generated_client_creates_fetches_and_gets_recommendations(bmm: ModuleType, served: Served) -> None:
    models = _module(bmm, "models")
    profile = models.OrganisationProfile(
        id="client-logistik",
        kind=models.OrganisationKind.COMPANY,
        name="Client-Test Logistik GmbH",
        sector=models.Sector.H,
        employees=240,
        postcode="44147",
        issues=[models.ProblemCode.PARKING_SHORTAGE, models.ProblemCode.SHIFT_WORK],
        shift_work=True,
    )
    with _admin(bmm, served) as client:
        created = _operation(bmm, "organisations", "create_organisation").sync_detailed(client=client, body=profile)
        fetched = _operation(bmm, "organisations", "get_organisation").sync("client-logistik", client=client)
        peers = _operation(bmm, "recommendations", "get_peers").sync("client-logistik", client=client, limit=5)
        measures = _operation(bmm, "recommendations", "get_measures").sync("client-logistik", client=client)
        funding = _operation(bmm, "recommendations", "get_funding").sync("client-logistik", client=client, as_of=AS_OF)

    assert created.status_code == HTTPStatus.CREATED
    assert isinstance(created.parsed, models.OrganisationFull)
    assert created.parsed.id == "client-logistik"
    assert created.parsed.location.municipality_name == "Dortmund"
    assert created.parsed.location.state == models.State.DE_NW

    assert isinstance(fetched, models.OrganisationFull)
    assert (fetched.id, fetched.name, fetched.employees) == ("client-logistik", "Client-Test Logistik GmbH", 240)
    assert fetched.issues == [models.ProblemCode.PARKING_SHORTAGE, models.ProblemCode.SHIFT_WORK]
    assert fetched.synthetic is False

    assert isinstance(peers, models.PeersResponse)
    assert peers.organisation_id == "client-logistik"
    assert str(peers.recommendation_id).startswith("rec-")
    assert 0 < len(peers.items) <= 5
    assert "client-logistik" not in {peer.id for peer in peers.items}
    assert all(peer.synthetic and peer.distance_km <= peers.radius_km for peer in peers.items)
    _assert_explained(peers.items)
    assert _by_score(peers.items)
    shared = [peer for peer in peers.items if models.ProblemCode.PARKING_SHORTAGE in peer.shared_issues]
    assert shared, "a demo firm nearby with parking shortage"
    assert any("Parkplatzmangel" in reason.text for peer in shared for reason in peer.reasons)

    assert isinstance(measures, models.MeasuresResponse)
    assert all(isinstance(measure, models.MeasureRecommendation) for measure in measures.items)
    _assert_explained(measures.items)
    assert _by_score(measures.items)
    assert all(measure.category_label for measure in measures.items)

    assert isinstance(funding, models.FundingResponse)
    assert funding.as_of == AS_OF
    assert all(isinstance(programme.status, models.FundingStatus) for programme in funding.items)
    _assert_explained(funding.items)
    directly = [programme for programme in funding.items if programme.eligibility == models.Eligibility.ELIGIBLE]
    assert directly
    assert funding.items[: len(directly)] == directly  # the directly usable first, then the rest, each best first
    assert _by_score(directly)
    assert _by_score(funding.items[len(directly) :])
    assert all(programme.status_note and programme.eligibility_label for programme in funding.items)


def test_generated_client_uploads_a_member_list_as_multipart(bmm: ModuleType, served: Served) -> None:
    """A chamber's CSV goes as multipart/form-data (the generator leaves out raw text/csv bodies)."""
    models = _module(bmm, "models")
    member_list = "Mitglieds-Nr.;Firma;PLZ;WZ 2008;Beschäftigte\nM-1;Muster Bau GmbH;44135;41.20;35\n".encode()

    def upload() -> Any:
        csv = bmm.types.File(payload=io.BytesIO(member_list), file_name="mitglieder.csv", mime_type="text/csv")
        return models.OrganisationsImportOrganisationsFileFilesBody(file=csv)

    import_file = _operation(bmm, "organisations", "import_organisations_file")
    list_organisations = _operation(bmm, "organisations", "list_organisations")
    with _admin(bmm, served) as client:
        before = list_organisations.sync(client=client, per_page=1).total
        checked = import_file.sync(client=client, body=upload(), kind=models.OrganisationKind.COMPANY, dry_run=True)
        refused = import_file.sync_detailed(client=client, body=upload())  # no kind column and no kind for all
        after = list_organisations.sync(client=client, per_page=1).total

    assert isinstance(checked, models.ImportResult)
    assert (checked.dry_run, checked.rows, checked.created, checked.updated) == (True, 1, 1, 0)
    assert (checked.format_, checked.encoding, checked.delimiter) == ("csv", "UTF-8", "Semikolon")
    assert checked.mapping.additional_properties["Mitglieds-Nr."] == "id"
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert isinstance(refused.parsed, models.ImportProblem)
    assert refused.parsed.status == 422
    assert "nichts gespeichert" in refused.parsed.detail
    assert refused.parsed.error_count == 1
    assert refused.parsed.errors[0].row == 1
    assert "Pflichtspalte(n) fehlen: kind" in refused.parsed.errors[0].message
    assert after == before  # neither the dry run nor the refused file stored anything


def test_generated_client_surfaces_problem_details(bmm: ModuleType, served: Served) -> None:
    models = _module(bmm, "models")
    get_organisation = _operation(bmm, "organisations", "get_organisation")
    with _admin(bmm, served) as client:
        missing = get_organisation.sync_detailed("gibt-es-nicht", client=client)
    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert missing.headers["content-type"] == "application/problem+json"
    assert isinstance(missing.parsed, models.Problem)
    assert missing.parsed.status == 404
    assert "gibt-es-nicht" in missing.parsed.detail
    assert missing.parsed.detail != missing.parsed.detail_en  # German for people, English beside it

    with bmm.AuthenticatedClient(
        base_url=served.base_url, token="bmm_falscher-schluessel", prefix="", auth_header_name="X-API-Key"
    ) as client:
        refused = get_organisation.sync_detailed("client-logistik", client=client)
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert isinstance(refused.parsed, models.Problem)
    assert refused.parsed.status == 401
    assert "API-Schlüssel" in refused.parsed.detail
