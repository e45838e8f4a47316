"""The imported timetable in the service: the engine that uses it, and stored profiles that follow it.

Stored organisations keep their transit fields in columns (``transit_class``, ``transit_stop``,
``transit_stops``). An import or removal recomputes them for every stored organisation in the same
transaction as the departures (``SqlTransitStore.replace``/``remove``), rewrites only the rows whose fields
change and logs those ids, so every process's live index reloads them; with no row changed it logs one
"reload everything" entry, so every process still notices the new timetable (``service/live.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update

from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings, TransitSettings
from matcher.transit.departures import Timetable
from matcher.transit.model import NearestStop
from matcher.transit.quality import TransitAccess, transit_access
from matcher.transit.stops import TransitStops
from matcher.vocabulary import URBANISATION_BY_DESTATIS_CODE, Urbanisation
from service.engine import MatchingEngine
from service.io.gtfs import ZipLimits, read_feed
from service.storage.changes import log_changes
from service.storage.tables import organisations
from service.storage.transit import FeedSummary, Recompute, SqlTransitStore

_CHUNK = 5_000


def with_timetable(reference: ReferenceData, timetable: Timetable) -> ReferenceData:
    """The reference data with the stop table using ``timetable`` (the trees are rebuilt, about 0.3 s)."""
    geo = replace(reference.geo, transit=reference.geo.transit.with_timetable(timetable))
    return replace(reference, geo=geo)


def stored_reference(engine: Engine, reference: ReferenceData) -> ReferenceData:
    """``reference`` with the timetable imported into the database at ``engine`` (as it is, when none is)."""
    timetable = SqlTransitStore(engine).timetable()
    return with_timetable(reference, timetable) if timetable else reference


def engine_with_timetable(engine: MatchingEngine, timetable: Timetable) -> MatchingEngine:
    return replace(engine, reference=with_timetable(engine.reference, timetable))


def sparse_municipalities(reference: ReferenceData) -> set[str]:
    """AGS of the sparsely populated municipalities, whose bus stops without a timetable count as category V."""
    frame = reference.geo.municipalities
    return {
        str(ags)
        for ags, code in zip(frame["ags"], frame["urbanisation_code"], strict=True)
        if URBANISATION_BY_DESTATIS_CODE[str(code)] is Urbanisation.SPARSE
    }


def _fields(access: TransitAccess) -> dict[str, Any]:
    return {
        "transit_class": access.transit_class.value,
        "transit_stop": None if access.best is None else access.best.model_dump(mode="json"),
        "transit_stops": [s.model_dump(mode="json") for s in access.stops],
    }


def _stored(row: Any) -> dict[str, Any]:
    """The stored fields in the form ``_fields`` writes (rows from before a field existed read with its default)."""
    stop = None if row.transit_stop is None else NearestStop.model_validate(row.transit_stop).model_dump(mode="json")
    stops = [NearestStop.model_validate(s).model_dump(mode="json") for s in row.transit_stops]
    return {"transit_class": row.transit_class, "transit_stop": stop, "transit_stops": stops}


def recompute_transit(
    connection: Connection, stops: TransitStops, settings: TransitSettings, sparse_ags: set[str]
) -> list[str]:
    """Recompute every stored organisation's transit fields with ``stops``; write and log those that change."""
    c = organisations.c
    rows = connection.execute(
        select(c.id, c.location_lat, c.location_lon, c.municipality_ags, c.transit_class, c.transit_stop,
               c.transit_stops).order_by(c.id)
    ).all()  # fmt: skip
    statement = (
        update(organisations)
        .where(c.id == bindparam("row_id"))
        .values(
            transit_class=bindparam("t_class"),
            transit_stop=bindparam("t_stop", type_=organisations.c.transit_stop.type),
            transit_stops=bindparam("t_stops", type_=organisations.c.transit_stops.type),
        )
    )
    changed: list[str] = []
    for start in range(0, len(rows), _CHUNK):
        chunk: Sequence[Any] = rows[start : start + _CHUNK]
        access = transit_access(
            stops, [r.location_lat for r in chunk], [r.location_lon for r in chunk], settings,
            sparse=[r.municipality_ags in sparse_ags for r in chunk],
        )  # fmt: skip
        updates = []
        for row, result in zip(chunk, access, strict=True):
            fields = _fields(result)
            if fields != _stored(row):
                changed.append(row.id)
                updates.append(
                    {"row_id": row.id, "t_class": fields["transit_class"], "t_stop": fields["transit_stop"],
                     "t_stops": fields["transit_stops"]}
                )  # fmt: skip
        if updates:
            connection.execute(statement, updates)
    # Nothing changed still means a new timetable for profiles saved from now on: every process reloads.
    log_changes(connection, changed if changed else [None])
    return changed


@dataclass(frozen=True)
class Outcome:
    """What an import or removal did: the feed (None for a removal) and how many stored profiles changed."""

    feed: FeedSummary | None
    changed: int


def _recompute(reference: ReferenceData, settings: TransitSettings, changed: list[str]) -> Recompute:
    sparse = sparse_municipalities(reference)

    def recompute(connection: Connection, timetable: Timetable) -> None:
        stops = reference.geo.transit.with_timetable(timetable)
        changed.extend(recompute_transit(connection, stops, settings, sparse))

    return recompute


def import_feed(
    engine: Engine, reference: ReferenceData, path: Path, name: str, limits: ZipLimits,
    on: date | None = None, settings: MatcherSettings | None = None,
) -> Outcome:  # fmt: skip
    """Read the feed (nothing written if it fails: :class:`FeedError`), then store it in place of an earlier
    import of the same name and recompute the stored profiles, in one transaction."""
    transit = (settings or MatcherSettings()).transit
    departures = read_feed(path, name, reference.geo.transit, transit.timetable, limits, on=on)
    changed: list[str] = []
    SqlTransitStore(engine).replace(departures, _recompute(reference, transit, changed))
    return Outcome(feed=departures.summary, changed=len(changed))


def remove_feed(
    engine: Engine, reference: ReferenceData, name: str, settings: MatcherSettings | None = None
) -> Outcome | None:
    """Remove the feed ``name`` and recompute the stored profiles; None if there is no such feed."""
    changed: list[str] = []
    transit = (settings or MatcherSettings()).transit
    if not SqlTransitStore(engine).remove(name, _recompute(reference, transit, changed)):
        return None
    return Outcome(feed=None, changed=len(changed))
