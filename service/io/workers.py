"""The CPU work of an import (parse, validate, build, flatten) for a segment of rows, run in worker processes.

The main process reads the file and stores the rows; :mod:`service.io.importing` replays the workers' results
in file order, so errors, row numbers and stored rows are those of the sequential path. A worker starts with
the 'spawn' method (no fork of a process that may hold threads and database connections) and builds its own
:class:`ProfileBuilder` once, from a picklable recipe (:class:`BuilderRecipe`).
"""

from __future__ import annotations

import gc
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matcher.profiles import ProfileBuilder
from service.io.parsing import parse_profile
from service.io.reading import RawRow, RowError
from service.storage.repository import new_organisation_id
from service.storage.rows import Cell, StoredRow, stored_rows

BuilderRecipe = Callable[[], ProfileBuilder]
"""Builds the import's :class:`ProfileBuilder` in a worker process; must pickle (a top-level function or a
:func:`functools.partial` of one)."""

RowResult = list[RowError] | tuple[str | None, str, list[RowError] | Cell]
"""One row: its parse errors, or (the id as given, the id used, its build errors or — built — its Land's code,
``state``: the row itself is the next of the segment's flat rows)."""


@dataclass(frozen=True)
class CheckedSegment:
    """A worker's answer for a segment: each row's result, and the built rows flat and pickled, as the import's
    spool stores them, so the main process (one core, beside the workers) neither unpickles nor pickles them again
    unless it has to (:class:`service.io.importing._Replay`). No rows when the caller asked for errors only."""

    results: list[RowResult]
    rows: bytes
    built: int  # rows in ``rows``


@dataclass(frozen=True)
class DatabaseBuilder:
    """The builder of ``bmm import``: the reference data with the timetable imported into the database."""

    database_url: str
    data_dir: Path

    def __call__(self) -> ProfileBuilder:
        from matcher.reference import load_reference_data
        from matcher.settings import MatcherSettings
        from service.storage.database import make_engine
        from service.timetable import stored_reference

        engine = make_engine(self.database_url)
        try:
            return ProfileBuilder(stored_reference(engine, load_reference_data(self.data_dir)), MatcherSettings())
        finally:
            engine.dispose()


_builder: ProfileBuilder | None = None


def start_worker(recipe: BuilderRecipe) -> None:
    """The pool's initializer: the builder once per process. As in ``bmm import``, no cyclic collection: the
    millions of new acyclic objects would make it rescan them again and again (their memory is freed by
    reference counting as each segment is done)."""
    global _builder  # one builder per worker process, set once
    _builder = recipe()
    gc.disable()


def check_segment(rows: Sequence[RawRow], errors_only: bool) -> CheckedSegment:
    """In a worker: :func:`check_rows` with the process's builder."""
    assert _builder is not None, "start_worker() sets the builder"
    results, flat = check_rows(_builder, rows, errors_only)
    pickled = b"" if errors_only else pickle.dumps(flat, protocol=pickle.HIGHEST_PROTOCOL)
    return CheckedSegment(results, pickled, len(flat))


def check_rows(
    builder: ProfileBuilder, rows: Sequence[RawRow], errors_only: bool
) -> tuple[list[RowResult], list[StoredRow]]:
    """Parse and build every row: each row's result and the built rows, flat (none when ``errors_only``). Rows
    without an id get a new one; whether an id repeats an earlier row of the file is for the caller to decide (it
    sees the whole file), so every parsed row is built."""
    results: list[RowResult] = []
    todo: list[tuple[int, RawRow, str | None, str]] = []  # (index in results, row, id as given, id used)
    profiles = []
    for raw in rows:
        parsed = parse_profile(raw)
        if isinstance(parsed, list):
            results.append(parsed)
            continue
        used = parsed.id if parsed.id is not None else new_organisation_id()
        todo.append((len(results), raw, parsed.id, used))
        profiles.append((parsed, used))
        results.append([])  # replaced below
    built = builder.build_many(profiles)
    good = [organisation for organisation in built if not isinstance(organisation, list)]
    for (index, raw, given, used), result in zip(todo, built, strict=True):
        if isinstance(result, list):
            results[index] = (given, used, [RowError(raw.row, p.field, p.message) for p in result])
        else:
            results[index] = (given, used, result.location.state)
    return results, [] if errors_only else stored_rows(good)
