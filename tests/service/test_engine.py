from __future__ import annotations

import logging
from pathlib import Path

import pytest

from matcher.artefacts import load_card, write_card
from matcher.resources import models_dir
from service.engine import load_engine


def test_loads_the_shipped_model() -> None:
    engine = load_engine()
    assert engine.model_card == load_card(models_dir())


def test_incompatible_model_is_refitted_in_memory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    card = load_card(models_dir())
    write_card(tmp_path, card.model_copy(update={"sklearn_version": "0.1.0"}))
    with caplog.at_level(logging.WARNING):
        engine = load_engine(tmp_path)
    assert "refitting" in caplog.text
    assert "in-memory refit" in engine.model_card.training_data
    assert engine.vectoriser.dimension == card.dimension
