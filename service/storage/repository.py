"""The storage interface the service depends on; implementations live beside it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from matcher.models import Organisation


class WriteMode(StrEnum):
    INSERT = "insert"  # fail on any existing id
    UPSERT = "upsert"  # replace existing ids, keep their creation time


@dataclass(frozen=True)
class WriteResult:
    created: int
    updated: int


class DuplicateIdError(ValueError):
    """An insert met ids that already exist (or repeat within the batch); nothing was written."""

    def __init__(self, ids: Sequence[str]) -> None:
        shown = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
        super().__init__(f"id bereits vergeben: {shown}")
        self.ids = list(ids)


class OrganisationRepository(Protocol):
    """Organisation profiles. Every write is one transaction: it happens completely or not at all."""

    def count(self, *, synthetic: bool | None = None) -> int: ...

    def get(self, organisation_id: str) -> Organisation | None: ...

    def add_many(self, organisations: Sequence[Organisation], *, mode: WriteMode = WriteMode.INSERT) -> WriteResult: ...

    def delete(self, organisation_id: str) -> bool: ...

    def replace_synthetic(self, organisations: Sequence[Organisation]) -> WriteResult:
        """Remove all synthetic organisations and store these instead (real ones are untouched)."""
        ...

    def iter_all(self, *, batch_size: int = 10_000) -> Iterator[Organisation]: ...
