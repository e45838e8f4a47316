"""All-or-nothing import: stream the rows, validate and build them in chunks, write once if all are valid.

Without a geocoder only one chunk of objects is alive at a time: valid chunks are spooled as flat rows
(:class:`_Spool`) and stored by the repository's bulk path (COPY / executemany) in one transaction.
"""

from __future__ import annotations

import pickle
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.vocabulary import STATE_NAMES_DE, OrganisationKind
from matcher.wording import count_noun
from service.coverage import COVERED_STATES
from service.geocoding.locating import AddressLocator, GeocodingReport
from service.io.parsing import parse_profile
from service.io.reading import ImportFileError, RawRow, ReadInfo, RowError, Source, read_rows
from service.io.workers import BuilderRecipe, CheckedSegment, check_segment, start_worker
from service.storage.repository import DuplicateIdError, OrganisationRepository, WriteMode, new_organisation_id
from service.storage.rows import ROW_COLUMNS, Cell, StoredRow, stored_rows

CHUNK_SIZE = 50_000
MAX_ERRORS = 1_000
SPOOL_MEMORY_BYTES = 64 * 1024 * 1024  # valid rows waiting for the store: in memory up to this, then on disk
QUEUED_CHUNKS = 1  # chunks in flight beyond one per worker, so a worker rarely waits on the reader (memory bound)

Progress = Callable[[int], None]
"""Called with the number of data rows checked so far (after each chunk)."""


@dataclass(frozen=True)
class ImportReport:
    """A stored import, or with ``dry_run`` what it would store (created/updated by the ids stored now)."""

    rows: int
    created: int
    updated: int
    check_seconds: float
    store_seconds: float
    info: ReadInfo = field(default_factory=ReadInfo)
    dry_run: bool = False
    geocoding: GeocodingReport | None = None  # None: no geocoder configured (BMM_GEOCODER=none)


@dataclass(frozen=True)
class ImportFailed:
    """Nothing was stored. ``errors`` holds at most the cap; ``error_count`` counts all of them."""

    errors: list[RowError]
    error_count: int
    rows: int
    info: ReadInfo = field(default_factory=ReadInfo)

    @property
    def omitted(self) -> int:
        return self.error_count - len(self.errors)

    def as_dict(self) -> dict[str, object]:
        return {
            "errors": [e.as_dict() for e in self.errors],
            "error_count": self.error_count,
            "omitted": self.omitted,
            "rows": self.rows,
            **self.info.as_dict(),
        }


@dataclass
class _Errors:
    limit: int
    shown: list[RowError] = field(default_factory=list)
    count: int = 0

    def add(self, error: RowError) -> None:
        self.count += 1
        if len(self.shown) < self.limit:
            self.shown.append(error)


@dataclass(frozen=True)
class _Prepared:
    rows: dict[str, int]  # id -> row of every valid row, to name the rows of ids the repository rejects
    seconds: float
    info: ReadInfo


Sink = Callable[[list[Organisation]], None]
"""Receives each chunk of built organisations while every row so far is valid."""


