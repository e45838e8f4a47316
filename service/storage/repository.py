"""The storage interface the service depends on; implementations live beside it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import pyarrow as pa

from matcher.models import Organisation
from matcher.residences.aggregation import ResidenceCounts
from service.storage.rows import StoredRow


def new_organisation_id() -> str:
    """An id for a profile that came without one (API create, import rows without an id)."""
    return "org-" + uuid.uuid4().hex[:16]


class WriteMode(StrEnum):
    INSERT = "insert"  # fail on any existing id
    UPSERT = "upsert"  # replace existing ids, keep their creation time


@dataclass(frozen=True)
class Changes:
    """What changed after a revision: the newest revision and the changed ids (None: reload everything)."""

    revision: int
    ids: list[str] | None


@dataclass(frozen=True)
class StoredColumns:
    """Stored organisations as Arrow tables: columns of the ``organisations`` table (ids ascending, the table's
    types) and the ``(organisation_id, code)`` pairs of their issues and of their measures in place (any order)."""

    organisations: pa.Table
    issues: pa.Table
    measures: pa.Table


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


@dataclass(frozen=True)
class OrganisationQuery:
    """Filters for listing stored organisations; every filter given must hold (None: no filter).

    Content filters: ``kind``, ``kreis_code``, ``municipality_ags``, ``state``, ``issue`` (one of its
    problems), ``estate`` (case-insensitive, exact), ``bbox`` (min_lon, min_lat, max_lon, max_lat on the
    resolved location), ``name_contains`` (case-insensitive substring). Scope filters (who may list what,
    from :class:`service.access.ListingScope`): ``only_id``, ``region_state``, ``region_kreis``,
    ``visible_to_peers``.
    """

    kind: str | None = None
    kreis_code: str | None = None
    municipality_ags: str | None = None
    state: str | None = None
    issue: str | None = None
    estate: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    name_contains: str | None = None
    only_id: str | None = None
    region_state: str | None = None
    region_kreis: str | None = None
    visible_to_peers: bool | None = None


class OrganisationRepository(Protocol):
    """Organisation profiles. Every write is one transaction: it happens completely or not at all."""

    def count(self, *, synthetic: bool | None = None) -> int: ...

    def get(self, organisation_id: str) -> Organisation | None: ...

    def get_many(self, ids: Sequence[str]) -> list[Organisation]:
        """The stored ones among ``ids``, sorted by id."""
        ...

    def add_many(self, organisations: Sequence[Organisation], *, mode: WriteMode = WriteMode.INSERT) -> WriteResult: ...

    def add_bulk(
        self, ids: Sequence[str], batches: Iterable[Sequence[StoredRow]], *, mode: WriteMode = WriteMode.INSERT
    ) -> WriteResult:
        """:meth:`add_many` for flat rows streamed in batches (an import); ``ids`` are all their ids."""
        ...

    def stored_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored."""
        ...

    def delete(self, organisation_id: str) -> bool: ...

    def replace_synthetic(self, organisations: Sequence[Organisation]) -> WriteResult:
        """Remove all synthetic organisations and store these instead (real ones are untouched)."""
        ...

    def iter_all(self, *, batch_size: int = 10_000) -> Iterator[Organisation]: ...

    def read_columns(self, columns: Sequence[str]) -> StoredColumns:
        """Every stored organisation as these columns of the ``organisations`` table (``id`` among them) and its
        issue and measure codes, as Arrow columns (no Organisation objects, no Python object per value)."""
        ...

    def revision(self) -> int:
        """The store's revision: it grows with every write (0 before the first)."""
        ...

    def changes_since(self, revision: int) -> Changes:
        """The ids created, changed or deleted after ``revision``, and the revision they bring the reader to."""
        ...

    def iter_matching(self, query: OrganisationQuery, *, batch_size: int = 5_000) -> Iterator[Organisation]:
        """Every organisation matching ``query`` in id order, read in keyset pages of ``batch_size``."""
        ...

    def list(self, query: OrganisationQuery, offset: int, limit: int) -> tuple[list[Organisation], int]:
        """The page ``[offset, offset + limit)`` of the matching organisations sorted by id, and their total."""
        ...


@dataclass(frozen=True)
class StoredResidences:
    """An organisation's stored upload: head counts per postcode (never rows per person) and when it came."""

    organisation_id: str
    counts: ResidenceCounts
    uploaded_at: datetime


class ResidenceRepository(Protocol):
    """Staff home postcodes per organisation (issue 14). Each write is one transaction."""

    def replace(self, organisation_id: str, counts: ResidenceCounts) -> StoredResidences:
        """Store ``counts`` instead of the organisation's previous upload (all or nothing)."""
        ...

    def get(self, organisation_id: str) -> StoredResidences | None: ...

    def get_many(self, ids: Sequence[str]) -> dict[str, StoredResidences]:
        """The stored uploads among ``ids`` by organisation id (those without one are left out)."""
        ...

    def delete(self, organisation_id: str) -> bool:
        """Erase the organisation's upload; False when there was none."""
        ...

    def replace_many(self, uploads: Sequence[tuple[str, ResidenceCounts]]) -> None:
        """Store several organisations' uploads in one transaction (the demo)."""
        ...
