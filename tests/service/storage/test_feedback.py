"""The recommendation log and feedback store (service/storage/feedback.py) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from service.storage.feedback import MIXED, FeedbackEntry, Served, ServedItem, SqlFeedbackStore, log_row
from service.storage.tables import feedback, recommendation_log
from tests.service.conftest import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS


@pytest.fixture
def store(engine: Engine) -> SqlFeedbackStore:
    return SqlFeedbackStore(engine)


def _served(organisation_id: str | None, *item_ids: str, item_type: str = "peer") -> Served:
    return Served(
        endpoint="peers" if item_type != MIXED else "brief",
        item_type=item_type,
        organisation_id=organisation_id,
        key_id="key-1",
        role="organisation",
        parameters={"limit": 5, "as_of": "2026-11-23", "radius_km": 25.5},
        items=[
            ServedItem(id=i, score=1.0 - rank / 10, reasons=["same_issue", "nearby"]) for rank, i in enumerate(item_ids)
        ],
    )


def _entry(organisation_id: str, item_id: str, item_type: str = "peer", **fields: str | None) -> FeedbackEntry:
    values: dict[str, str | None] = {"verdict": "contacted", "comment": "Treffen am Montag", "key_id": "key-1"}
    values.update(fields)
    return FeedbackEntry(
        organisation_id=organisation_id,
        item_type=item_type,
        item_id=item_id,
        verdict=str(values["verdict"]),
        comment=values["comment"],
        key_id=values["key_id"],
        role="organisation",
    )


def test_a_logged_answer_round_trips(store: SqlFeedbackStore) -> None:
    before = datetime.now(UTC)
    log_id = store.log(_served("org-a", "p1", "p2"))
    logged = store.logged(log_id)
    assert logged is not None
    assert (logged["id"], logged["organisation_id"], logged["endpoint"], logged["item_type"]) == (
        log_id,
        "org-a",
        "peers",
        "peer",
    )
    assert (logged["key_id"], logged["role"]) == ("key-1", "organisation")
    assert logged["parameters"] == {"as_of": "2026-11-23", "limit": 5, "radius_km": 25.5}
    assert logged["items"] == [
        {"id": "p1", "rank": 1, "score": 1.0, "reasons": ["same_issue", "nearby"]},
        {"id": "p2", "rank": 2, "score": 0.9, "reasons": ["same_issue", "nearby"]},
    ]
    served_at = logged["served_at"]
    assert served_at.tzinfo is not None  # aware on both backends
    assert before - timedelta(seconds=1) <= served_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert store.logged("rec-unknown") is None
    assert store.count_logged() == 1
    assert store.count_logged(organisation_id="org-a") == 1
    assert store.count_logged(organisation_id="org-b") == 0


def test_feedback_links_to_the_latest_answer_that_showed_the_item(store: SqlFeedbackStore) -> None:
    first = store.log(_served("org-a", "p1", "p2"))
    latest = store.log(_served("org-a", "p2", "p3"))
    store.log(_served("org-b", "p1"))  # another organisation's answer is never linked
    mixed = store.log(_served("org-a", "peer:p4", "measure:m1", item_type=MIXED))

    assert store.add_feedback(_entry("org-a", "p2"))[1] == latest
    assert store.add_feedback(_entry("org-a", "p1"))[1] == first
    assert store.add_feedback(_entry("org-a", "p4"))[1] == mixed  # a brief lists "<type>:<id>"
    assert store.add_feedback(_entry("org-a", "m1", item_type="measure"))[1] == mixed
    assert store.add_feedback(_entry("org-a", "p9"))[1] is None  # never shown
    assert store.add_feedback(_entry("org-c", "p1"))[1] is None  # nothing served to org-c
    feedback_id, _ = store.add_feedback(_entry("org-a", "p3", verdict="rejected", comment=None, key_id=None))
    with store.engine.connect() as connection:
        row = connection.execute(select(feedback).where(feedback.c.id == feedback_id)).one()
    assert (row.verdict, row.comment, row.key_id, row.recommendation_id) == ("rejected", None, None, latest)


def test_erasing_an_organisation_forgets_its_log_and_feedback_only(store: SqlFeedbackStore) -> None:
    shown_a = store.log(_served("org-a", "p1"))
    shown_b = store.log(_served("org-b", "p1"))
    store.log(_served(None, "p1"))  # an unstored profile (POST /match)
    store.add_feedback(_entry("org-a", "p1"))
    store.add_feedback(_entry("org-b", "p1"))

    store.erase_organisation("org-a")

    assert store.logged(shown_a) is None
    assert store.logged(shown_b) is not None
    assert store.count_logged() == 2
    with store.engine.connect() as connection:
        left = connection.execute(select(feedback.c.organisation_id, feedback.c.recommendation_id)).all()
    assert [tuple(row) for row in left] == [("org-b", shown_b)]


def test_log_rows_are_stored_as_sqlalchemy_core_stores_them(store: SqlFeedbackStore) -> None:
    """write_log_rows hands its rows to the driver with an INSERT compiled once: the stored values (SQLite's text
    for a time included, which orders the log) are those of SQLAlchemy Core's own insert of the same row."""
    row = log_row(_served("org-a", "p1", "p2"), "rec-prepared", datetime(2026, 12, 6, 23, 5, 7, 123456, tzinfo=UTC))
    assert store.write_log_rows([row]) == 1
    with store.engine.begin() as connection:
        connection.execute(recommendation_log.insert(), {**row, "id": "rec-core"})
        stored = {
            found[0]: tuple(found[1:])
            for found in connection.exec_driver_sql(
                "SELECT id, CAST(served_at AS TEXT), endpoint, item_type, organisation_id, key_id, role, parameters, "
                "items FROM recommendation_log"
            )
        }
    assert stored["rec-prepared"] == stored["rec-core"]
    assert store.logged("rec-prepared") == {**store.logged("rec-core"), "id": "rec-prepared"}  # type: ignore[dict-item]
