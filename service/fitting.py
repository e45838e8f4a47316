"""Fit the profile vectoriser and write it with its model card (``bmm fit``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from matcher.artefacts import ModelCard, describe, save_model
from matcher.models import Organisation
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.vectorise import fit_vectoriser
from service.seeding import demo_organisations
from service.storage.repository import OrganisationRepository


def fit_and_save(
    organisations: list[Organisation], settings: MatcherSettings, training_data: str, out: Path
) -> ModelCard:
    vectoriser = fit_vectoriser(organisations, settings.vectors)
    card = describe(vectoriser, settings.vectors, training_data, len(organisations), date.today())
    save_model(out, vectoriser, card)
    return card


def fit_from_demo(reference: ReferenceData, settings: MatcherSettings, out: Path, *, size: int, seed: int) -> ModelCard:
    organisations = demo_organisations(reference, settings, size=size, seed=seed)
    description = f"synthetic demo organisations (bmm demo --size {size} --seed {seed})"
    return fit_and_save(organisations, settings, description, out)


def fit_from_repository(repository: OrganisationRepository, settings: MatcherSettings, out: Path) -> ModelCard:
    organisations = list(repository.iter_all())
    synthetic = sum(o.synthetic for o in organisations)
    description = f"stored organisations ({len(organisations) - synthetic} real, {synthetic} synthetic)"
    return fit_and_save(organisations, settings, description, out)
