"""Staff home postcodes per organisation on SQLAlchemy Core (SQLite and PostgreSQL), issue 14.

Only head counts per postcode are stored, never a row per person. A new upload replaces the previous one in
one transaction, so a reader sees either the old or the new counts, never a mix.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, select

from matcher.residences.aggregation import ResidenceCounts
from service.storage.repository import StoredResidences
from service.storage.tables import residence_counts, residence_uploads

_CHUNK = 5_000  # ids per IN list: below SQLite's variable limit


def erase_residences(connection: Connection, ids: Sequence[str]) -> int:
    """Delete the uploads of ``ids`` inside the caller's transaction; the number of uploads erased."""
    erased = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        connection.execute(delete(residence_counts).where(residence_counts.c.organisation_id.in_(chunk)))
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
        uploaded: dict[str, datetime] = {}
        counts: dict[str, dict[str, int]] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                uploads = select(residence_uploads).where(residence_uploads.c.organisation_id.in_(chunk))
                for row in connection.execute(uploads):
                    uploaded[row.organisation_id] = _aware(row.uploaded_at)
                cells = select(
                    residence_counts.c.organisation_id, residence_counts.c.postcode, residence_counts.c.count
                ).where(residence_counts.c.organisation_id.in_(chunk))
                for organisation_id, postcode, count in connection.execute(cells):
                    counts.setdefault(organisation_id, {})[postcode] = int(count)
        return {i: StoredResidences(i, ResidenceCounts.of(counts.get(i, {})), at) for i, at in sorted(uploaded.items())}

    def delete(self, organisation_id: str) -> bool:
        with self.engine.begin() as connection:
            return erase_residences(connection, [organisation_id]) > 0

    @staticmethod
    def _write(connection: Connection, uploads: Sequence[tuple[str, ResidenceCounts]], now: datetime) -> None:
        erase_residences(connection, [organisation_id for organisation_id, _ in uploads])
        if not uploads:
            return
        connection.execute(
            residence_uploads.insert(),
            [{"organisation_id": i, "uploaded_at": now, "total": counts.total} for i, counts in uploads],
        )
        cells = [
            {"organisation_id": i, "postcode": postcode, "count": count}
            for i, counts in uploads
            for postcode, count in zip(counts.postcodes, counts.counts, strict=True)
        ]
        for start in range(0, len(cells), _CHUNK):
            connection.execute(residence_counts.insert(), cells[start : start + _CHUNK])


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
