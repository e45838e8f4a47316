"""The route class of the recommendation routes: their few parameters read by the route itself.

FastAPI's general dependency solving (``solve_dependencies``: the sub-dependencies of ``Asking`` and of the API
key header, a fresh ``Response`` per level, the generic look-up of every parameter in path, query, headers and
cookies) took about 0.15 ms per peers request in process, of which ``get_asking`` itself was 14 µs
(docs/benchmarks.md, fifth round). A route of this class reads them itself, in FastAPI's order and with
FastAPI's own validators:

1. the key header and :func:`service.api.deps.get_asking` (so a wrong key is 401/429 before any 422, as before);
2. every path and query parameter with the route's own ``ModelField`` (the ``Path``/``Query`` declarations, the
   same ones that make ``openapi.json``), named in FastAPI's ``loc`` (``["query", "limit"]``); all their errors
   together as one :class:`~fastapi.exceptions.RequestValidationError`, so the 422 problem is byte for byte
   FastAPI's;
3. the endpoint, whose ``Response`` is sent as it is.

It applies to ``async def`` endpoints returning a ``Response`` that take an ``Asking`` and path and optional
single-valued query parameters only; such an endpoint with anything else is refused when the route is made
(``TypeError``), so a new dependency cannot be skipped silently. Plain functions (``def``) keep FastAPI's
handler: they pay a thread hop anyway. Dependencies given to ``include_router`` are not seen by this class:
include its router without any.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, get_type_hints

from fastapi._compat import field_annotation_is_sequence, lenient_issubclass
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from service.api.deps import get_asking
from service.api.security import api_key_header

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


@dataclass(frozen=True)
class _Parameter:
    """One path or query parameter as FastAPI declared it (``field``: its ``ModelField``)."""

    name: str
    alias: str
    loc: tuple[str, str]
    field: Any
    default: Any


class AskingRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        if not inspect.iscoroutinefunction(self.endpoint):
            return super().get_route_handler()
        return _direct_handler(self)


def _direct_handler(route: APIRoute) -> Handler:
    dependant = route.dependant
    endpoint = route.endpoint
    asking_name = _asking_parameter(route)
    if not issubclass(get_type_hints(endpoint).get("return", type(None)), Response):
        raise TypeError(f"{route.path}: an AskingRoute endpoint returns a Response")
    path = [_Parameter(f.name, f.alias, ("path", f.alias), f, None) for f in dependant.path_params]
    query = [_Parameter(f.name, f.alias, ("query", f.alias), f, f.default) for f in dependant.query_params]
    for parameter in query:
        info = parameter.field.field_info
        if info.is_required() or info.validate_default or not _scalar(info.annotation):
            raise TypeError(
                f"{route.path}: AskingRoute supports optional single-valued query parameters only ({parameter.alias})"
            )

    async def handler(request: Request) -> Response:
        values: dict[str, Any] = {asking_name: await get_asking(request, await api_key_header(request))}
        errors: list[Any] = []
        received = [(p, request.path_params.get(p.alias)) for p in path]
        query_params = request.query_params
        received += [(p, query_params.get(p.alias)) for p in query]
        for parameter, raw in received:
            if raw is None:  # an optional query parameter not given (a path parameter always is)
                values[parameter.name] = copy.deepcopy(parameter.default)
                continue
            value, problems = parameter.field.validate(raw, values, loc=parameter.loc)
            if problems:
                errors.extend(problems)
            else:
                values[parameter.name] = value
        if errors:
            raise RequestValidationError(errors)
        response: Response = await endpoint(**values)
        return response

    return handler


def _scalar(annotation: Any) -> bool:
    """One value per parameter, read with ``get`` (FastAPI reads a list with ``getlist``, a model from all of them)."""
    return not field_annotation_is_sequence(annotation) and not lenient_issubclass(annotation, BaseModel)


def _asking_parameter(route: APIRoute) -> str:
    """The name of the endpoint's ``Asking`` parameter, after checking it takes nothing else this class skips."""
    dependant = route.dependant
    others = (
        dependant.header_params, dependant.cookie_params, dependant.body_params, dependant.request_param_name,
        dependant.websocket_param_name, dependant.http_connection_param_name, dependant.response_param_name,
        dependant.background_tasks_param_name, dependant.security_scopes_param_name,
    )  # fmt: skip
    calls = [sub.call for sub in dependant.dependencies]
    if any(others) or calls != [get_asking] or dependant.dependencies[0].name is None:
        raise TypeError(
            f"{route.path}: an AskingRoute endpoint takes an Asking and path and query parameters only, "
            "no other dependency (see service/api/asking_route.py)"
        )
    return dependant.dependencies[0].name
