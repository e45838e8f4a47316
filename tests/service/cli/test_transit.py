"""bmm transit import, status and remove: the commands around service/timetable.py (tested there in depth)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.storage.database import make_engine, upgrade
from tests.factories_gtfs import standard_feed

runner = CliRunner()


@pytest.mark.slow  # each command loads the reference data
def test_import_status_and_remove_report_in_german(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bmm.db'}"
    upgrade(make_engine(url))
    empty = runner.invoke(app, ["transit", "status", "--db", url])
    assert empty.exit_code == 0
    assert "Keine GTFS-Feeds" in empty.output

    feed = standard_feed().write(tmp_path / "vrr-2026.zip")
    result = runner.invoke(app, ["transit", "import", str(feed), "--db", url])
    assert result.exit_code == 0, result.output
    assert "Feed „vrr-2026“ importiert" in result.output
    assert "Fahrplan 05.01.2026 bis 27.03.2026, gezählt am Montag, 05.01.2026." in result.output
    assert "Haltestellen mit Abfahrten: 4; der Haltestellentabelle zugeordnet 2 über den Namen, 1 nur über die " \
           "Lage, nicht zugeordnet 1; abgedeckt 3 Haltestellen." in result.output  # fmt: skip
    assert "0 gespeicherte Organisationen neu eingestuft" in result.output

    status = runner.invoke(app, ["transit", "status", "--db", url])
    assert status.exit_code == 0
    (row,) = [line for line in status.output.splitlines() if line.startswith("vrr-2026 ")]
    assert "vrr-2026.zip" in row
    assert "05.01.2026–27.03.2026" in row
    assert "Montag, 05.01.2026" in row

    broken = standard_feed()
    broken.leave_out["stops.txt"] = "stop_lat"
    failed = runner.invoke(app, ["transit", "import", str(broken.write(tmp_path / "b.zip")), "--db", url])
    assert failed.exit_code == 1
    assert "GTFS-Feed b.zip nicht importiert, die Datenbank ist unverändert: stops.txt: Spalte(n) stop_lat " \
           "fehlen" in failed.stderr  # fmt: skip

    removed = runner.invoke(app, ["transit", "remove", "vrr-2026", "--db", url])
    assert removed.exit_code == 0, removed.output
    assert "Feed „vrr-2026“ entfernt" in removed.output
    missing = runner.invoke(app, ["transit", "remove", "vrr-2026", "--db", url])
    assert missing.exit_code == 1
    assert "Kein GTFS-Feed „vrr-2026“" in missing.stderr


def test_a_bad_name_and_a_missing_database_are_refused(tmp_path: Path) -> None:
    feed = standard_feed().write(tmp_path / "feed.zip")
    url = f"sqlite:///{tmp_path / 'none.db'}"
    bad = runner.invoke(app, ["transit", "import", str(feed), "--name", "../x", "--db", url])
    assert bad.exit_code == 2
    assert "Ungültiger Wert für '--name'" in bad.stderr
    missing = runner.invoke(app, ["transit", "status", "--db", url])
    assert missing.exit_code == 1
    assert "gibt es nicht" in missing.stderr
    assert not (tmp_path / "none.db").exists()
