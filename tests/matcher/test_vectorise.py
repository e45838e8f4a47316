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
from matcher.vectorise import PROBLEMS, Vectoriser, fit_vectoriser
from matcher.vocabulary import OrganisationKind, Sector

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


def test_vectors_from_columns_equal_the_pipeline_bit_for_bit(builder: ProfileBuilder) -> None:
    """``transform_columns`` (the store's load) gives exactly what ``transform`` gives, on a varied sample."""
    vectoriser, _ = load_model(models_dir())
    rng = np.random.default_rng(7)
    kinds = [k.value for k in OrganisationKind]
    sectors: list[str | None] = [s.value for s in Sector] + [None]
    problems = [p.value for p in PROBLEMS]
    organisations = [
        _build(
            builder, f"o{i}", kind=kinds[i % len(kinds)],
            sector=sectors[int(rng.integers(len(sectors)))] if i % len(kinds) < 2 else None,  # businesses only
            employees=int(rng.integers(1, 20_000)), shift_work=bool(rng.integers(2)),
            postcode=["44135", "10115", "80331", "01067", "24103"][i % 5],
            issues=[str(p) for p in rng.choice(problems, size=int(rng.integers(0, 6)), replace=False)],
        )
        for i in range(60)
    ]  # fmt: skip
    issues = np.zeros((len(organisations), len(PROBLEMS)), dtype=np.bool_)
    for row, organisation in enumerate(organisations):
        issues[row, [PROBLEMS.index(i) for i in organisation.issues]] = True
    from_columns = vectoriser.transform_columns(
        issues=issues,
        sectors=[o.sector for o in organisations],
        kinds=[o.kind.value for o in organisations],
        employees=[o.employees for o in organisations],
        shift_work=[o.shift_work for o in organisations],
        station_distance_km=[o.features.station_distance_km for o in organisations],
        population_density=[o.features.population_density for o in organisations],
        commuter_balance_per_1000=[o.features.kreis_commuter_balance_per_1000 for o in organisations],
    )
    assert len({o.sector for o in organisations}) >= 8
    assert any(o.issues == [] for o in organisations)
    assert np.array_equal(from_columns, vectoriser.transform(organisations))
    assert from_columns.dtype == np.float32
