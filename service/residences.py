"""Wohnstandortanalyse in the service (issue 14): reading uploads and running ``matcher.residences`` on stored data.

The API routes, the CLI and the demo share this module. Uploads are read with ``service.io`` (CSV in every
encoding and delimiter it knows, XLSX) and counted by :func:`matcher.residences.aggregation.aggregate_rows`:
all or nothing, only head counts per postcode leave this module, rows per person are never kept. Nothing here
logs an upload's content.

Sites: an organisation's own resolved location and transit class; a pooled analysis is about the **centroid of
the pooled members' sites** (those whose data is pooled), with the transit class computed at that point.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np

from matcher.geo.distance import to_unit_vectors
from matcher.models import Organisation
from matcher.reference import ReferenceData
from matcher.residences.aggregation import ResidenceCounts, ResidenceValidationError, aggregate_rows
from matcher.residences.analysis import AnalysisSettings, Site, analyse
from matcher.residences.distances import PostcodeTable, transit_class_of, transit_ranks
from matcher.residences.geojson import analysis_geojson
from matcher.residences.pooling import Member, pooled_analysis
from matcher.settings import TransitSettings
from matcher.transit.model import TransitClass
from matcher.vocabulary import Urbanisation
from service.io.columns import RESIDENCE_FILE
from service.io.reading import (
    FileFormat,
    ImportFileError,
    RawRow,
    ReadInfo,
    RowError,
    detect_format,
    peek,
    read_rows,
)
from service.routing import road_distances
from service.routing.client import RoutingClient
from service.storage.repository import StoredResidences

MAX_ERRORS = 1_000  # row errors listed in an answer; all are counted


@dataclass(frozen=True)
class UploadProblem:
    """One reason an upload was refused: the row (header = 1; None: the whole file), the field, the bad value."""

    row: int | None
    field: str | None
    value: str | None
    message: str  # German, names the value


class ResidenceUploadError(ValueError):
    """The upload was refused as a whole (nothing stored): every problem found, at most :data:`MAX_ERRORS` listed."""

    def __init__(self, problems: Sequence[UploadProblem], info: ReadInfo | None = None) -> None:
        self.problems = list(problems[:MAX_ERRORS])
        self.count = len(problems)
        self.info = info  # what reading detected (None for a JSON upload)
        shown = "; ".join(_where(p) + p.message for p in self.problems[:3])
        super().__init__(f"{self.count} Fehler, nichts gespeichert: {shown}")


class TooManyRowsError(ValueError):
    """More data rows than ``residence_max_rows``; raised while reading, before the rest is looked at."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            f"Die Datei hat mehr als {limit:,} Datenzeilen (Grenze BMM_RESIDENCE_MAX_ROWS); bitte vorher je "
            "Postleitzahl zählen (Spalten PLZ, Anzahl).".replace(",", ".")
        )


def _where(problem: UploadProblem) -> str:
    return f"Zeile {problem.row}: " if problem.row is not None else ""


# -- reading uploads ---------------------------------------------------------------------------------


def read_residence_file(
    source: BinaryIO | bytes, filename: str | None, known: Collection[str], max_rows: int
) -> tuple[ResidenceCounts, ReadInfo]:
    """The head counts per postcode of a CSV or XLSX upload, and what reading detected.

    Raises :class:`ResidenceUploadError` (every bad row, naming the value) or :class:`TooManyRowsError`."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    head = peek(stream)
    info = ReadInfo(columns=RESIDENCE_FILE)
    try:
        if detect_format(filename, head) is FileFormat.GEOJSON:
            message = "GeoJSON wird für Wohnorte nicht angenommen; bitte CSV oder XLSX (Spalten PLZ, Anzahl)."
            raise ResidenceUploadError([UploadProblem(None, None, None, message)], info=info)
        reader_errors: list[RowError] = []
        numbers: list[int] = []  # the spreadsheet row of each data row, for the validation's messages
        rows = _data_rows(read_rows(stream, filename, info), reader_errors, numbers, max_rows)
        counts = aggregate_rows(rows, known, first_row=0)
        validation: list[UploadProblem] = []
    except ImportFileError as error:
        raise ResidenceUploadError([_from_row_error(e) for e in error.errors], info=info) from None
    except ResidenceValidationError as error:
        counts = ResidenceCounts.of({})
        validation = [UploadProblem(numbers[e.row], e.field, e.value, e.message) for e in error.errors]
    problems = sorted([*(_from_row_error(e) for e in reader_errors), *validation], key=lambda p: p.row or 0)
    if problems:
        raise ResidenceUploadError(problems, info=info)
    return counts, info


def residence_counts_of(items: Sequence[tuple[str, int]], known: Collection[str]) -> ResidenceCounts:
    """The counts of a JSON upload (``postcode``, ``count`` pairs, numbered from 1 as in the list)."""
    rows = ({"postcode": postcode, "count": count} for postcode, count in items)
    try:
        return aggregate_rows(rows, known, first_row=1)
    except ResidenceValidationError as error:
        raise ResidenceUploadError([UploadProblem(e.row, e.field, e.value, e.message) for e in error.errors]) from None


def _data_rows(
    rows: Iterator[RawRow | RowError], errors: list[RowError], numbers: list[int], max_rows: int
) -> Iterator[Mapping[str, object]]:
    for row in rows:
        if len(numbers) + len(errors) >= max_rows:
            raise TooManyRowsError(max_rows)
        if isinstance(row, RowError):
            errors.append(row)
            continue
        numbers.append(row.row)
        yield row.values


def _from_row_error(error: RowError) -> UploadProblem:
    return UploadProblem(error.row, error.field, None, error.message)


# -- analyses ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pool:
    """A pooled analysis's selection: the organisations the caller may pool over and the place they go to."""

    destination: str  # the estate's or cluster's name, for the corridors
    selection: dict[str, Any]  # what was asked, echoed in the answer: {"estate": …} | {"cluster": …} | …
    organisations: list[Organisation]  # in the caller's scope
    may_name: Callable[[Organisation], bool] = field(default=lambda _organisation: False)


