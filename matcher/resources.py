"""Locate the reference data and model artefacts that ship with the package.

Pure: no environment reads. A caller that lets users choose the folders (the service's
``ServiceSettings``: ``BMM_DATA_DIR``, ``BMM_MODELS_DIR``) passes the choice as ``override``.
"""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def _first_existing(override: Path | None, installed: str, checkout: str, marker: str) -> Path:
    candidates = [override] if override is not None else []
    # Installed from a wheel the folders sit beside the packages under a distinct name;
    # in a checkout (or an editable install) they are the top-level folders.
    candidates += [_ROOT / installed, _ROOT / checkout]
    for candidate in candidates:
        if (candidate / marker).exists():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"bmm-match reference files not found (searched {searched})")


def data_dir(override: Path | None = None) -> Path:
    """The folder with ``geo/`` and ``catalog/`` reference data (``override`` first, if it holds them)."""
    return _first_existing(override, "bmm_data", "data", "catalog/measures.csv")


def models_dir(override: Path | None = None) -> Path:
    """The folder with fitted artefacts and model cards (``override`` first, if it holds them)."""
    return _first_existing(override, "bmm_models", "models", "README.md")
