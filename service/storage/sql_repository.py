"""The organisation repository on SQLAlchemy Core: SQLite (default) and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, select
from sqlalchemy.exc import IntegrityError

from matcher.models import Organisation
from service.auth import revoke_organisation_keys
from service.storage.arrow_columns import read_stored_columns
from service.storage.bulk import bulk_loader, indexes_for_load
from service.storage.changes import log_changes, pruned_through, revision_of
from service.storage.repository import (
    Changes,
    DuplicateIdError,
    OrganisationQuery,
    StoredColumns,
    WriteMode,
    WriteResult,
)
from service.storage.residences import erase_residences
from service.storage.rows import ROW_COLUMNS, StoredRow, organisation_from_row, organisation_row
from service.storage.tables import organisation_changes, organisation_issues, organisation_measures, organisations

_CHUNK = 5_000  # rows per executemany; also keeps IN lists below SQLite's variable limit


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(query: OrganisationQuery) -> list[ColumnElement[bool]]:
    c = organisations.c
    conditions: list[ColumnElement[bool]] = []
    equal = (
        (c.kind, query.kind),
        (c.kreis_code, query.kreis_code),
        (c.municipality_ags, query.municipality_ags),
        (c.state, query.state),
        (c.id, query.only_id),
        (c.state, query.region_state),
        (c.kreis_code, query.region_kreis),
        (c.visible_to_peers, query.visible_to_peers),
    )
    conditions.extend(column == value for column, value in equal if value is not None)
    if query.issue is not None:
        with_issue = select(organisation_issues.c.organisation_id).where(organisation_issues.c.issue == query.issue)
        conditions.append(c.id.in_(with_issue))
    if query.estate is not None:
        conditions.append(func.lower(c.estate) == query.estate.lower())
    if query.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = query.bbox
        conditions.append(c.location_lon.between(min_lon, max_lon))
        conditions.append(c.location_lat.between(min_lat, max_lat))
    if query.name_contains:
        conditions.append(func.lower(c.name).like(_like_pattern(query.name_contains), escape="\\"))
    return conditions


class SqlOrganisationRepository:
    """Implements :class:`service.storage.repository.OrganisationRepository`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def count(self, *, synthetic: bool | None = None) -> int:
        query = select(func.count()).select_from(organisations)
        if synthetic is not None:
            query = query.where(organisations.c.synthetic == synthetic)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def get(self, organisation_id: str) -> Organisation | None:
        with self.engine.connect() as connection:
            found = list(self._load(connection, [organisation_id]))
        return found[0] if found else None

    def add_many(self, organisations_: Sequence[Organisation], *, mode: WriteMode = WriteMode.INSERT) -> WriteResult:
        ids = [o.id for o in organisations_]
        with self._replacing(ids, mode) as (connection, existing):
            self._insert(connection, organisations_, existing)
        return WriteResult(created=len(ids) - len(existing), updated=len(existing))

    def add_bulk(
        self, ids: Sequence[str], batches: Iterable[Sequence[StoredRow]], *, mode: WriteMode = WriteMode.INSERT
    ) -> WriteResult:
        """:meth:`add_many` for an import: one transaction, COPY on PostgreSQL and one executemany per batch and
        table on SQLite, rows already flat (:func:`service.storage.rows.stored_row`).

        ``ids`` are the ids of all rows in ``batches`` (checked against the store before anything is written);
        ``batches`` is read once, so it may stream from a spool. All or nothing, like :meth:`add_many`.
        """
        with self._replacing(ids, mode) as (connection, existing):
            load = bulk_loader(connection)
            now = datetime.now(UTC)
            written = 0
            tables = (organisations, organisation_issues, organisation_measures)
            with indexes_for_load(connection, tables, len(ids)):
                for batch in batches:
                    load(
                        organisations,
                        (*ROW_COLUMNS, "created_at", "updated_at"),
                        [(*values, existing.get(str(values[0]), now), now) for values, _, _ in batch],
                    )
                    load(organisation_issues, ("organisation_id", "issue"), [
                        (values[0], issue) for values, issues, _ in batch for issue in issues
                    ])  # fmt: skip
                    load(organisation_measures, ("organisation_id", "measure_id"), [
                        (values[0], measure) for values, _, measures in batch for measure in measures
                    ])  # fmt: skip
                    written += len(batch)
                if written != len(ids):
                    raise ValueError(f"add_bulk: {written} rows in the batches, {len(ids)} ids")
        return WriteResult(created=len(ids) - len(existing), updated=len(existing))

    @contextmanager
    def _replacing(self, ids: Sequence[str], mode: WriteMode) -> Iterator[tuple[Connection, dict[str, datetime]]]:
        """One transaction that stores ``ids`` anew (the body writes the rows): refuses ids repeated in the batch
        (and stored ones in insert mode), deletes the stored ones first, logs the change, and reports a concurrent
        writer's unique violation as :class:`DuplicateIdError`. Yields the connection and the stored ids' creation
        times."""
        repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
        if repeated:
            raise DuplicateIdError(repeated)
        try:
            with self.engine.begin() as connection:
                existing = self._created_at(connection, ids)
                if existing and mode is WriteMode.INSERT:
                    raise DuplicateIdError(sorted(existing))
                self._delete_ids(connection, list(existing))
                yield connection, existing
                log_changes(connection, ids)
        except IntegrityError:
            # A concurrent write stored one of these ids after our check; the transaction was rolled back.
            with self.engine.connect() as connection:
                raise DuplicateIdError(sorted(self._created_at(connection, ids))) from None

    def stored_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored."""
        with self.engine.connect() as connection:
            return set(self._created_at(connection, ids))

    def delete(self, organisation_id: str) -> bool:
        """Delete the profile and everything stored with it (its residence upload too, in the same transaction)."""
        with self.engine.begin() as connection:
            deleted = self._delete_ids(connection, [organisation_id]) > 0
            erase_residences(connection, [organisation_id])
            if deleted:
                log_changes(connection, [organisation_id])
                # A key bound to this id must not pass to an organisation created later with the same id.
                revoke_organisation_keys(connection, organisation_id)
            return deleted

    def replace_synthetic(self, organisations_: Sequence[Organisation]) -> WriteResult:
        with self.engine.begin() as connection:
            synthetic_ids = [
                str(i)
                for i in connection.execute(select(organisations.c.id).where(organisations.c.synthetic)).scalars()
            ]
            self._delete_ids(connection, synthetic_ids)
            erase_residences(connection, synthetic_ids)
            clashes = self._created_at(connection, [o.id for o in organisations_])
            if clashes:
                raise DuplicateIdError(sorted(clashes))
            self._insert(connection, organisations_, {})
            log_changes(connection, synthetic_ids + [o.id for o in organisations_])
        return WriteResult(created=len(organisations_), updated=0)

    def get_many(self, ids: Sequence[str]) -> list[Organisation]:
        found: list[Organisation] = []
        with self.engine.connect() as connection:
            for chunk in _chunks(sorted(set(ids))):
                found.extend(self._load(connection, chunk))
        return found

    def revision(self) -> int:
        with self.engine.connect() as connection:
            return revision_of(connection)

    def changes_since(self, revision: int) -> Changes:
        query = select(organisation_changes.c.revision, organisation_changes.c.organisation_id).where(
            organisation_changes.c.revision > revision
        )
        latest = revision
        ids: set[str] | None = set()
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                latest = max(latest, int(row.revision))
                if row.organisation_id is None:
                    ids = None
                elif ids is not None:
                    ids.add(str(row.organisation_id))
            # Read after the rows: when the log was pruned past ``revision`` in between, the mark shows it.
            if pruned_through(connection) > revision:
                ids = None  # changes the reader had not seen are gone: reload everything
        return Changes(revision=latest, ids=None if ids is None else sorted(ids))

    def iter_all(self, *, batch_size: int = 10_000) -> Iterator[Organisation]:
        last_id = ""
        while True:
            with self.engine.connect() as connection:
                ids = [
                    str(i)
                    for i in connection.execute(
                        select(organisations.c.id)
                        .where(organisations.c.id > last_id)
                        .order_by(organisations.c.id)
                        .limit(batch_size)
                    ).scalars()
                ]
                if not ids:
                    return
                yield from self._load(connection, ids)
            last_id = ids[-1]

    def iter_matching(self, query: OrganisationQuery, *, batch_size: int = 5_000) -> Iterator[Organisation]:
        """Every organisation matching ``query`` in id order, by keyset pages of ``batch_size`` (``id > last``,
        no OFFSET); each page is read in its own short connection, so a slow consumer (a download) holds no
        transaction open and memory holds one page."""
        conditions = _conditions(query)
        last_id: str | None = None
        while True:
            after = [] if last_id is None else [organisations.c.id > last_id]
            with self.engine.connect() as connection:
                ids = [
                    str(i)
                    for i in connection.execute(
                        select(organisations.c.id)
                        .where(*conditions, *after)
                        .order_by(organisations.c.id)
                        .limit(batch_size)
                    ).scalars()
                ]
                page = list(self._load(connection, ids)) if ids else []
            yield from page
            if len(ids) < batch_size:
                return
            last_id = ids[-1]

    def read_columns(self, columns: Sequence[str]) -> StoredColumns:
        return read_stored_columns(self.engine, columns)

    def list(self, query: OrganisationQuery, offset: int, limit: int) -> tuple[list[Organisation], int]:
        conditions = _conditions(query)
        with self.engine.connect() as connection:
            total = int(
                connection.execute(select(func.count()).select_from(organisations).where(*conditions)).scalar_one()
            )
            if limit <= 0 or offset >= total:
                return [], total
            ids = [
                str(i)
                for i in connection.execute(
                    select(organisations.c.id)
                    .where(*conditions)
                    .order_by(organisations.c.id)
                    .offset(offset)
                    .limit(limit)
                ).scalars()
            ]
            return list(self._load(connection, ids)), total

    # -- helpers ---------------------------------------------------------------------------

    def _created_at(self, connection: Connection, ids: Sequence[str]) -> dict[str, datetime]:
        found: dict[str, datetime] = {}
        if connection.execute(select(organisations.c.id).limit(1)).first() is None:
            return found  # an empty store (a first import of a million ids): nothing to look up
        for chunk in _chunks(ids):
            query = select(organisations.c.id, organisations.c.created_at).where(organisations.c.id.in_(chunk))
            found.update({row.id: row.created_at for row in connection.execute(query)})
        return found

    def _delete_ids(self, connection: Connection, ids: Sequence[str]) -> int:
        deleted = 0
        for chunk in _chunks(ids):
            # Children explicitly too, so deletion never depends on the backend's cascade settings.
            connection.execute(delete(organisation_issues).where(organisation_issues.c.organisation_id.in_(chunk)))
            connection.execute(delete(organisation_measures).where(organisation_measures.c.organisation_id.in_(chunk)))
            deleted += connection.execute(delete(organisations).where(organisations.c.id.in_(chunk))).rowcount
        return deleted

    def _insert(
        self, connection: Connection, organisations_: Sequence[Organisation], created: dict[str, datetime]
    ) -> None:
        now = datetime.now(UTC)
        for chunk in _chunks(organisations_):
            connection.execute(
                organisations.insert(),
                [{**organisation_row(o), "created_at": created.get(o.id, now), "updated_at": now} for o in chunk],
            )
            issues = [{"organisation_id": o.id, "issue": i.value} for o in chunk for i in o.issues]
            measures = [{"organisation_id": o.id, "measure_id": m} for o in chunk for m in o.measures_in_place]
            if issues:
                connection.execute(organisation_issues.insert(), issues)
            if measures:
                connection.execute(organisation_measures.insert(), measures)

    def _load(self, connection: Connection, ids: Sequence[str]) -> Iterable[Organisation]:
        rows = connection.execute(select(organisations).where(organisations.c.id.in_(ids)).order_by(organisations.c.id))
        issues: dict[str, list[str]] = {}
        for row in connection.execute(
            select(organisation_issues).where(organisation_issues.c.organisation_id.in_(ids))
        ):
            issues.setdefault(row.organisation_id, []).append(row.issue)
        measures: dict[str, list[str]] = {}
        for row in connection.execute(
            select(organisation_measures).where(organisation_measures.c.organisation_id.in_(ids))
        ):
            measures.setdefault(row.organisation_id, []).append(row.measure_id)
        return [organisation_from_row(row._mapping, issues.get(row.id, []), measures.get(row.id, [])) for row in rows]
