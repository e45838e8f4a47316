"""The 'bmm residences' commands: import (all or nothing), analysis (text, JSON, GeoJSON with k), delete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.storage.database import make_engine
from service.storage.residences import SqlResidenceRepository

# Every command loads the reference data (about 2 s each).
pytestmark = pytest.mark.slow

runner = CliRunner()

ORGANISATIONS = "id;kind;name;sector;employees;lat;lon\r\nfirm;company;Beispiel GmbH;H;120;51,5300;7,4400\r\n"


def _database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'res.db'}"
    source = tmp_path / "firmen.csv"
    source.write_text(ORGANISATIONS, encoding="utf-8")
    assert runner.invoke(app, ["import", str(source), "--db", url]).exit_code == 0
    return url


def test_import_analysis_delete(tmp_path: Path) -> None:
    url = _database(tmp_path)
    homes = tmp_path / "wohnorte.csv"
    homes.write_text("PLZ;Anzahl\n44139;12\n44137;7\n44135;6\n44803;3\n44805;2\n", encoding="cp1252")
    result = runner.invoke(app, ["residences", "import", "firm", str(homes), "--db", url])
    assert result.exit_code == 0, result.output
    assert "30 Personen in 5 Postleitzahlen" in result.output

    text = runner.invoke(app, ["residences", "analysis", "firm", "--db", url])
    assert text.exit_code == 0, text.output
    assert "Wohnstandortanalyse Beispiel GmbH (firm)" in text.output
    assert "44139" in text.output
    assert "44803" not in text.output  # 3 people: below k
    assert "Fahrgemeinschaft" in text.output

    answer = json.loads(runner.invoke(app, ["residences", "analysis", "firm", "--db", url, "--format", "json"]).output)
    assert answer["total"] == 30
    assert {o["postcode"] for o in answer["origins"]} == {"44139", "44137", "44135"}
    assert answer["other_origins"]["count"] == 5  # Bochum's 3 and 2 together
    geojson = runner.invoke(app, ["residences", "analysis", "firm", "--db", url, "--format", "geojson"])
    features = json.loads(geojson.output)["features"]
    assert [f["properties"]["postcode"] for f in features] == ["44139", "44137", "44135", None]

    deleted = runner.invoke(app, ["residences", "delete", "firm", "--db", url])
    assert deleted.exit_code == 0, deleted.output
    assert SqlResidenceRepository(make_engine(url)).get("firm") is None
    again = runner.invoke(app, ["residences", "delete", "firm", "--db", url])
    assert again.exit_code == 1
    assert "keine Wohnorte" in again.output


def test_import_lists_the_bad_rows_and_keeps_the_previous_upload(tmp_path: Path) -> None:
    url = _database(tmp_path)
    good, bad = tmp_path / "gut.csv", tmp_path / "schlecht.csv"
    good.write_text("PLZ\n44139\n44139\n", encoding="utf-8")
    bad.write_text("PLZ\n44139\n99999\n", encoding="utf-8")
    assert runner.invoke(app, ["residences", "import", "firm", str(good), "--db", url]).exit_code == 0
    result = runner.invoke(app, ["residences", "import", "firm", str(bad), "--db", url])
    assert result.exit_code == 1
    assert "Zeile 3: unbekannte Postleitzahl „99999“" in result.output
    assert "bisherige Hochladen gilt weiter" in result.output
    stored = SqlResidenceRepository(make_engine(url)).get("firm")
    assert stored is not None
    assert stored.counts.as_dict() == {"44139": 2}


def test_an_unknown_organisation_is_named(tmp_path: Path) -> None:
    url = _database(tmp_path)
    result = runner.invoke(app, ["residences", "analysis", "nobody", "--db", url])
    assert result.exit_code == 1
    assert "Organisation 'nobody' nicht gefunden" in result.output
