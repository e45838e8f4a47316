"""An import checked in worker processes stores the same rows and reports the same errors, in the same order,
as one checked in this process (``workers=1``)."""

from __future__ import annotations

import pickle
from collections.abc import Collection

import pytest
from sqlalchemy import Engine, select

from matcher.profiles import ProfileBuilder
from matcher.resources import data_dir
from service.io import ImportFailed, ImportReport, import_organisations, importing, workers
from service.io.reading import RawRow, ReadInfo, RowError, read_rows
from service.io.workers import CheckedSegment, DatabaseBuilder, check_rows
from service.storage.rows import StoredRow
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import organisations

pytestmark = pytest.mark.slow  # starts worker processes

HEADER = "id,kind,name,sector,employees,lat,lon,postcode,issues,measures_in_place"
CHUNK = 10


def _row(i: int, *, bad: bool) -> str:
    where = "51.4434,7.3526," if i % 2 else ",,44135"
    ident = "" if i % 7 == 3 else f"m{i:03d}"  # some rows without an id get a generated one
    if not bad:
        return f"{ident},company,Firma {i},C,{10 + i},{where},congestion,carpool_matching"
    match i % 5:  # errors of every stage: reading, parsing, building, a repeated id
        case 0:
            return f"{ident},company,Firma {i},C,viele,{where},congestion,"
        case 1:
            return f"{ident},company,Firma {i},C,{10 + i},{where},congestion,no_such_measure"
        case 2:
            return f"{ident},company,Firma {i},C,{10 + i},,,99999,congestion,"
        case 3:
            return f"m{i - 1:03d},company,Firma {i},C,{10 + i},{where},,"
        case _:
            return f"{ident},company,Firma {i}"  # too few cells


def _member_list(rows: int, bad: Collection[int] = ()) -> bytes:
    return ("\n".join([HEADER, *(_row(i, bad=i in bad) for i in range(rows))]) + "\n").encode("utf-8")


def _stored(engine: Engine) -> list[tuple[object, ...]]:
    """Every stored column but the id (generated ids differ between imports), in the order of the names."""
    columns = [c for c in organisations.c if c.name not in ("id", "created_at", "updated_at")]
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(*columns).order_by(organisations.c.name)).all()]


def _import(
    data: bytes,
    repository: SqlOrganisationRepository,
    builder: ProfileBuilder,
    recipe: DatabaseBuilder,
    workers: int,
    **options: object,
) -> tuple[ImportReport | ImportFailed, list[int]]:
    progress: list[int] = []
    result = import_organisations(
        data,
        repository,
        builder,
        filename="list.csv",
        chunk_size=CHUNK,
        progress=progress.append,
        workers=workers,
        recipe=recipe,
        **options,  # type: ignore[arg-type]
    )
    return result, progress


@pytest.fixture
def recipe(database_url: str) -> DatabaseBuilder:
    return DatabaseBuilder(database_url, data_dir())


def test_errors_in_many_chunks_are_the_same_with_workers(
    repository: SqlOrganisationRepository, builder: ProfileBuilder, recipe: DatabaseBuilder
) -> None:
    data = _member_list(75, bad={2, 8, 13, 15, 26, 31, 44, 47, 50, 61, 74})
    for max_errors in (1_000, 4):
        alone, alone_progress = _import(data, repository, builder, recipe, 1, max_errors=max_errors)
        together, together_progress = _import(data, repository, builder, recipe, 2, max_errors=max_errors)
        assert isinstance(alone, ImportFailed)
        assert isinstance(together, ImportFailed)
        assert together.as_dict() == alone.as_dict()
        assert together_progress == alone_progress
        assert alone.error_count >= 11  # one or more per bad row
        assert len(alone.errors) == min(max_errors, alone.error_count)
        assert {e.row for e in alone.errors if e.row is not None} <= {i + 2 for i in range(75)}
    assert repository.stored_ids([f"m{i:03d}" for i in range(75)]) == set()  # nothing stored


def test_valid_rows_in_many_chunks_are_stored_the_same_with_workers(
    repository: SqlOrganisationRepository, builder: ProfileBuilder, recipe: DatabaseBuilder, engine: Engine
) -> None:
    data = _member_list(75)
    dry, _ = _import(data, repository, builder, recipe, 2, dry_run=True)
    assert isinstance(dry, ImportReport)
    assert (dry.dry_run, dry.rows, dry.created, dry.updated) == (True, 75, 75, 0)
    assert _stored(engine) == []
    alone, alone_progress = _import(data, repository, builder, recipe, 1)
    assert isinstance(alone, ImportReport)
    stored_alone = _stored(engine)
    with engine.begin() as connection:
        connection.execute(organisations.delete())
    together, together_progress = _import(data, repository, builder, recipe, 2)
    assert isinstance(together, ImportReport)
    assert (
        (together.rows, together.created, together.updated)
        == (alone.rows, alone.created, alone.updated)
        == (
            75,
            75,
            0,
        )
    )
    assert together.info.warnings == alone.info.warnings
    assert together_progress == alone_progress == [10, 20, 30, 40, 50, 60, 70, 75]
    assert len(stored_alone) == 75
    assert _stored(engine) == stored_alone


def test_a_file_of_one_chunk_starts_no_processes(
    repository: SqlOrganisationRepository,
    builder: ProfileBuilder,
    recipe: DatabaseBuilder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("no worker processes for a small file")

    monkeypatch.setattr(importing, "ProcessPoolExecutor", no_pool)
    result, _ = _import(_member_list(CHUNK), repository, builder, recipe, 2)
    assert isinstance(result, ImportReport)
    assert result.created == CHUNK


def _checked(builder: ProfileBuilder, data: bytes) -> tuple[list[int | RowError], CheckedSegment]:
    """One segment checked as a worker checks it (here, in this process), with the row numbers the reader saw."""
    raws = [item for item in read_rows(data, "list.csv", ReadInfo()) if isinstance(item, RawRow)]
    results, flat = check_rows(builder, raws, errors_only=False)
    return [raw.row for raw in raws], CheckedSegment(results, pickle.dumps(flat), len(flat))


def test_a_generated_id_that_meets_an_earlier_one_is_renamed_in_the_stored_row(
    builder: ProfileBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole valid segments go to the spool as the worker pickled them; a segment whose generated id the replay
    had to rename is unpickled and stored with the new id."""
    monkeypatch.setattr(workers, "new_organisation_id", lambda: "org-same")  # both "workers" draw the same id
    chunks: list[list[StoredRow] | bytes] = []
    replay = importing._Replay(2, importing._Errors(10), None, chunks.append)
    first = _checked(builder, _member_list(2).replace(b"\nm000,", b"\n,"))  # m000 without an id: org-same
    second = _checked(builder, _member_list(2).replace(b"\nm000,", b"\n,").replace(b"\nm001,", b"\nm002,"))
    replay.add(*first)
    replay.add(*second)
    assert replay.errors.count == 0
    assert chunks[0] == first[1].rows  # taken whole: no unpickling, no pickling
    assert isinstance(chunks[1], list)
    renamed = chunks[1][0][0][0]
    assert renamed != "org-same"
    assert sorted(replay.first_row) == sorted(["org-same", "m001", str(renamed), "m002"])
    as_built = pickle.loads(second[1].rows)
    assert as_built[0][0][0] == "org-same"
    assert chunks[1] == [((renamed, *as_built[0][0][1:]), *as_built[0][1:]), as_built[1]]
