"""The OpenAPI schema: completed with what FastAPI cannot see, and rendered deterministically.

FastAPI documents what a route declares. :func:`complete_openapi` adds what the app does around the routes,
so an independent client (schemathesis, a generated client) finds no status the schema does not name:

* the problem details every operation can answer (the middlewares and handlers of ``create_app``):
  422 for control characters in path or query, 401/429/503 where a key is read (the key store is in the
  database), 400/413 where a body is read, 507 where a write can find the database full;
* OpenAPI links from the operations that create an organisation or upload residences to the operations that
  take its id, so clients (and schemathesis's stateful phase) can follow a created id;
* errors as ``application/problem+json`` (:func:`service.api.problems.use_problem_media_type`).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from service.api.problems import PROBLEM_DESCRIPTIONS, use_problem_media_type
from service.config import ServiceSettings
from service.storage.database import make_engine, upgrade

OPENAPI_FILE = "openapi.json"
PROBLEM_REF = "#/components/schemas/Problem"
ORGANISATION_PATH = "/api/v1/organisations/{organisation_id}"
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
# ``openapi_extra`` of a route that serves callers without a key too: FastAPI declares every dependency's key as
# required; :func:`complete_openapi` turns this marker into the optional form ``security: [{}, {APIKeyHeader: []}]``.
OPTIONAL_KEY: dict[str, Any] = {"x-bmm-key-optional": True}


def _optional_keys(schema: dict[str, Any]) -> None:
    for item in schema["paths"].values():
        for operation in item.values():
            if operation.pop("x-bmm-key-optional", False):
                operation["security"] = [{}, *operation.get("security", [])]


def _common_statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    keyed = bool(operation.get("security"))  # the key store is in the database
    statuses = [422]  # ControlCharacterMiddleware: any path or query
    if keyed:
        statuses += [401, 429, 503]
    elif path == "/health":
        statuses.append(503)
    if "requestBody" in operation:
        statuses += [400, 413]  # unparsable body (FastAPI), BodySizeLimitMiddleware
    if keyed and method in WRITE_METHODS:
        statuses.append(507)
    return statuses


def _document_common_problems(schema: dict[str, Any]) -> None:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in _common_statuses(path, method, operation):
                responses.setdefault(
                    str(status),
                    {
                        "description": PROBLEM_DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": {"$ref": PROBLEM_REF}}},
                    },
                )


def _link(operation_id: str, organisation_id: str) -> dict[str, Any]:
    return {"operationId": operation_id, "parameters": {"organisation_id": organisation_id}}


def _add_links(schema: dict[str, Any]) -> None:
    """POST /organisations (201) → every operation on /organisations/{organisation_id}… that needs nothing but
    the organisation, with the created id; PUT …/residences (200) → the operations on the uploaded residences."""
    paths = schema["paths"]
    residences = f"{ORGANISATION_PATH}/residences"
    on_organisation = {
        operation["operationId"]: (path, method)
        for path, item in paths.items()
        if path.startswith(ORGANISATION_PATH)
        for method, operation in item.items()
    }
    created = paths["/api/v1/organisations"]["post"]["responses"]["201"]
    created["links"] = {
        operation_id: _link(operation_id, "$response.body#/id")
        for operation_id, (path, method) in sorted(on_organisation.items())
        if not path.startswith(residences) or method == "put"  # residences exist only after an upload
    }
    uploaded = paths[residences]["put"]["responses"]["200"]
    uploaded["links"] = {
        operation_id: _link(operation_id, "$request.path.organisation_id")
        for operation_id, (path, method) in sorted(on_organisation.items())
        if path.startswith(residences) and method != "put"
    }


def complete_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's schema with the app-wide problems, the links and problem media types (idempotent)."""
    _optional_keys(schema)
    _document_common_problems(schema)
    _add_links(schema)
    return use_problem_media_type(schema)


def render_openapi(app: FastAPI) -> str:
    return json.dumps(app.openapi(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def export_openapi(target: Path) -> str:
    """Build the app on a throw-away migrated database and write its schema to ``target``."""
    from service.api.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'openapi.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = create_app(ServiceSettings(database_url=url))
        text = render_openapi(app)
    target.write_text(text, encoding="utf-8")
    return text
