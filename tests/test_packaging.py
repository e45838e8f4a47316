"""The wheel carries its reference data and works from any directory in a fresh virtualenv."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
    )
    (built,) = out.glob("bmm_match-*.whl")
    return built


@pytest.mark.slow
def test_wheel_ships_reference_data_and_catalogue(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "bmm_data/README.md",
        "bmm_data/geo/municipalities.csv",
        "bmm_data/geo/postcodes.csv",
        "bmm_data/geo/boundaries/kreise_nrw_vg1000_2022.geojson",
        "bmm_data/catalog/measures.csv",
        "bmm_data/catalog/VOCABULARY.md",
        "service/web/static/index.html",
        "service/web/static/vendor/leaflet/leaflet.js",
        "service/storage/migrations/versions/0003_changes_log_feedback.py",
        "bmm_models/README.md",
        "service/storage/migrations/env.py",
        "matcher/py.typed",
    ):
        assert required in names, required


@pytest.mark.slow
def test_wheel_works_in_a_fresh_virtualenv_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    script = (
        "from matcher.reference import load_reference_data\n"
        "from matcher.geo.resolver import LocationResolver, LocationQuery\n"
        "from matcher.settings import GeographySettings\n"
        "import matcher\n"
        "r = load_reference_data()\n"
        "loc = LocationResolver(r.geo, GeographySettings()).resolve(LocationQuery(postcode='50667'))\n"
        "print(loc.municipality_ags, len(r.catalog.measures), matcher.__file__)\n"
    )
    result = subprocess.run([str(python), "-c", script], cwd=workdir, capture_output=True, text=True, check=True)
    ags, measures, location = result.stdout.split()
    assert ags == "05315000"
    assert int(measures) > 0
    assert str(venv) in location  # imported from the installed wheel, not from the checkout
    init = subprocess.run(
        [str(venv / "bin" / "bmm"), "init", "--db", f"sqlite:///{workdir / 'x.db'}"],
        cwd=workdir, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "Schema-Revision" in init.stdout
