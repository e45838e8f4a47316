"""The geocoder's answers by normalised address, in the database (table ``geocode_cache``, migration 0007)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, delete, select

from service.storage.tables import geocode_cache

_CHUNK = 500  # keys per IN (...) list


class AnswerStatus(StrEnum):
    FOUND = "found"  # a point at house or street level
    NOT_FOUND = "not_found"  # the geocoder knows nothing finer than the postcode
    ERROR = "error"  # the request failed (refused, timed out): asked again after a short TTL


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    status: AnswerStatus
    lat: float | None
    lon: float | None
    precision: str | None  # house or street (matcher.geo.geocoding.AnswerLevel)
    source: str  # nominatim or photon
    geocoded_on: datetime


class GeocodeCache:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def fresh(
        self, keys: Iterable[str], now: datetime, ttl: Mapping[AnswerStatus, timedelta]
    ) -> dict[str, CachedAnswer]:
        """The stored answers for ``keys`` younger than the TTL of their status."""
        wanted = sorted(set(keys))
        found: dict[str, CachedAnswer] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), _CHUNK):
                rows = connection.execute(
                    select(geocode_cache).where(geocode_cache.c.address_key.in_(wanted[start : start + _CHUNK]))
                )
                for row in rows:
                    answer = CachedAnswer(
                        status=AnswerStatus(row.status),
                        lat=row.lat,
                        lon=row.lon,
                        precision=row.precision,
                        source=row.source,
                        # SQLite gives naive timestamps (stored as UTC)
                        geocoded_on=row.geocoded_on.replace(tzinfo=row.geocoded_on.tzinfo or UTC),
                    )
                    if now - answer.geocoded_on < ttl[answer.status]:
                        found[row.address_key] = answer
        return found

    def store(self, answers: Mapping[str, CachedAnswer]) -> None:
        """Insert or replace the answers (one transaction)."""
        if not answers:
            return
        keys = list(answers)
        with self.engine.begin() as connection:
            for start in range(0, len(keys), _CHUNK):
                connection.execute(
                    delete(geocode_cache).where(geocode_cache.c.address_key.in_(keys[start : start + _CHUNK]))
                )
            connection.execute(
                geocode_cache.insert(),
                [
                    {
                        "address_key": key,
                        "status": a.status.value,
                        "lat": a.lat,
                        "lon": a.lon,
                        "precision": a.precision,
                        "source": a.source,
                        "geocoded_on": a.geocoded_on,
                    }
                    for key, a in answers.items()
                ],
            )