class ResidenceAnalyst:
    """Runs the analyses for the service; the postcode table (transit class of every postcode) is built once, on
    first use (about 0.1 s: the app does it at start-up, a command only when it analyses). With a ``routing``
    client (``BMM_ROUTING_ENGINE``) distances are road distances where the engine has them."""

    def __init__(
        self, reference: ReferenceData, transit: TransitSettings, k: int, routing: RoutingClient | None = None
    ) -> None:
        self.reference = reference
        self.transit = transit
        self.settings = AnalysisSettings(k=k)
        self.routing = routing
        self.known_postcodes = frozenset(reference.geo.postcodes["plz"].astype(str))
        self._table: PostcodeTable | None = None
        self._lock = threading.Lock()

    @property
    def table(self) -> PostcodeTable:
        with self._lock:
            if self._table is None:
                self._table = PostcodeTable.build(self.reference.geo, self.transit)
            return self._table

    def analysis(self, organisation: Organisation, stored: StoredResidences) -> dict[str, Any]:
        """One organisation's analysis, about its own site."""
        site = Site(organisation.location.lat, organisation.location.lon, organisation.features.transit_class)
        road = road_distances(self.routing, site, stored.counts.postcodes, self.table)
        answer = analyse(stored.counts, site, self.table, self.settings, road=road)
        return {
            "organisation": organisation.id,
            "uploaded_at": stored.uploaded_at.isoformat(),
            "site": _site_json(site, "Standort der Organisation"),
            **answer,
        }

    def pooled(self, pool: Pool, stored: Mapping[str, StoredResidences]) -> dict[str, Any]:
        """The pooled analysis over the members of ``pool`` that consented and uploaded; the others are counted
        (``left_out``), never named. ``by_organisation`` of a corridor only when the caller may name every firm."""
        consenting = [o for o in pool.organisations if o.share_residence_aggregates]
        pooled = [o for o in consenting if o.id in stored]
        members = [Member(o.id, stored[o.id].counts, consented=True) for o in pooled]
        site = self.pooled_site(pooled)
        postcodes = {p for member in members for p in member.residences.postcodes}
        road = None if site is None else road_distances(self.routing, site, postcodes, self.table)
        answer = pooled_analysis(
            members, site or Site(0.0, 0.0, TransitClass.NONE), self.table, self.settings,
            destination=pool.destination, road=road,
        )  # fmt: skip
        named = {o.id for o in pooled if pool.may_name(o)}
        for corridor in answer["corridors"]:
            split = corridor["by_organisation"]
            if split is not None and not all(part["organisation"] in named for part in split):
                corridor["by_organisation"] = None  # a firm the caller may not see stays unnamed
        if site is not None and len(named) < len(pooled):
            # The centroid of members the caller may not see would locate them (one member: exactly): about 1 km.
            site = Site(round(site.lat, 2), round(site.lon, 2), site.transit_class)
        return {
            **pool.selection,
            "site": None if site is None else _site_json(site, "Mittelpunkt der Standorte der einbezogenen Betriebe"),
            **answer,
            "left_out": {
                "total": len(pool.organisations) - len(pooled),
                "without_consent": len(pool.organisations) - len(consenting),
                "without_upload": len(consenting) - len(pooled),
            },
        }

    def pooled_site(self, organisations: Sequence[Organisation]) -> Site | None:
        """The centroid of the sites (3-D mean on the sphere), with the transit class at that point; rural
        stop rules apply when most members lie in sparsely populated municipalities."""
        if not organisations:
            return None
        lat = np.array([o.location.lat for o in organisations], dtype=np.float64)
        lon = np.array([o.location.lon for o in organisations], dtype=np.float64)
        centre = to_unit_vectors(lat, lon).mean(axis=0)
        c_lat = float(np.degrees(np.arctan2(centre[2], np.hypot(centre[0], centre[1]))))
        c_lon = float(np.degrees(np.arctan2(centre[1], centre[0])))
        sparse = sum(o.features.urbanisation is Urbanisation.SPARSE for o in organisations) * 2 > len(organisations)
        rank = transit_ranks(
            self.reference.geo, np.array([c_lat]), np.array([c_lon]), np.array([sparse]), self.transit
        )  # fmt: skip
        return Site(round(c_lat, 6), round(c_lon, 6), transit_class_of(int(rank[0])))

    def geojson(self, answer: Mapping[str, Any]) -> dict[str, Any]:
        return analysis_geojson(answer, self.table)


def _site_json(site: Site, description: str) -> dict[str, Any]:
    return {"lat": site.lat, "lon": site.lon, "transit_class": site.transit_class.value, "description": description}


def upload_summary(stored: StoredResidences) -> dict[str, Any]:
    """What an organisation sees of its stored upload: when and how many people, never the counts per postcode."""
    return {
        "organisation": stored.organisation_id,
        "uploaded_at": stored.uploaded_at.isoformat(),
        "total": stored.counts.total,
        "postcodes": len(stored.counts.postcodes),
    }
