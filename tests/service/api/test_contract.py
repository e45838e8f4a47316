"""The OpenAPI contract, checked by an independent client (issue 18): schemathesis against the app.

Every operation, every role (admin, advisor, planner, organisation, no key), schemathesis's phases (examples,
fuzzing, the stateful phase following the schema's OpenAPI links from a created organisation to the
operations on it; the coverage phase for admin and no key, see :data:`COVERAGE_CALLERS`) and ALL its checks:
no server error, status codes, content types, response schemas and headers for every status, requests the
schema forbids rejected and those it allows accepted, the ``Allow`` header of 405 answers, keys not ignored,
created resources found and deleted ones gone. Deterministic (fixed seed, derandomised generation) and small
(a few examples per operation); slow (about 2 minutes for the five callers).

What no OpenAPI schema can state is listed in :data:`UNSTATABLE_RULES`: a schema-valid request the service
rejects with a 422 passes only if every error of that 422 names one of these rules (field and message), so
any other rejection - an enum, length, range, pattern or format the schema does not declare - fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure
from schemathesis.engine import Status, events
from schemathesis.engine import from_schema as engine_for
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER, HookContext
from schemathesis.openapi.checks import RejectedPositiveData

from service.api.app import create_app
from service.auth import Role
from service.config import ServiceSettings
from service.storage.database import make_engine, upgrade
from tests.factories import api_key_headers, create_through_api

SEED = 18
EXAMPLES_PER_OPERATION = 3
STATEFUL_EXAMPLES = 30  # scenarios of linked calls: create an organisation, then use its id
OWN = "contract-own"  # the organisation key's own profile
CALLERS: dict[str, tuple[Role, str | None] | None] = {
    "admin": (Role.ADMIN, None),
    "advisor": (Role.ADVISOR, "ihk_dortmund"),
    "planner": (Role.PLANNER, "DE-NW"),
    "organisation": (Role.ORGANISATION, OWN),
    "none": None,
}
PROFILES: dict[str, dict[str, Any]] = {
    OWN: {"kind": "company", "name": "Vertrag GmbH", "employees": 40, "lat": 51.51, "lon": 7.46,
          "issues": ["parking_shortage"], "visible_to_peers": True, "estate": "Hafen"},
    "contract-peer": {"kind": "company", "name": "Nachbar AG", "employees": 120, "postcode": "44147",
                      "issues": ["parking_shortage"], "visible_to_peers": True, "estate": "Hafen"},
}  # fmt: skip


@dataclass(frozen=True)
class Rule:
    """A rule the service checks that no OpenAPI schema can state; a 422 error matches it by field and message."""

    loc: tuple[str | int, ...]
    message: str  # a fragment of the German message that names the rule
    why: str


UNSTATABLE_RULES = (
    # Reference data: the schema declares the format, the service knows which values exist.
    Rule(("body", "postcode"), "Postleitzahl", "a postcode that exists and fits the coordinates; a location at all"),
    Rule(("body", "lat"), "nicht in Deutschland", "a point in Germany (its outline, not a box)"),
    Rule(("body", "lon"), "zusammen", "lat and lon together"),
    Rule(("body", "measures_in_place"), "Unbekannte Maßnahme", "measure ids of the catalogue"),
    Rule(("body", "item_id"), "Unbekannter Eintrag", "feedback names an item that exists and the caller may see"),
    Rule(("query", "kreis"), "kein bekannter Kreisschlüssel", "clusters: a Kreis the reference data knows"),
    # Rules between values: OpenAPI cannot relate two parameters, or two numbers of one parameter.
    Rule(("query", "bbox"), "min ≤ max", "bbox: minimum ≤ maximum"),
    Rule(("query", "bbox"), "min_lon < max_lon", "clusters: a bbox with an area"),
    Rule(("query", "kreis"), "liegt nicht in", "clusters: the Kreis lies in the given state"),
    Rule(("body", "id"), "weicht von der Adresse ab", "PUT/PATCH: an id in the body is the path's"),
    Rule(("query",), "Genau eine Auswahl", "pooled residences: exactly one of estate, cluster, organisations"),
    # File contents: the schema says 'a CSV, XLSX or GeoJSON file'; its rows are checked by reading it.
    Rule(("body",), "", "an uploaded file's rows and columns (import and residences report them by row)"),
)
# Operations whose 422 may report a file's rows (ImportProblem, ResidenceUploadProblem): only there a bare
# ('body', row, column) location is a file's content rather than a JSON field.
FILE_UPLOADS = {"POST /api/v1/organisations/import", "PUT /api/v1/organisations/{organisation_id}/residences"}


def _matches(rule: Rule, error: dict[str, Any], operation: str) -> bool:
    loc = tuple(error.get("loc", ()))
    if rule.loc == ("body",) and operation not in FILE_UPLOADS:
        return False
    return loc[: len(rule.loc)] == rule.loc and rule.message in str(error.get("message", ""))


def unstatable(failure: Failure, operation: str, status: int, body: bytes) -> bool:
    """Whether ``failure`` is a schema-valid request rejected only for rules of :data:`UNSTATABLE_RULES`."""
    if failure.code != "ST202" or status != 422:
        return False
    errors = json.loads(body).get("errors") or []
    return bool(errors) and all(any(_matches(rule, e, operation) for rule in UNSTATABLE_RULES) for e in errors)


# Real values for fields whose valid values are reference data, so that generated profiles can be stored and the
# stateful phase gets ids to follow (schemathesis mixes them with generated ones).
POSTCODES = ["44135", "44147", "45127", "50667", "70173"]
PROFILE_BODIES = {"POST /api/v1/organisations", "PUT /api/v1/organisations/{organisation_id}", "POST /api/v1/match"}


def _locate(context: HookContext, case: Any, kwargs: dict[str, Any]) -> None:
    """A generated profile without any location gets a real postcode before it is sent (in every phase): 'a
    postcode, or lat and lon' is a rule between fields (``anyOf``) that the schema leaves out, because generated
    clients turn it into unions of profile types. So that generated profiles can be stored and the stateful
    phase has ids to follow; nothing else of the case changes."""
    body = case.body
    located = isinstance(body, dict) and any(body.get(field) is not None for field in ("postcode", "lat", "lon"))
    if case.operation.label in PROFILE_BODIES and isinstance(body, dict) and not located:
        body["postcode"] = POSTCODES[len(str(body)) % len(POSTCODES)]


def _filter_failure(context: HookContext, failure: Failure, case: Any, response: Any) -> bool:
    return not unstatable(failure, case.operation.label, response.status_code, response.content)


# The coverage phase (every boundary and negative value of every parameter, about 2,500 requests) runs for the
# two callers that reach every check: admin (past every role check into validation) and no key (the 401s). The
# other roles get examples, fuzzing and the stateful phase: what differs for them is what they may see.
COVERAGE_CALLERS = {"admin", "none"}


def _config(caller: str, key: str | None, measures: list[str]) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "warnings": False,
            "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True, "database": "none"},
            "checks": {"enabled": True},
            "phases": {
                "coverage": {"enabled": caller in COVERAGE_CALLERS},
                # The schema's links only: inferred ones guess, e.g. that GET …/residences of a just created
                # organisation exists (it is a 404 until residences are uploaded, which schemathesis then
                # reports as "created resource not found").
                "stateful": {
                    "generation": {"max-examples": STATEFUL_EXAMPLES},
                    "max-steps": 8,
                    "inference": {"algorithms": []},
                },
            },
            **({"auth": {"openapi": {"APIKeyHeader": {"api_key": key}}}} if key else {}),
            "dictionaries": {"postcodes": {"values": POSTCODES}, "measures": {"values": measures}},
            "parameters": {
                "body.postcode": {"dictionary": "postcodes", "probability": 0.8},
                "body.measures_in_place[*]": {"dictionary": "measures", "probability": 0.9},
            },
        }
    )


def run_contract(app: FastAPI, caller: str, key: str | None) -> tuple[list[str], int]:
    """Failures (operation, code, title, the request as curl) and the number of requests sent."""
    measures = sorted(app.state.engine.reference.catalog.measures)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=_config(caller, key, measures))
    schema.hook("filter_failure")(_filter_failure)
    failures: list[str] = []
    requests = 0
    for event in engine_for(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            requests += len(event.recorder.interactions)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status is Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        failures.append(
                            f"{failure.operation}: {failure.code} {failure.title}\n{check.failure_info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"error: {event}")
    return sorted(set(failures)), requests


@pytest.fixture(scope="module")
def contract_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, dict[str, str]]]]:
    folder: Path = tmp_path_factory.mktemp("contract")
    url = f"sqlite:///{folder / 'bmm.db'}"
    upgrade(make_engine(url))
    app = create_app(ServiceSettings(database_url=url, auth_failure_burst=1_000_000))
    with TestClient(app) as client:
        headers = {label: api_key_headers(client, *caller) if caller else {} for label, caller in CALLERS.items()}
        create_through_api(client, headers["admin"], PROFILES)
        GLOBAL_HOOK_DISPATCHER.register_hook_with_name(_locate, "before_call")  # schemathesis has no per-schema one
        try:
            yield app, headers
        finally:
            GLOBAL_HOOK_DISPATCHER.unregister(_locate)


@pytest.mark.slow
@pytest.mark.parametrize("caller", list(CALLERS))
def test_the_service_keeps_its_openapi_contract(
    contract_app: tuple[FastAPI, dict[str, dict[str, str]]], caller: str
) -> None:
    app, headers = contract_app
    failures, requests = run_contract(app, caller, headers[caller].get("X-API-Key"))
    assert failures == [], "\n\n".join(failures)
    operations = sum(len(item) for item in app.openapi()["paths"].values())
    assert requests >= operations * EXAMPLES_PER_OPERATION  # every operation was exercised, not an empty run


@pytest.mark.parametrize(
    ("operation", "errors", "tolerated"),
    [
        ("POST /api/v1/match", [{"loc": ["body", "postcode"], "message": "Unbekannte Postleitzahl 00000"}], True),
        ("GET /api/v1/advisors", [{"loc": ["query", "type"], "message": "Unbekannter Wert ''"}], False),
        ("POST /api/v1/organisations", [{"loc": ["body", 3, "name"], "message": "zu lang"}], False),
        ("POST /api/v1/organisations/import", [{"loc": ["body", 3, "name"], "message": "zu lang"}], True),
        (
            "GET /api/v1/clusters",
            [{"loc": ["query", "bbox"], "message": "'1,2' hat nicht das erwartete Format"}],
            False,
        ),
        ("GET /api/v1/clusters", [{"loc": ["query", "bbox"], "message": "erwartet … (min ≤ max)"}], True),
    ],
)
def test_only_rules_no_schema_can_state_excuse_a_rejection(
    operation: str, errors: list[dict[str, Any]], tolerated: bool
) -> None:
    failure = RejectedPositiveData(
        operation=operation, message="Valid data should have been accepted", status_code=422, allowed_statuses=[]
    )
    body = json.dumps({"status": 422, "errors": errors}).encode()
    assert unstatable(failure, operation, 422, body) is tolerated
    assert not unstatable(failure, operation, 400, body)  # only a 422 naming the rule
