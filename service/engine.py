"""What the service loads once at start-up: reference data, settings and the fitted model."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from matcher.artefacts import ModelCard, ModelVersionError, describe, load_model
from matcher.reference import ReferenceData, load_reference_data
from matcher.resources import models_dir
from matcher.settings import MatcherSettings
from matcher.vectorise import Vectoriser, fit_vectoriser

logger = logging.getLogger(__name__)

FALLBACK_SIZE = 20_000
FALLBACK_SEED = 42


@dataclass(frozen=True)
class MatchingEngine:
    reference: ReferenceData
    settings: MatcherSettings
    vectoriser: Vectoriser
    model_card: ModelCard


def load_engine(models: Path | None = None, data: Path | None = None) -> MatchingEngine:
    """Load the shipped (or ``bmm fit``-written) model; refit in memory if it is missing or incompatible.

    ``models`` and ``data`` are the folders (default: the shipped ones; the service passes its settings').
    """
    reference = load_reference_data(data)
    settings = MatcherSettings()
    try:
        vectoriser, card = load_model(models or models_dir())
    except (FileNotFoundError, ModelVersionError, ValidationError) as error:
        # Refitting is deterministic and takes seconds, so a stale artefact never blocks the service.
        logger.warning("model not usable (%s); refitting on the demo data in memory", error)
        from service.seeding import demo_organisations

        organisations = demo_organisations(reference, settings, size=FALLBACK_SIZE, seed=FALLBACK_SEED)
        vectoriser = fit_vectoriser(organisations, settings.vectors)
        description = f"synthetic demo organisations (in-memory refit, seed {FALLBACK_SEED})"
        card = describe(vectoriser, settings.vectors, description, len(organisations), date.today())
    return MatchingEngine(reference=reference, settings=settings, vectoriser=vectoriser, model_card=card)
