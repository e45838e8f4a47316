"""The controlled vocabularies with German labels (public)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from fastapi import APIRouter

from matcher.vocabulary import (
    CATEGORY_LABELS_DE,
    KIND_LABELS_DE,
    PRECISION_LABELS_DE,
    PROBLEM_LABELS_DE,
    SECTOR_LABELS_DE,
)
from service.api.schemas import Vocabulary, VocabularyEntry

router = APIRouter(prefix="/api/v1", tags=["vocabulary"])

CodeT = TypeVar("CodeT", bound=StrEnum)


def _entries(labels: Mapping[CodeT, str]) -> list[VocabularyEntry]:
    return [VocabularyEntry(code=code.value, label=label) for code, label in labels.items()]


@router.get(
    "/vocabulary",
    summary="Vokabular / Vocabulary",
    description=(
        "Organisationsarten, Problemcodes, Maßnahmenkategorien, Branchen und Standortgenauigkeiten mit deutschen "
        "Bezeichnungen. Die Codes sind die Werte, die die API in Anfragen und Antworten verwendet.\n\n"
        "Organisation kinds, problem codes, measure categories, sectors and location precisions with German labels. "
        "The codes are the values the API uses in requests and responses."
    ),
)
def get_vocabulary() -> Vocabulary:
    return Vocabulary(
        kinds=_entries(KIND_LABELS_DE),
        problems=_entries(PROBLEM_LABELS_DE),
        measure_categories=_entries(CATEGORY_LABELS_DE),
        sectors=_entries(SECTOR_LABELS_DE),
        location_precisions=_entries(PRECISION_LABELS_DE),
    )
