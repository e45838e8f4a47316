"""The web app's routes on the FastAPI app: static files, the redirect, the boundaries (no browser needed)."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from matcher.resources import data_dir
from service.api.app import create_app
from service.config import ServiceSettings
from service.storage.database import make_engine, upgrade
from service.web.mount import BOUNDARIES_PATH, STATIC_DIR, merged_boundaries


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('web-mount') / 'bmm.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
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
    assert dortmund["geometry"]["type"] in {"Polygon", "MultiPolygon"}
