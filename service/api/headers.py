"""Security headers on every answer, and the API documentation (/docs, /redoc) served without a CDN.

* Every answer: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
* Every HTML answer gets a Content-Security-Policy unless its route set one (then nothing may load or run,
  and no page may frame it). The printable pages (brief, residence report) set theirs in
  ``service/html_page.py: page_headers``, the web app in ``service/web/mount.py``.
* Every answer under ``/api/v1`` without its own ``Cache-Control`` gets ``no-store``: profiles, briefs,
  exports, leads and analyses are personal or confidential, and no shared cache or browser history should
  keep them; the few public catalogue answers lose little by it.
* /docs (Swagger UI) and /redoc load their scripts and styles from the files shipped in the
  ``fastapi-offline`` package under :data:`DOCS_ASSETS` (no CDN: the service works offline and the policy
  names no foreign origin). Swagger UI's one inline start script is allowed by its hash; both tools
  write inline styles, so the docs pages allow ``'unsafe-inline'`` for styles only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.html_page import csp_hash

API_PREFIX = "/api/v1"
DOCS_ASSETS = "/docs-assets"
DOCS_ASSET_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
COMMON_HEADERS: Mapping[str, str] = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def policy(directives: Mapping[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


# For an HTML answer whose route set no policy: nothing loads, nothing runs, nobody frames it. The printable
# pages (brief, residence report) set their own (service/html_page.py: page_headers, their hashed styles).
API_HTML_POLICY = policy(
    {"default-src": ["'none'"], "base-uri": ["'none'"], "form-action": ["'none'"], "frame-ancestors": ["'none'"]}
)


def docs_policy(html: str) -> str:
    """The docs pages' policy: scripts from the service and the page's own inline scripts (by hash)."""
    scripts = [csp_hash(script) for script in _INLINE_SCRIPT.findall(html)]
    return policy(
        {
            "default-src": ["'self'"],
            "script-src": ["'self'", *scripts],
            "style-src": ["'self'", "'unsafe-inline'"],
            "img-src": ["'self'", "data:"],
            "worker-src": ["'self'", "blob:"],  # ReDoc parses the schema in a worker
            "connect-src": ["'self'"],
            "object-src": ["'none'"],
            "base-uri": ["'none'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
        }
    )


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body).decode("utf-8"))
    return page


def install_docs(app: FastAPI) -> None:
    """/docs, its OAuth2 redirect page and /redoc with the assets served by the service itself. The app
    must be created with ``docs_url=None, redoc_url=None``. Plain routes, as FastAPI's own docs routes are:
    not part of the API."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=DOCS_ASSET_DIR), name="docs-assets")
    redirect = "/docs/oauth2-redirect"

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _with_policy(
            get_swagger_ui_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} – API-Dokumentation",
                oauth2_redirect_url=redirect,
                swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
                swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            )
        )

    async def swagger_ui_redirect(request: Request) -> HTMLResponse:
        return _with_policy(get_swagger_ui_oauth2_redirect_html())

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _with_policy(
            get_redoc_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} – API-Dokumentation",
                redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
                with_google_fonts=False,
            )
        )

    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route(redirect, swagger_ui_redirect, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)


class SecurityHeadersMiddleware:
    """Adds the headers above to every answer, never replacing a header a route set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith(API_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON_HEADERS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", API_HTML_POLICY)
                if api:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
