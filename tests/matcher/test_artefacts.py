from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from matcher.artefacts import ModelVersionError, describe, load_card, load_model, save_model, write_card
from matcher.models import Organisation
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings, VectorSettings
from matcher.synthetic import generate_demo
from matcher.vectorise import PROBLEMS, fit_vectoriser


@pytest.fixture(scope="module")
def organisations(reference: ReferenceData) -> list[Organisation]:
    profiles = generate_demo(reference, size=800, seed=5)
    built = ProfileBuilder(reference, MatcherSettings()).build_many([(p, p.id or "") for p in profiles])
    return [b for b in built if isinstance(b, Organisation)]


def test_vectors_are_unit_length_float32(organisations: list[Organisation]) -> None:
    vectors = fit_vectoriser(organisations, VectorSettings()).transform(organisations)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_rare_problems_weigh_more(organisations: list[Organisation]) -> None:
    weights = dict(zip(PROBLEMS, fit_vectoriser(organisations, VectorSettings()).issue_weights, strict=True))
    counts = {code: sum(code in o.issues for o in organisations) for code in PROBLEMS}
    rare = min(counts, key=lambda c: (counts[c], c.value))
    common = max(counts, key=lambda c: (counts[c], c.value))
    assert counts[rare] < counts[common]
    assert weights[rare] > weights[common]


def test_refitting_is_reproducible_and_survives_a_round_trip(organisations: list[Organisation], tmp_path: Path) -> None:
    settings = VectorSettings()
    first = fit_vectoriser(organisations, settings)
    second = fit_vectoriser(list(organisations), settings)
    assert np.array_equal(first.transform(organisations), second.transform(organisations))
    card = describe(first, settings, "test data", len(organisations), date(2026, 11, 23))
    save_model(tmp_path, first, card)
    loaded, loaded_card = load_model(tmp_path)
    assert loaded_card == card
    assert np.array_equal(loaded.transform(organisations[:50]), first.transform(organisations[:50]))
    assert "test data" in (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")


def test_artefact_of_another_sklearn_version_is_refused(organisations: list[Organisation], tmp_path: Path) -> None:
    vectoriser = fit_vectoriser(organisations, VectorSettings())
    card = describe(vectoriser, VectorSettings(), "test data", len(organisations), date(2026, 11, 23))
    save_model(tmp_path, vectoriser, card)
    write_card(tmp_path, card.model_copy(update={"sklearn_version": "0.0.1"}))
    assert load_card(tmp_path).sklearn_version == "0.0.1"
    with pytest.raises(ModelVersionError, match="bmm fit"):
        load_model(tmp_path)


def test_artefact_of_an_older_layout_is_refused(organisations: list[Organisation], tmp_path: Path) -> None:
    # Version 1 could not vectorise a business of unknown sector; it must be refitted, not half-used.
    vectoriser = fit_vectoriser(organisations, VectorSettings())
    card = describe(vectoriser, VectorSettings(), "test data", len(organisations), date(2026, 11, 23))
    save_model(tmp_path, vectoriser, card.model_copy(update={"artefact_version": 1}))
    with pytest.raises(ModelVersionError, match=r"artefact version 1\b.*bmm fit"):
        load_model(tmp_path)


def test_shipped_model_loads_and_describes_its_training_data() -> None:
    from matcher.resources import models_dir

    vectoriser, card = load_model(models_dir())
    assert card.training_size > 0
    assert "synthetic" in card.training_data
    assert vectoriser.dimension == card.dimension
