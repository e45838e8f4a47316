"""Learning data and versions (service/storage/learning.py) on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from matcher.learning.evaluation import learn
from matcher.learning.fitting import LearningSettings
from service.storage.feedback import MIXED, FeedbackEntry, Served, ServedItem, SqlFeedbackStore
from service.storage.learning import NoActiveVersionError, SqlLearningStore
from tests.matcher.learning.factories import planted, segment
from tests.service.conftest import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS


def _served(organisation_id: str | None, item_type: str, *item_ids: str) -> Served:
    items = [
        ServedItem(id=i, score=round(0.9 - rank / 10, 2), reasons=["problem_fit"]) for rank, i in enumerate(item_ids)
    ]
    return Served("measures", item_type, organisation_id, "key-1", "advisor", {}, items)


def _verdict(organisation_id: str, item_type: str, item_id: str, verdict: str) -> FeedbackEntry:
    return FeedbackEntry(organisation_id, item_type, item_id, verdict, None, "key-1", "advisor")


def test_training_data_ranks_within_each_type_and_maps_verdicts(engine: Engine) -> None:
    log = SqlFeedbackStore(engine)
    brief = log.log(_served("org-a", MIXED, "measure:m1", "funding:f1", "measure:m2"))
    listed = log.log(_served("org-b", "measure", "m3", "m1"))
    log.log(_served(None, MIXED, "measure:m1"))  # an unstored profile (POST /match): no segment, left out
    log.log(_served("org-gone", "measure", "m1"))  # no longer stored: left out
    for entry in (
        _verdict("org-a", "measure", "m2", "implemented"),
        _verdict("org-a", "funding", "f1", "rejected"),
        _verdict("org-b", "measure", "m1", "contacted"),
        _verdict("org-b", "measure", "m9", "accepted"),  # never shown: no link, counted as such
    ):
        log.add_feedback(entry)
    segments = {"org-a": segment("company"), "org-b": segment("craft_business")}
    data = SqlLearningStore(engine).training_data(segments)

    shown = {(i.list_id, i.item_type, i.item_id): (i.rank, i.score, i.segment["kind"]) for i in data.impressions}
    assert shown == {
        (brief, "measure", "m1"): (1, 0.9, "company"),
        (brief, "funding", "f1"): (1, 0.8, "company"),
        (brief, "measure", "m2"): (2, 0.7, "company"),
        (listed, "measure", "m3"): (1, 0.9, "craft_business"),
        (listed, "measure", "m1"): (2, 0.8, "craft_business"),
    }
    judged = {(j.list_id, j.item_type, j.item_id): j.positive for j in data.judgements}
    assert judged == {(brief, "measure", "m2"): True, (brief, "funding", "f1"): False, (listed, "measure", "m1"): True}
    assert all(j.judged_at.tzinfo is not None for j in data.judgements)
    assert data.unlinked == 1


def test_versions_rollback_and_disable(engine: Engine) -> None:
    store = SqlLearningStore(engine)
    assert (store.served_id(), store.versions()) == (None, [])
    with pytest.raises(NoActiveVersionError):
        store.rollback()
    result = learn(*planted(), LearningSettings())
    first, second, third = store.save(result), store.save(result), store.save(result)
    assert store.served_id() == third
    assert [v.id for v in store.versions()] == [third, second, first]
    version = store.get(third)
    assert version is not None
    assert version.result == result  # the card round-trips
    assert (version.summary.events, version.summary.adjustments) == (120, len(result.adjustments.changes))
    assert version.summary.created_at.tzinfo is not None
    assert store.get(9999) is None

    assert store.rollback() == (third, second)
    assert store.served_id() == second
    assert store.rollback() == (second, first)
    assert store.rollback() == (first, None)
    assert store.served_id() is None
    store.save(result)
    assert store.disable() == third + 1
    assert store.served_id() is None
    assert not any(v.active for v in store.versions())
    with pytest.raises(NoActiveVersionError):
        store.disable()
