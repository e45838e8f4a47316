"""Fixtures for the browser tests: a real ``bmm serve`` on seeded demo data, and Chromium through Playwright.

The server fixture needs nothing but the package. The browser fixtures skip (with the reason) when the
``playwright`` package or the system's Chromium (``/usr/bin/chromium``, Debian package ``chromium``) is
missing; Playwright's own browser download is never used.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Route

CHROMIUM = os.environ.get("BMM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_SIZE = 3000
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
STARTUP_SECONDS = 60


@dataclass(frozen=True)
class WebServer:
    """A running ``bmm serve`` with demo data: its base URL, database and one demo key per role."""

    base_url: str
    keys: dict[str, str]
    subjects: dict[str, str]
    database_url: str = ""

    def create_key(self, role: str, subject: str | None = None) -> str:
        """A new API key (``bmm keys create`` on the server's database; the key is the last line printed)."""
        command = [_bmm(), "keys", "create", "--db", self.database_url, "--role", role]
        if subject is not None:
            command += ["--subject", subject]
        done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
        return done.stdout.strip().splitlines()[-1].strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def parse_demo_keys(output: str) -> tuple[dict[str, str], dict[str, str]]:
    """Role → key and role → subject from the key table ``bmm demo`` prints (the key is the last column)."""
    keys: dict[str, str] = {}
    subjects: dict[str, str] = {}
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Demo-Schlüssel"))
    for line in lines[start + 1 :]:
        parts = line.split()
        if len(parts) != 3:
            break
        role, subject, key = parts
        keys[role] = key
        subjects[role] = subject
    return keys, subjects


def _bmm() -> str:
    return str(Path(sys.executable).parent / "bmm")


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    folder = tmp_path_factory.mktemp("web")
    database_url = f"sqlite:///{folder / 'bmm-web.db'}"
    demo = subprocess.run(
        [_bmm(), "demo", "--db", database_url, "--size", str(DEMO_SIZE)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    keys, subjects = parse_demo_keys(demo.stdout)
    assert set(keys) == {"admin", "advisor", "planner", "organisation"}, demo.stdout
    port = _free_port()
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen(
        [_bmm(), "serve", "--db", database_url, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:
                    json.load(response)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((folder / "serve.log").read_text()) from None
                time.sleep(0.2)
        yield WebServer(base_url=base_url, keys=keys, subjects=subjects, database_url=database_url)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed (pip install -e '.[dev]')"
    )
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium); browser tests skipped")
    executable = CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class WebPage:
    """A browser page on the web app that records console errors and uncaught exceptions."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)

    def open(self, route: str = "start") -> None:
        self.page.goto(f"{self.base_url}/app/#/{route}")
        self.page.wait_for_selector("h1")

    def sign_in(self, key: str) -> None:
        """Sign in on the start page (signing out first: a key lives in sessionStorage)."""
        self.open("start")
        if self.page.locator("#api-key").count() == 0:
            self.page.get_by_role("button", name="Abmelden").click()
        self.page.fill("#api-key", key)
        self.page.click("form button[type=submit]")

    def wait_for_function(self, expression: str, timeout_ms: float = 20_000, interval_ms: float = 50) -> Any:
        """Poll the JavaScript ``expression`` until it is truthy; returns its value.

        Playwright's ``page.wait_for_function`` evaluates its expression with ``eval`` *inside* the page, which
        the app's Content-Security-Policy (``script-src 'self'``) forbids; ``page.evaluate`` runs through the
        DevTools protocol and is not subject to the page's policy."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            result = self.page.evaluate(expression)
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"not true within {timeout_ms / 1000:.0f} s: {expression}")
            self.page.wait_for_timeout(interval_ms)

    def text(self, selector: str) -> str:
        """The text of the first element matching ``selector`` once it is visible."""
        element = self.page.locator(selector).first
        element.wait_for()
        return element.inner_text()

    def screenshot(self, name: str, scroll_to: str | None = None) -> Path:
        """Save the viewport to tests/web/artifacts/; with BMM_UPDATE_SCREENSHOTS=1 also to docs/screenshots/
        (the README shows those). ``scroll_to``: a selector scrolled to the top of the viewport first."""
        if scroll_to is not None:
            self.page.locator(scroll_to).first.evaluate("node => node.scrollIntoView({block: 'start'})")
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(target))
        if os.environ.get("BMM_UPDATE_SCREENSHOTS") == "1" and SCREENSHOTS.is_dir():
            shutil.copyfile(target, SCREENSHOTS / target.name)
        return target

    def unexpected_errors(self, allowed: tuple[str, ...] = ()) -> list[str]:
        return [error for error in self.errors if not any(re.search(pattern, error) for pattern in allowed)]


@pytest.fixture
def web(browser: Browser, web_server: WebServer) -> Iterator[WebPage]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="de-DE", accept_downloads=True, reduced_motion="reduce"
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    recorder = WebPage(page=page, base_url=web_server.base_url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            recorder.errors.append(f"console: {message.text}")

    def on_page_error(error: Any) -> None:
        recorder.errors.append(f"pageerror: {error}")

    def offline_only(route: Route) -> None:
        """The app must not fetch anything from the internet (vendored library, bundled base map)."""
        host = urlsplit(route.request.url).hostname
        if host in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            recorder.errors.append(f"external request: {route.request.url}")
            route.abort()

    context.route("**/*", offline_only)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    try:
        yield recorder
    finally:
        context.close()
