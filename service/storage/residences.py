"""Staff home postcodes per organisation on SQLAlchemy Core (SQLite and PostgreSQL), issue 14.

Only head counts per postcode are stored (one JSON object per organisation), never a row per person. A new
upload replaces the previous one in one transaction, so a reader sees either the old or the new counts. Uploads
and erasures log the organisation as changed, so that every process's snapshot renews the peers' home places.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, select

from matcher.residences.aggregation import ResidenceCounts
from service.storage.changes import log_changes
from service.storage.repository import StoredResidences
from service.storage.tables import residence_uploads

_CHUNK = 5_000  # ids per IN list and rows per executemany: below SQLite's variable limit


def erase_residences(connection: Connection, ids: Sequence[str]) -> int:
    """Delete the uploads of ``ids`` inside the caller's transaction; the number of uploads erased."""
    erased = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        erased += connection.execute(
            delete(residence_uploads).where(residence_uploads.c.organisation_id.in_(chunk))
        ).rowcount
    return erased


class SqlResidenceRepository:
    """Implements :class:`service.storage.repository.ResidenceRepository`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def replace(self, organisation_id: str, counts: ResidenceCounts) -> StoredResidences:
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            self._write(connection, [(organisation_id, counts)], now)
        return StoredResidences(organisation_id, counts, now)

    def replace_many(self, uploads: Sequence[tuple[str, ResidenceCounts]]) -> None:
        with self.engine.begin() as connection:
            self._write(connection, uploads, datetime.now(UTC))

    def get(self, organisation_id: str) -> StoredResidences | None:
        return self.get_many([organisation_id]).get(organisation_id)

    def get_many(self, ids: Sequence[str]) -> dict[str, StoredResidences]:
        unique = sorted(set(ids))
        found: dict[str, StoredResidences] = {}
        columns = (residence_uploads.c.organisation_id, residence_uploads.c.uploaded_at, residence_uploads.c.counts)
        with self.engine.connect() as connection:
            for start in range(0, len(unique), _CHUNK):
                query = select(*columns).where(residence_uploads.c.organisation_id.in_(unique[start : start + _CHUNK]))
                for organisation_id, uploaded_at, counts in connection.execute(query):
                    found[organisation_id] = StoredResidences(
                        organisation_id, ResidenceCounts.of({str(p): int(c) for p, c in counts.items()}),
                        _aware(uploaded_at),
                    )  # fmt: skip
        return dict(sorted(found.items()))

    def delete(self, organisation_id: str) -> bool:
        with self.engine.begin() as connection:
            erased = erase_residences(connection, [organisation_id]) > 0
            if erased:
                log_changes(connection, [organisation_id])
            return erased

    @staticmethod
    def _write(connection: Connection, uploads: Sequence[tuple[str, ResidenceCounts]], now: datetime) -> None:
        erase_residences(connection, [organisation_id for organisation_id, _ in uploads])
        log_changes(connection, [organisation_id for organisation_id, _ in uploads])
        rows = [
            {"organisation_id": i, "uploaded_at": now, "total": counts.total, "counts": counts.as_dict()}
            for i, counts in uploads
        ]
        for start in range(0, len(rows), _CHUNK):
            connection.execute(residence_uploads.insert(), rows[start : start + _CHUNK])


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
