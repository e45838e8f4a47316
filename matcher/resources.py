"""Locate the reference data and model artefacts that ship with the package."""

from __future__ import annotations

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def _first_existing(env_var: str, installed: str, checkout: str, marker: str) -> Path:
    override = os.environ.get(env_var)
    candidates = [Path(override)] if override else []
    # Installed from a wheel the folders sit beside the packages under a distinct name;
    # in a checkout (or an editable install) they are the top-level folders.
    candidates += [_ROOT / installed, _ROOT / checkout]
    for candidate in candidates:
        if (candidate / marker).exists():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"bmm-match reference files not found (searched {searched}); set {env_var}")


def data_dir() -> Path:
    """The folder with ``geo/`` and ``catalog/`` reference data."""
    return _first_existing("BMM_DATA_DIR", "bmm_data", "data", "catalog/measures.csv")


def models_dir() -> Path:
    """The folder with fitted artefacts and model cards."""
    return _first_existing("BMM_MODELS_DIR", "bmm_models", "models", "README.md")
