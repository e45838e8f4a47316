"""The change log's commit listeners when the database drops a connection (a restart under load)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from service.storage.changes import log_changes, notify_after_commit
from service.storage.sql_repository import SqlOrganisationRepository
from tests.service.conftest import POSTGRESQL_ONLY, OrganisationFactory

pytestmark = POSTGRESQL_ONLY


def test_a_connection_the_database_drops_reports_the_outage_not_the_rollback_listener(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    """Closing a connection the database ended rolls back on an invalidated connection, whose info the
    listener must not touch: that raised PendingRollbackError (a 500) in place of the outage's own
    OperationalError (a 503)."""
    reported: list[int] = []
    stop = notify_after_commit(repository.engine, reported.append)
    try:
        with pytest.raises(OperationalError):
            _log_on_a_connection_the_database_ends(repository.engine)
        repository.add_many([make_organisation(id="after")])  # the pool reconnects; only this commit is reported
        assert reported == [repository.revision()]
    finally:
        stop()


def _log_on_a_connection_the_database_ends(engine: Engine) -> None:
    with engine.connect() as connection:
        log_changes(connection, ["gone"])
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        connection.execute(text("SELECT 1"))
