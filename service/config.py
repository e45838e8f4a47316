"""The service's one settings object: read once (environment, prefix ``BMM_``) and passed down.

``create_app(settings)`` keeps it on ``app.state.settings`` (routes get it through
:data:`service.api.deps.SettingsDep`); the CLI builds it from its options. Tests pass their own
``ServiceSettings(...)`` instead of patching module globals.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from matcher.resources import data_dir, models_dir

DEFAULT_DATABASE_URL = "sqlite:///bmm.db"
MEGABYTE = 1024 * 1024


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BMM_", extra="ignore", env_ignore_empty=True, frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    max_body_bytes: int = Field(default=10 * MEGABYTE, gt=0, description="request bodies above this get 413")
    import_max_bytes: int = Field(default=512 * MEGABYTE, gt=0, description="the body limit of the import route")
    gtfs_max_entry_bytes: int = Field(
        default=1024 * MEGABYTE, gt=0, description="a GTFS zip entry larger than this (uncompressed) is refused"
    )
    gtfs_max_bytes: int = Field(
        default=2048 * MEGABYTE, gt=0, description="a GTFS zip larger than this in sum (uncompressed) is refused"
    )
    residence_k: int = Field(
        default=5,
        ge=5,
        description="Wohnstandortanalyse: cells with 1 … k−1 people are suppressed (never below 5, docs/residences.md)",
    )
    residence_max_bytes: int = Field(
        default=10 * MEGABYTE, gt=0, description="largest residence upload (PUT …/residences) in bytes, else 413"
    )
    residence_max_rows: int = Field(
        default=500_000, gt=0, description="most data rows of a residence upload (one per employee or postcode)"
    )
    data_dir: Path | None = Field(default=None, description="reference data (default: the package's data/)")
    models_dir: Path | None = Field(default=None, description="fitted artefacts (default: the package's models/)")
    learning_poll_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="how often each worker looks for a new learned version (bmm learn)"
    )

    def resolved_data_dir(self) -> Path:
        """``data_dir`` if set (it must hold the reference data), else the shipped folder."""
        return data_dir(self.data_dir)

    def resolved_models_dir(self) -> Path:
        """``models_dir`` if set, else the shipped folder."""
        return models_dir(self.models_dir)
