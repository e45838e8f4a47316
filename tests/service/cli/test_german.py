"""The CLI's built-in texts (usage, panels, --help, click errors) are German."""

from __future__ import annotations

import re

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
