"""Fitted artefacts in ``models/``: the vectoriser (joblib) and its model card (JSON + Markdown)."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from pydantic import BaseModel, ConfigDict, Field
from sklearn.exceptions import InconsistentVersionWarning

from matcher import __version__
from matcher.settings import VectorSettings
from matcher.vectorise import PROBLEMS, Vectoriser

VECTORISER_FILE = "vectoriser.joblib"
CARD_JSON = "model_card.json"
CARD_MARKDOWN = "MODEL_CARD.md"
# 2: a business of unknown sector is vectorised with an all-zero sector block (version 1 refuses it).
ARTEFACT_VERSION = 2


class ModelVersionError(RuntimeError):
    """The artefact was written by another scikit-learn version; refit with ``bmm fit``."""


class ModelCard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "bmm-match profile vectoriser"
    artefact_version: int = ARTEFACT_VERSION
    package_version: str = __version__
    fitted_on: date
    training_data: str = Field(description="what the vectoriser was fitted on")
    training_size: int
    sklearn_version: str = sklearn.__version__
    numpy_version: str = np.__version__
    dimension: int
    block_weights: VectorSettings
    issue_weights: dict[str, float] = Field(description="IDF weight per problem code")
    evaluation: dict[str, Any] | None = Field(default=None, description="figures written by bmm evaluate")


def describe(vectoriser: Vectoriser, settings: VectorSettings, training_data: str, size: int, today: date) -> ModelCard:
    return ModelCard(
        fitted_on=today,
        training_data=training_data,
        training_size=size,
        dimension=vectoriser.dimension,
        block_weights=settings,
        issue_weights={
            code.value: round(float(w), 6) for code, w in zip(PROBLEMS, vectoriser.issue_weights, strict=True)
        },
    )


def save_model(directory: Path, vectoriser: Vectoriser, card: ModelCard) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(vectoriser.pipeline, directory / VECTORISER_FILE)
    write_card(directory, card)


def write_card(directory: Path, card: ModelCard) -> None:
    (directory / CARD_JSON).write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (directory / CARD_MARKDOWN).write_text(render_card(card), encoding="utf-8")


def load_card(directory: Path) -> ModelCard:
    return ModelCard.model_validate_json((directory / CARD_JSON).read_text(encoding="utf-8"))


def load_model(directory: Path) -> tuple[Vectoriser, ModelCard]:
    """Load the fitted vectoriser; refuse one pickled by another scikit-learn version."""
    card = load_card(directory)
    if card.artefact_version != ARTEFACT_VERSION:
        raise ModelVersionError(
            f"models in {directory} have artefact version {card.artefact_version}, this code reads "
            f"{ARTEFACT_VERSION}; run 'bmm fit' to refit (reproducible)"
        )
    if _minor(card.sklearn_version) != _minor(sklearn.__version__):
        raise ModelVersionError(
            f"models in {directory} were fitted with scikit-learn {card.sklearn_version}, "
            f"this installation has {sklearn.__version__}; run 'bmm fit' to refit (reproducible)"
        )
    with warnings.catch_warnings():
        # Patch releases keep pickles compatible; scikit-learn still warns on any difference.
        warnings.simplefilter("ignore", InconsistentVersionWarning)
        pipeline = joblib.load(directory / VECTORISER_FILE)
    return Vectoriser(pipeline), card


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def render_card(card: ModelCard) -> str:
    weights = "\n".join(f"| {name} | {value} |" for name, value in card.block_weights.model_dump().items())
    idf = "\n".join(f"| {code} | {weight:.3f} |" for code, weight in card.issue_weights.items())
    evaluation = "Not evaluated yet: run `bmm evaluate`."
    if card.evaluation:
        evaluation = "\n".join(f"- **{key}**: {value}" for key, value in card.evaluation.items())
    return f"""# Model card: {card.name}

Written by `bmm fit`; evaluation figures by `bmm evaluate`. Do not edit by hand.

| field | value |
|---|---|
| artefact version | {card.artefact_version} |
| package version | {card.package_version} |
| fitted on | {card.fitted_on.isoformat()} |
| training data | {card.training_data} |
| training size | {card.training_size:,} organisations |
| scikit-learn / numpy | {card.sklearn_version} / {card.numpy_version} |
| vector dimension | {card.dimension} |

## What it is

A scikit-learn pipeline that turns an organisation profile into an L2-normalised feature vector
(see `matcher/vectorise.py` and `docs/matching.md`): IDF-weighted problem codes, WZ sector, log size,
kind, shift work and the location features (station distance, population density, Kreis commuter
balance). The cosine of two vectors is the "similar profile" component of peer ranking and the
similarity weight of the collaborative signal for measures. Fitting is deterministic: the same
training data give the same vectors.

## Block weights

| block | weight |
|---|---|
{weights}

## Problem weights (IDF)

Rare problems weigh more in the vector and in the shared-problem and experience scores of peers.

| problem code | IDF |
|---|---|
{idf}

## Evaluation

{evaluation}

Expert cases are the set in `matcher/evaluation/expert/` (cases as data: a profile, whether it is NRW or
Baden-Württemberg, urban or rural, shift or day work, and what a BMM advisor insists the answer shows); the
same cases run as `tests/matcher/evaluation/test_expert.py`. Known defects are listed with the defect.

## Limits

- Fitted on synthetic demo data unless stated otherwise above: the weights reflect the demo
  generator's problem model (docs/demo-data.md), not observed firms. Refit on real profiles with
  `bmm fit --from-db` once enough exist.
- The artefact is a pickle: load only files you wrote yourself; it is tied to the scikit-learn version above.
"""
