"""bmm fit and evaluate."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from service.cli import app

runner = CliRunner()


def test_fit_and_evaluate_write_the_model_card(tmp_path: Path) -> None:
    import json

    fitted = runner.invoke(app, ["fit", "--size", "800", "--seed", "2", "--out", str(tmp_path)])
    assert fitted.exit_code == 0, fitted.output
    card = json.loads((tmp_path / "model_card.json").read_text(encoding="utf-8"))
    assert card["training_size"] == 800
    assert card["evaluation"] is None
    evaluated = runner.invoke(app, ["evaluate", "--size", "1000", "--groups", "5", "--models", str(tmp_path)])
    assert evaluated.exit_code == 0, evaluated.output
    card = json.loads((tmp_path / "model_card.json").read_text(encoding="utf-8"))
    assert "expert cases passed" in card["evaluation"]
    assert "precision@3" in (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")
