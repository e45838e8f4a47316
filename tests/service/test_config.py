"""ServiceSettings: read once from the environment (prefix BMM_), overridable, folders resolved here."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from matcher.resources import data_dir, models_dir
from service.config import GeocoderKind, RoutingEngine, ServiceSettings


def test_environment_is_read_and_arguments_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BMM_IMPORT_MAX_BYTES", "1234")
    monkeypatch.setenv("BMM_DATABASE_URL", "sqlite:///env.db")
    settings = ServiceSettings(database_url="sqlite:///arg.db")
    assert settings.import_max_bytes == 1234
    assert settings.database_url == "sqlite:///arg.db"
    assert ServiceSettings().max_body_bytes == 10 * 1024 * 1024


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="import_max_bytes"):
        ServiceSettings(import_max_bytes=0)


def test_folders_default_to_the_shipped_ones_and_an_override_wins(tmp_path: Path) -> None:
    assert ServiceSettings().resolved_data_dir() == data_dir()
    assert ServiceSettings().resolved_models_dir() == models_dir()
    (tmp_path / "README.md").write_text("copied models", encoding="utf-8")
    assert ServiceSettings(models_dir=tmp_path).resolved_models_dir() == tmp_path
    copy = tmp_path / "data"
    shutil.copytree(data_dir() / "catalog", copy / "catalog")
    assert ServiceSettings(data_dir=copy).resolved_data_dir() == copy


def test_the_matcher_reads_no_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("elsewhere", encoding="utf-8")
    monkeypatch.setenv("BMM_MODELS_DIR", str(tmp_path))
    assert models_dir() != tmp_path  # only the service's settings read BMM_MODELS_DIR
    assert ServiceSettings().resolved_models_dir() == tmp_path


def test_routing_is_off_by_default() -> None:
    assert ServiceSettings().routing_engine is RoutingEngine.NONE


def test_routing_engine_and_url_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BMM_ROUTING_ENGINE", "valhalla")
    monkeypatch.setenv("BMM_ROUTING_URL", "https://valhalla.example.org")
    monkeypatch.setenv("BMM_ROUTING_TIMEOUT_SECONDS", "2.5")
    settings = ServiceSettings()
    assert (settings.routing_engine, settings.routing_url) == (RoutingEngine.VALHALLA, "https://valhalla.example.org")
    assert settings.routing_timeout_seconds == 2.5


@pytest.mark.parametrize("url", ["http://localhost:5000", "http://127.0.0.1:8002", "http://[::1]:5000", "https://r.de"])
def test_routing_url_https_or_loopback_is_accepted(url: str) -> None:
    assert ServiceSettings(routing_engine=RoutingEngine.OSRM, routing_url=url).routing_url == url


@pytest.mark.parametrize(
    ("url", "message"),
    [("http://router.example.org", "muss https verwenden"), ("ftp://router.example.org", "keine http\\(s\\)-Adresse")],
)
def test_routing_url_without_https_is_refused_naming_the_variable(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"BMM_ROUTING_URL „{url}“ .*{message}"):
        ServiceSettings(routing_engine=RoutingEngine.OSRM, routing_url=url)


def test_a_routing_engine_needs_its_url() -> None:
    with pytest.raises(ValueError, match="BMM_ROUTING_URL fehlt: BMM_ROUTING_ENGINE=osrm"):
        ServiceSettings(routing_engine=RoutingEngine.OSRM)
    with pytest.raises(ValueError, match="routing_engine"):
        ServiceSettings(routing_engine="graphhopper")


def test_geocoder_defaults_to_none_and_public_urls_fill_in(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ServiceSettings().geocoder is GeocoderKind.NONE
    assert ServiceSettings().resolved_geocoder_url() is None
    nominatim = ServiceSettings(geocoder=GeocoderKind.NOMINATIM)
    assert nominatim.resolved_geocoder_url() == "https://nominatim.openstreetmap.org"
    monkeypatch.setenv("BMM_GEOCODER", "photon")
    monkeypatch.setenv("BMM_GEOCODER_URL", "https://photon.ihk.example/")
    monkeypatch.setenv("BMM_GEOCODER_RATE", "5")
    settings = ServiceSettings()
    assert (settings.geocoder, settings.geocoder_rate) == (GeocoderKind.PHOTON, 5.0)
    assert settings.resolved_geocoder_url() == "https://photon.ihk.example/"


@pytest.mark.parametrize("url", ["http://localhost:8080", "http://127.0.0.1:7070/nominatim", "http://[::1]:2322"])
def test_plain_http_is_allowed_on_loopback_only(url: str) -> None:
    assert ServiceSettings(geocoder=GeocoderKind.NOMINATIM, geocoder_url=url).geocoder_url == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://nominatim.example.org", "muss https verwenden"),
        ("http://10.0.0.5:8080", "muss https verwenden"),
        ("ftp://geo.example.org", "keine http"),
        ("nominatim.example.org", "keine http"),
    ],
)
def test_other_geocoder_urls_are_a_clear_config_error(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"BMM_GEOCODER_URL „{url}“ .*{message}"):
        ServiceSettings(geocoder=GeocoderKind.NOMINATIM, geocoder_url=url)


def test_geocoder_kind_and_rate_are_validated() -> None:
    with pytest.raises(ValueError, match="geocoder"):
        ServiceSettings.model_validate({"geocoder": "google"})
    with pytest.raises(ValueError, match="geocoder_rate"):
        ServiceSettings(geocoder_rate=0)


def test_import_workers_default_to_the_usable_cpus_and_are_at_least_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BMM_IMPORT_WORKERS", raising=False)
    assert ServiceSettings().import_workers == len(os.sched_getaffinity(0))
    monkeypatch.setenv("BMM_IMPORT_WORKERS", "1")
    assert ServiceSettings().import_workers == 1
    with pytest.raises(ValueError, match="import_workers"):
        ServiceSettings(import_workers=0)
