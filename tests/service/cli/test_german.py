"""The CLI's built-in texts (usage, panels, --help, click errors) are German."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app

runner = CliRunner()

# Words of typer/click's English texts that must not reach a person.
ENGLISH = re.compile(
    r"\b(Usage|Options|Commands|Arguments|Error|Show this message|Missing|Invalid value|No such|"
    r"does not exist|is not one of|Try '|errors|rows)\b"
)

ERRORS = [
    (["import"], "Fehlendes Argument 'file'"),
    (["import", "/does/not/exist.csv"], "gibt es nicht"),
    (["export", "--format", "foo"], "Ungültiger Wert für '--format'"),
    (["demo", "--size", "x"], "keine ganze Zahl"),
    (["demo", "--nope"], "Unbekannte Option: --nope"),
    (["keys", "create"], "Fehlende Option '--role'"),
]


@pytest.mark.parametrize(("args", "german"), ERRORS)
def test_click_errors_are_german(args: list[str], german: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert german in result.output
    assert "Fehler" in result.output
    assert not ENGLISH.search(result.output), result.output


def test_top_level_help_has_german_frame() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for word in ("Aufruf:", "Optionen", "Befehle", "Diese Hilfe anzeigen und beenden."):
        assert word in result.output
    assert "Show this message" not in result.output


COMMANDS = [
    [],
    ["init"],
    ["demo"],
    ["serve"],
    ["fit"],
    ["evaluate"],
    ["import"],
    ["export"],
    ["clusters"],
    ["brief"],
    ["keys"],
    ["keys", "create"],
    ["keys", "list"],
    ["keys", "revoke"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "bmm")
def test_every_help_is_german(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.replace("│", " ").split())  # rich wraps lines inside its panels
    assert "Aufruf:" in text
    assert "Diese Hilfe anzeigen und beenden." in text
    assert not ENGLISH.search(text), ENGLISH.search(text)


def test_import_counts_use_the_singular_for_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    good = tmp_path / "one.csv"
    good.write_text("id;kind;name;sector;employees;postcode\r\na1;company;A GmbH;H;12;44787\r\n", encoding="utf-8")
    stored = runner.invoke(app, ["import", str(good), "--db", url])
    assert stored.exit_code == 0, stored.output
    assert "(1 Zeile;" in stored.output
    assert "1 Organisation " in runner.invoke(app, ["export", "--db", url, "--out", str(tmp_path / "o.csv")]).output
    bad = tmp_path / "bad.csv"
    bad.write_text("id;kind;name;sector;employees;postcode\r\nb1;firma;B;H;1;44787\r\n", encoding="utf-8")
    failed = runner.invoke(app, ["import", str(bad), "--db", url])
    assert failed.exit_code == 1
    assert "Import abgebrochen: 1 Fehler, nichts gespeichert." in failed.output
    assert not ENGLISH.search(failed.output), failed.output
