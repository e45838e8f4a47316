"""Service configuration from the environment (prefix ``BMM_``) and command-line options."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///bmm.db"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BMM_", extra="ignore", env_ignore_empty=True)

    database_url: str = DEFAULT_DATABASE_URL
