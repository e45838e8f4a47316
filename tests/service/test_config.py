"""ServiceSettings: read once from the environment (prefix BMM_), overridable, folders resolved here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from matcher.resources import data_dir, models_dir
from service.config import ServiceSettings


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