class _Spool:
    """The valid rows, flat (:func:`stored_row`) and pickled chunk by chunk into a spooled temporary file
    (in memory up to :data:`SPOOL_MEMORY_BYTES`, then on disk): an import holds one chunk of objects at a time,
    and the database is written only once every row is valid, in one short transaction."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115 (close())

    def add(self, organisations: list[Organisation]) -> None:
        self.add_rows(stored_rows(organisations))

    def add_rows(self, rows: list[StoredRow] | bytes) -> None:
        """A chunk of flat rows, or such a list pickled already (by a worker: written as it is)."""
        if isinstance(rows, bytes):
            self._file.write(rows)
        else:
            pickle.dump(rows, self._file, protocol=pickle.HIGHEST_PROTOCOL)

    def batches(self) -> Iterator[list[StoredRow]]:
        self._file.seek(0)
        while True:
            try:
                batch: list[StoredRow] = pickle.load(self._file)  # our own spool, written above
            except EOFError:
                return
            yield batch

    def close(self) -> None:
        self._file.close()


def prepare_import(
    source: Source,
    builder: ProfileBuilder,
    *,
    filename: str | None = None,
    kind: OrganisationKind | None = None,
    chunk_size: int = CHUNK_SIZE,
    max_errors: int = MAX_ERRORS,
    progress: Progress | None = None,
) -> list[Organisation] | ImportFailed:
    """Every row validated and built (location resolved), or all errors found. Touches no database."""
    info = _info(kind)
    organisations: list[Organisation] = []
    result = _prepare(
        read_rows(source, filename, info), builder, info, chunk_size, max_errors, progress, organisations.extend
    )
    return result if isinstance(result, ImportFailed) else organisations


def import_organisations(
    source: Source,
    repository: OrganisationRepository,
    builder: ProfileBuilder,
    *,
    mode: WriteMode = WriteMode.UPSERT,
    filename: str | None = None,
    kind: OrganisationKind | None = None,
    dry_run: bool = False,
    locator: AddressLocator | None = None,
    chunk_size: int = CHUNK_SIZE,
    max_errors: int = MAX_ERRORS,
    progress: Progress | None = None,
    workers: int = 1,
    recipe: BuilderRecipe | None = None,
) -> ImportReport | ImportFailed:
    """Import a CSV/XLSX/GeoJSON file: either every row is stored (one transaction) or none.

    Rows without an id get a generated one (``org-`` and 16 hex digits). In ``insert`` mode an id that is
    already stored is an error; ``upsert`` replaces the stored organisation, so a member list whose id is
    the member number (Mitgliedsnummer) updates last month's import instead of duplicating it. ``kind``
    applies to rows without one (an HWK list: ``craft_business``). ``dry_run`` checks everything and
    stores nothing; the report then counts what would be created and updated.

    With a ``locator`` (a geocoder is configured), rows with a street address but no coordinates are
    geocoded once every row is valid (a dry run only counts them and asks nothing); see
    :mod:`service.geocoding.locating`.

    With ``workers`` > 1 and a ``recipe`` for the builder, a file of more than one chunk is parsed and built in
    that many processes (reading and storing stay here, in file order; same rows, errors and order as with one).
    With a ``locator`` the import stays in this process.
    """
    info = _info(kind)
    if locator is not None:  # the geocoder looks at all rows at once (one budget, one cache query)
        organisations: list[Organisation] = []
        prepared = _prepare(
            read_rows(source, filename, info), builder, info, chunk_size, max_errors, progress, organisations.extend
        )
        if isinstance(prepared, ImportFailed):
            return prepared
        started = time.perf_counter()
        organisations, geocoding = locator.locate(organisations, builder, prepared.rows, dry_run=dry_run)
        prepared.info.warnings.extend(geocoding.warnings)
        prepared = _Prepared(prepared.rows, prepared.seconds + time.perf_counter() - started, prepared.info)
        batches: Iterable[list[StoredRow]] = (
            stored_rows(organisations[start : start + chunk_size]) for start in range(0, len(organisations), chunk_size)
        )
        return _finish(prepared, batches, repository, mode, dry_run, max_errors, geocoding)
    items = read_rows(source, filename, info)
    check = _Check(builder, info, chunk_size, max_errors, progress, workers, recipe)
    if dry_run:
        prepared = check.run(items, lambda _: None)
        if isinstance(prepared, ImportFailed):
            return prepared
        return _dry_run(prepared, repository, mode, max_errors, None)
    spool = _Spool()
    try:
        prepared = check.run(items, spool.add_rows)
        if isinstance(prepared, ImportFailed):
            return prepared
        return _finish(prepared, spool.batches(), repository, mode, dry_run, max_errors, None)
    finally:
        spool.close()


RowSink = Callable[[list[StoredRow] | bytes], None]
"""Receives each chunk of valid rows, flat (:func:`stored_rows`) or that list pickled, while every row so far is
valid."""


@dataclass(frozen=True)
class _Check:
    """Reads and checks the rows: :func:`_prepare` in this process, or the same in worker processes."""

    builder: ProfileBuilder
    info: ReadInfo
    chunk_size: int
    max_errors: int
    progress: Progress | None
    workers: int
    recipe: BuilderRecipe | None

    def run(self, items: Iterable[RawRow | RowError], sink: RowSink) -> _Prepared | ImportFailed:
        if self.workers > 1 and self.recipe is not None:
            head, rest, more = _peek(items, self.chunk_size)
            items = _chained(head, rest)
            if more:  # more than one chunk: worth starting processes
                return self._in_workers(items, sink, self.recipe)
        return _prepare(
            items,
            self.builder,
            self.info,
            self.chunk_size,
            self.max_errors,
            self.progress,
            lambda organisations: sink(stored_rows(organisations)),
        )

    def _in_workers(
        self, items: Iterable[RawRow | RowError], sink: RowSink, recipe: BuilderRecipe
    ) -> _Prepared | ImportFailed:
        started = time.perf_counter()
        replay = _Replay(self.chunk_size, _Errors(self.max_errors), self.progress, sink)
        in_flight: deque[tuple[list[int | RowError], Future[CheckedSegment]]] = deque()
        segment: list[int | RowError] = []  # in file order: a row number (parsed by a worker) or a reading error
        raws: list[RawRow] = []
        file_error: ImportFileError | None = None
        with ProcessPoolExecutor(
            self.workers, mp_context=get_context("spawn"), initializer=start_worker, initargs=(recipe,)
        ) as pool:

            def submit() -> None:
                nonlocal segment, raws
                # After the first error only errors matter: the workers then send no rows back.
                in_flight.append((segment, pool.submit(check_segment, raws, bool(replay.errors.count))))
                segment, raws = [], []
                while len(in_flight) > self.workers + QUEUED_CHUNKS:  # bounded memory: wait for the oldest
                    replay.add(*_done(in_flight.popleft()))

            try:
                for item in items:
                    if isinstance(item, RowError):
                        segment.append(item)
                        continue
                    segment.append(item.row)
                    raws.append(item)
                    if len(raws) >= self.chunk_size:  # a whole chunk: features are computed once per site in it
                        submit()
            except ImportFileError as error:
                file_error = error
            if segment:
                submit()
            while in_flight:
                replay.add(*_done(in_flight.popleft()))
        if file_error is not None:  # as in _prepare: the rows read before still count, the open chunk is not built
            for problem in file_error.errors:
                replay.errors.add(problem)
        else:
            replay.flush()
        return _result(replay.errors, replay.rows, replay.coverage, replay.first_row, self.info, started)


def _done(
    entry: tuple[list[int | RowError], Future[CheckedSegment]],
) -> tuple[list[int | RowError], CheckedSegment]:
    segment, future = entry
    return segment, future.result()


def _peek(
    items: Iterable[RawRow | RowError], count: int
) -> tuple[list[RawRow | RowError], Iterator[RawRow | RowError], bool]:
    """The first items, up to one more than ``count``; the rest; whether there are more than ``count``. A file
    error while peeking is raised again by the rest, after the items read before it."""
    iterator = iter(items)
    head: list[RawRow | RowError] = []
    try:
        for item in iterator:
            head.append(item)
            if len(head) > count:
                return head, iterator, True
    except ImportFileError as error:
        return head, _raising(error), False
    return head, iterator, False


def _raising(error: ImportFileError) -> Iterator[RawRow | RowError]:
    yield from ()  # a generator: raises when iterated
    raise error


def _chained(head: list[RawRow | RowError], rest: Iterator[RawRow | RowError]) -> Iterator[RawRow | RowError]:
    yield from head
    yield from rest


_ID = ROW_COLUMNS.index("id")


class _SegmentRows:
    """The flat rows a worker built for one segment, pickled; unpickled here only when a chunk does not take them
    whole and unchanged (an error in the file, a generated id renamed, a chunk across segments)."""

    def __init__(self, checked: CheckedSegment) -> None:
        self.pickled = checked.rows
        self.count = checked.built
        self._rows: list[StoredRow] | None = None

    def rows(self) -> list[StoredRow]:
        if self._rows is None:
            self._rows = pickle.loads(self.pickled)  # a worker's answer to this process
        return self._rows


@dataclass(frozen=True)
class _Built:
    """A valid row waiting in a chunk: its id and Land, and where its flat row is."""

    organisation_id: str
    state: Cell
    segment: _SegmentRows
    index: int  # in the segment's rows
    renamed: bool  # the worker's generated id met an earlier one: the flat row needs ``organisation_id``


@dataclass
class _Replay:
    """The workers' results taken in file order exactly as :func:`_prepare` takes its rows: ids checked against
    the earlier rows, chunks of ``chunk_size`` valid rows flushed (their build errors, the sink, progress)."""

    chunk_size: int
    errors: _Errors
    progress: Progress | None
    sink: RowSink
    coverage: _Coverage = field(default_factory=lambda: _Coverage())
    first_row: dict[str, int] = field(default_factory=dict)
    pending: list[list[RowError] | _Built] = field(default_factory=list)
    rows: int = 0

    def add(self, segment: list[int | RowError], checked: CheckedSegment) -> None:
        results = iter(checked.results)
        flat = _SegmentRows(checked)
        index = 0  # of the next built row in ``flat``
        for entry in segment:
            if isinstance(entry, RowError):
                self.errors.add(entry)
                continue
            self.rows += 1
            result = next(results)
            if isinstance(result, list):
                for problem in result:
                    self.errors.add(problem)
                continue
            given, organisation_id, built = result
            at = index
            if not isinstance(built, list):
                index += 1
            if given is not None and given in self.first_row:
                self.errors.add(_repeated(entry, given, self.first_row))
                continue
            renamed = False
            while organisation_id in self.first_row:  # a generated id met an earlier one (practically never)
                organisation_id, renamed = new_organisation_id(), True
            self.first_row[organisation_id] = entry
            self.pending.append(built if isinstance(built, list) else _Built(organisation_id, built, flat, at, renamed))
            if len(self.pending) >= self.chunk_size:
                self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        good: list[_Built] = []
        for entry in self.pending:
            if isinstance(entry, list):
                for problem in entry:
                    self.errors.add(problem)
            else:
                good.append(entry)
        self.pending.clear()
        if not self.errors.count:
            self.coverage.add_located((built.organisation_id, built.state) for built in good)
            self.sink(_chunk(good))
        if self.progress is not None:
            self.progress(self.rows)


def _chunk(good: list[_Built]) -> list[StoredRow] | bytes:
    """The flat rows of a chunk: as the worker pickled them when the chunk is one segment's rows, whole and
    unchanged (the usual case: a valid file), else unpickled and picked."""
    first = good[0].segment if good else None
    if first is not None and len(good) == first.count and all(b.segment is first and not b.renamed for b in good):
        return first.pickled
    rows = []
    for built in good:
        values, issues, measures = built.segment.rows()[built.index]
        if built.renamed:
            values = (*values[:_ID], built.organisation_id, *values[_ID + 1 :])
        rows.append((values, issues, measures))
    return rows


def _finish(
    prepared: _Prepared,
    batches: Iterable[list[StoredRow]],
    repository: OrganisationRepository,
    mode: WriteMode,
    dry_run: bool,
    max_errors: int,
    geocoding: GeocodingReport | None,
) -> ImportReport | ImportFailed:
    """Store the valid rows in one bulk transaction (or, for a dry run, count what would be stored)."""
    if dry_run:
        return _dry_run(prepared, repository, mode, max_errors, geocoding)
    started = time.perf_counter()
    try:
        written = repository.add_bulk(list(prepared.rows), batches, mode=mode)
    except DuplicateIdError as error:
        errors = _Errors(max_errors)
        for organisation_id in error.ids:
            errors.add(RowError(prepared.rows.get(organisation_id), "id", _stored_message(organisation_id)))
        return ImportFailed(errors.shown, errors.count, len(prepared.rows), prepared.info)
    return ImportReport(
        rows=len(prepared.rows),
        created=written.created,
        updated=written.updated,
        check_seconds=prepared.seconds,
        store_seconds=time.perf_counter() - started,
        info=prepared.info,
        geocoding=geocoding,
    )


def _info(kind: OrganisationKind | None) -> ReadInfo:
    return ReadInfo(defaults={"kind": kind.value} if kind is not None else {})


def _dry_run(
    prepared: _Prepared,
    repository: OrganisationRepository,
    mode: WriteMode,
    max_errors: int,
    geocoding: GeocodingReport | None,
) -> ImportReport | ImportFailed:
    ids = list(prepared.rows)
    stored = repository.stored_ids(ids)
    if mode is WriteMode.INSERT and stored:
        errors = _Errors(max_errors)
        for organisation_id in sorted(stored, key=lambda i: prepared.rows.get(i, 0)):
            errors.add(RowError(prepared.rows.get(organisation_id), "id", _stored_message(organisation_id)))
        return ImportFailed(errors.shown, errors.count, len(ids), prepared.info)
    return ImportReport(
        rows=len(ids),
        created=len(ids) - len(stored),
        updated=len(stored),
        check_seconds=prepared.seconds,
        store_seconds=0.0,
        info=prepared.info,
        dry_run=True,
        geocoding=geocoding,
    )


def _stored_message(organisation_id: str) -> str:
    return (
        f"id '{organisation_id}' ist bereits gespeichert; im Modus 'insert' nicht erlaubt "
        "(Modus 'upsert' ersetzt vorhandene Einträge)."
    )


def _prepare(
    items: Iterable[RawRow | RowError],
    builder: ProfileBuilder,
    info: ReadInfo,
    chunk_size: int,
    max_errors: int,
    progress: Progress | None,
    sink: Sink,
) -> _Prepared | ImportFailed:
    """Read, parse and build the rows chunk by chunk; each chunk of built organisations goes to ``sink`` while
    no row has failed (after the first error only the errors are collected)."""
    started = time.perf_counter()
    errors = _Errors(max_errors)
    coverage = _Coverage()
    first_row: dict[str, int] = {}
    pending: list[tuple[OrganisationProfile, str, int]] = []
    rows = 0

    def flush() -> None:
        built = builder.build_many([(profile, organisation_id) for profile, organisation_id, _ in pending])
        good: list[Organisation] = []
        for (_, _, row), result in zip(pending, built, strict=True):
            if isinstance(result, list):
                for problem in result:
                    errors.add(RowError(row, problem.field, problem.message))
            else:
                good.append(result)
        pending.clear()
        if not errors.count:  # after the first error only the errors matter
            coverage.add(good)
            sink(good)
        if progress is not None:
            progress(rows)

    try:
        for item in items:
            if isinstance(item, RowError):
                errors.add(item)
                continue
            rows += 1
            parsed = parse_profile(item)
            if isinstance(parsed, list):
                for problem in parsed:
                    errors.add(problem)
                continue
            organisation_id = _unique_id(item, parsed, first_row, errors)
            if organisation_id is None:
                continue
            pending.append((parsed, organisation_id, item.row))
            if len(pending) >= chunk_size:
                flush()
        if pending:
            flush()
    except ImportFileError as error:
        for problem in error.errors:
            errors.add(problem)
    return _result(errors, rows, coverage, first_row, info, started)


def _result(
    errors: _Errors, rows: int, coverage: _Coverage, first_row: dict[str, int], info: ReadInfo, started: float
) -> _Prepared | ImportFailed:
    if not errors.count and not rows:
        errors.add(
            RowError(
                None,
                None,
                "Die Datei enthält keine Datenzeilen (nur eine Kopfzeile oder keine Features); nichts importiert.",
            )
        )
    if errors.count:
        return ImportFailed(errors.shown, errors.count, rows, info)
    coverage.note(first_row, info)
    return _Prepared(first_row, time.perf_counter() - started, info)


@dataclass
class _Coverage:
    """Counts the rows located outside NRW and Baden-Württemberg, chunk by chunk."""

    outside: int = 0
    first: tuple[str, str] | None = None  # (id, state) of the first row outside

    def add(self, organisations: list[Organisation]) -> None:
        self.add_located((organisation.id, organisation.location.state) for organisation in organisations)

    def add_located(self, located: Iterable[tuple[Cell, Cell]]) -> None:
        """Each row's id and state (the Land's ISO 3166-2 code)."""
        for organisation_id, state in located:
            if state not in COVERED_STATES:
                self.outside += 1
                self.first = self.first or (str(organisation_id), str(state))

    def note(self, rows: dict[str, int], info: ReadInfo) -> None:
        """One warning for the rows outside: stored, but not fully advised."""
        if self.first is None:
            return
        organisation_id, state = self.first
        info.warnings.append(
            f"{count_noun(self.outside, 'Zeile liegt', 'Zeilen liegen')} außerhalb von Nordrhein-Westfalen und "
            f"Baden-Württemberg (zuerst Zeile {rows.get(organisation_id, '?')}: "
            f"{STATE_NAMES_DE.get(state, '?')}); "
            "sie werden gespeichert, aber Beratungsstellen, Förderprogramme und Planungsregionen decken sie nicht ab."
        )


def _unique_id(item: RawRow, profile: OrganisationProfile, first_row: dict[str, int], errors: _Errors) -> str | None:
    organisation_id = profile.id
    if organisation_id is None:
        organisation_id = new_organisation_id()
        while organisation_id in first_row:  # practically never (64 random bits)
            organisation_id = new_organisation_id()
    elif organisation_id in first_row:
        errors.add(_repeated(item.row, organisation_id, first_row))
        return None
    first_row[organisation_id] = item.row
    return organisation_id


def _repeated(row: int, organisation_id: str, first_row: dict[str, int]) -> RowError:
    return RowError(
        row,
        "id",
        f"id '{organisation_id}' kommt in der Datei mehrfach vor (zuerst in Zeile {first_row[organisation_id]}).",
    )
