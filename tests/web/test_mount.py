"""The web app's routes on the FastAPI app: static files, the redirect, the boundaries (no browser needed)."""

from __future__ import annotations

import gzip
import inspect
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from matcher.resources import data_dir
from service import brief_html, html_page, residences_html
from service.api.app import create_app
from service.config import ServiceSettings
from service.html_page import csp_hash
from service.web.mount import (
    BOUNDARIES_PATH,
    SECURITY_HEADERS,
    STATIC_DIR,
    content_security_policy,
    merged_boundaries,
)
from tests.factories import migrated_sqlite


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = migrated_sqlite(tmp_path_factory.mktemp("web-mount") / "bmm.db")
    with TestClient(create_app(ServiceSettings(database_url=url))) as test_client:
        yield test_client


def test_root_redirects_to_the_app(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/app/"


def test_index_and_modules_are_served(client: TestClient) -> None:
    index = client.get("/app/")
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in index.text
    module = client.get("/app/js/main.js")
    assert module.status_code == 200
    assert "javascript" in module.headers["content-type"]
    assert client.get("/app/vendor/leaflet/leaflet.js").status_code == 200


def test_every_local_reference_of_the_app_exists() -> None:
    """index.html and the modules refer only to files that ship (nothing is fetched from elsewhere)."""
    index = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    references = re.findall(r'(?:src|href)="([^"#:]+)"', index)
    assert "js/main.js" in references
    for reference in references:
        if reference.startswith("/"):  # a link into the service itself, e.g. /docs
            continue
        assert (STATIC_DIR / reference).is_file(), reference
    for module in (STATIC_DIR / "js").rglob("*.js"):
        for target in re.findall(r'from "(\.[^"]+)"', module.read_text(encoding="utf-8")):
            assert (module.parent / target).resolve().is_file(), f"{module.name}: {target}"


def test_api_paths_win_over_the_app(client: TestClient) -> None:
    assert client.get("/api/v1/vocabulary").status_code == 200
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert client.get("/health").json()["status"] == "ok"
    assert not any(path.startswith(("/app", "/web")) for path in client.get("/openapi.json").json()["paths"])


def test_boundaries_are_served_with_cache_headers(client: TestClient) -> None:
    response = client.get(BOUNDARIES_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert "max-age=" in response.headers["cache-control"]
    collection = response.json()
    states = {feature["properties"]["state"] for feature in collection["features"]}
    assert states == {"DE-NW", "DE-BW"}
    assert len(collection["features"]) == 53 + 44
    assert "BKG" in collection["attribution"]
    again = client.get(BOUNDARIES_PATH, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_boundaries_are_gzipped_when_the_client_accepts_it(client: TestClient) -> None:
    raw = client.get(BOUNDARIES_PATH, headers={"Accept-Encoding": "identity"})
    # httpx decodes transparently; the compressed size shows in the raw stream.
    with client.stream("GET", BOUNDARIES_PATH, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.headers["content-encoding"] == "gzip"
        compressed = b"".join(response.iter_raw())
    assert len(compressed) < len(raw.content) / 2
    assert json.loads(gzip.decompress(compressed)) == raw.json()


def test_merged_boundaries_keep_codes_and_names() -> None:
    collection = merged_boundaries(data_dir() / "geo" / "boundaries")
    dortmund = next(f for f in collection["features"] if f["properties"]["ags"] == "05913")
    assert dortmund["properties"]["name"] == "Dortmund"
    labels = {f["properties"]["ags"]: f["properties"]["label"] for f in collection["features"]}
    assert (labels["05913"], labels["05978"]) == ("Stadt Dortmund (kreisfreie Stadt)", "Kreis Unna")
    assert (labels["08111"], labels["08116"]) == ("Stadt Stuttgart (Stadtkreis)", "Landkreis Esslingen")
    assert dortmund["geometry"]["type"] in {"Polygon", "MultiPolygon"}


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


@pytest.mark.parametrize(
    "path", ["/app/", "/app/index.html", "/app/js/main.js", "/app/css/app.css", "/app/vendor/leaflet/leaflet.js", "/"]
)
def test_the_app_is_served_with_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code in {200, 307}
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = _directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other host
    assert policy["style-src"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-src"] == ["'self'", "blob:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]


def test_security_headers_also_on_revalidation_and_boundaries(client: TestClient) -> None:
    first = client.get("/app/js/map.js")
    again = client.get("/app/js/map.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    boundaries = client.get(BOUNDARIES_PATH)
    for response in (again, boundaries):
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value


def test_the_policy_allows_exactly_the_inline_styles_of_the_printable_pages() -> None:
    """The brief and the residence report (server HTML in a srcdoc frame or blob: tab) inherit the app's policy:
    each stylesheet and each style attribute they write must be allowed by hash; the app needs no inline style."""
    style_src = _directives(content_security_policy())["style-src"]
    assert csp_hash(brief_html.CSS) in style_src
    assert csp_hash(residences_html.CSS) in style_src
    page = inspect.getsource(html_page)
    assert page.count("<style>") == 1
    assert "<style>{css}</style>" in page  # the one place a page writes its stylesheet (document())
    assert "'unsafe-hashes'" in style_src
    for module in (brief_html, residences_html, html_page):
        source = inspect.getsource(module)
        assert "<style" not in source or module is html_page
        for attribute in re.findall(r'style="([^"]*)"', source):
            assert csp_hash(attribute) in style_src, (module.__name__, attribute)
    assert re.findall(r'style="([^"]*)"', inspect.getsource(brief_html)), "the brief's legend uses style attributes"


def test_the_app_uses_no_inline_script_style_or_html_sink() -> None:
    """index.html has no inline script, style or handler; the modules never hand a string to an HTML sink."""
    index = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<script(?![^>]*\bsrc=)", index) is None
    assert "<style" not in index
    assert "style=" not in index
    assert re.search(r"\son[a-z]+=", index) is None
    sinks = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|bindPopup|setContent|divIcon|eval\(")
    for module in (STATIC_DIR / "js").rglob("*.js"):
        text = module.read_text(encoding="utf-8")
        found = [line for line in text.splitlines() if sinks.search(line) and not line.lstrip().startswith("//")]
        if module.name == "ui.js":  # the list of sinks h() refuses
            found = [line for line in found if "HTML_SINKS" not in line]
        assert found == [], (module.name, found)
        for call in re.findall(r"bindTooltip\(([^,)]*)", text):
            assert call.startswith("textTooltip("), (module.name, call)
