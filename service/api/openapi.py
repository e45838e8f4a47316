"""Render the OpenAPI schema deterministically (sorted keys, indent 2, trailing newline)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from fastapi import FastAPI

from service.config import ServiceSettings
from service.storage.database import make_engine, upgrade

OPENAPI_FILE = "openapi.json"


def render_openapi(app: FastAPI) -> str:
    return json.dumps(app.openapi(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def export_openapi(target: Path) -> str:
    """Build the app on a throw-away migrated database and write its schema to ``target``."""
    from service.api.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'openapi.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = create_app(ServiceSettings(database_url=url))
        text = render_openapi(app)
    target.write_text(text, encoding="utf-8")
    return text
