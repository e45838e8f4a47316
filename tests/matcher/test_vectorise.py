"""The sector block of the vector: a known section, ``none`` for a public body, all zero when unknown."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matcher.artefacts import load_model
from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.resources import models_dir
from matcher.settings import VectorSettings
from matcher.vectorise import Vectoriser, fit_vectoriser
from matcher.vocabulary import Sector

SECTOR_COLUMNS = slice(29, 51)  # after the 29 problem codes: sections A-U and "none"


def _build(builder: ProfileBuilder, organisation_id: str, **fields: Any) -> Organisation:
    profile = {"kind": "company", "name": organisation_id, "employees": 80, "postcode": "44135", **fields}
    return builder.build(OrganisationProfile.model_validate(profile), organisation_id)


@pytest.fixture(scope="module")
def trio(builder: ProfileBuilder) -> list[Organisation]:
    # Identical but for the sector: C, F and unknown.
    return [_build(builder, "c", sector="C"), _build(builder, "f", sector="F"), _build(builder, "x", sector=None)]


@pytest.fixture(scope="module")
def fitted(builder: ProfileBuilder, trio: list[Organisation]) -> Vectoriser:
    town = _build(builder, "town", kind="municipality", employees=5000)
    return fit_vectoriser([*trio, town], VectorSettings())


def test_the_sector_block_of_an_unknown_sector_is_zero(fitted: Vectoriser, trio: list[Organisation]) -> None:
    columns = fitted.pipeline.named_steps["columns"].get_feature_names_out()
    sections = [f"sector__sector_{s.value}" for s in Sector]
    assert list(columns[SECTOR_COLUMNS]) == [*sections, "sector__sector_none"]
    known, _, unknown = fitted.transform(trio)
    assert np.count_nonzero(known[SECTOR_COLUMNS]) == 1
    assert not unknown[SECTOR_COLUMNS].any()
    assert np.linalg.norm(unknown) == pytest.approx(1.0, abs=1e-6)


def test_an_unknown_sector_neither_matches_nor_mismatches(fitted: Vectoriser, trio: list[Organisation]) -> None:
    c, f, unknown = fitted.transform(trio)
    assert float(unknown @ c) == pytest.approx(float(unknown @ f), abs=1e-6)  # no section preferred
    assert float(c @ f) < float(unknown @ c) < 1.0  # between a mismatch and a match


def test_the_shipped_model_vectorises_an_unknown_sector(trio: list[Organisation]) -> None:
    vectoriser, _ = load_model(models_dir())
    c, f, unknown = vectoriser.transform(trio)
    assert not unknown[SECTOR_COLUMNS].any()
    assert float(unknown @ c) == pytest.approx(float(unknown @ f), abs=1e-6)
