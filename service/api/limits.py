"""Request body size limit: bodies above the limit are refused with a 413 problem before they are read.

The default (10 MB) suits JSON requests. Routes that need more (bulk imports) get a larger limit by path
prefix (``per_path``), so the default stays small for everything else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.problems import FieldProblem, problem_response

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024  # 10 MB for JSON requests


def _too_large_detail(limit: int) -> str:
    return f"Der Anfrageinhalt ist größer als {limit:,} Bytes (request body exceeds the limit).".replace(",", ".")


class BodyTooLargeError(HTTPException):
    """Raised while the body is read; FastAPI passes it on to the problem handler (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=_too_large_detail(limit))


class BodySizeLimitMiddleware:
    """Refuse request bodies above ``max_bytes`` (or the limit of the longest matching path prefix)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES, per_path: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = dict(per_path or {})

    def limit_for(self, path: str) -> int:
        prefixes = [prefix for prefix in self.per_path if path.startswith(prefix)]
        return self.per_path[max(prefixes, key=len)] if prefixes else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await problem_response(413, _too_large_detail(limit))(scope, receive, send)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLargeError:
            # Read outside a route (e.g. by another middleware): answer here unless a response has begun.
            if started:
                raise
            await problem_response(413, _too_large_detail(limit))(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class ControlCharacterMiddleware:
    """Refuse a path or query string with NUL or other control characters (422 naming where): they never
    belong in an id or a filter, and PostgreSQL cannot even compare text containing NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = unquote_to_bytes(scope.get("query_string", b""))
            for where, value in (("path", scope["path"].encode()), ("query", query)):
                if _CONTROL_BYTES.search(value):
                    message = "enthält ein Steuerzeichen (z. B. %00); bitte nur druckbaren Text angeben"
                    errors = [FieldProblem(loc=[where], message=message)]
                    detail = f"Ungültige Eingabe in: {where} (control character)."
                    await problem_response(422, detail, errors)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


_CONTROL_BYTES = re.compile(rb"[\x00-\x1f\x7f]")
