"""Learning data and learned versions (SQLAlchemy Core, SQLite and PostgreSQL).

Training data: every logged list to a stored organisation becomes impressions (rank within its item
type, so a brief's measures rank 1, 2, ... among themselves), with the organisation's segment as its
profile is now (the log keeps no profile data); feedback linked to a logged list becomes a judgement.
Feedback without a link (nothing logged had shown the item) has no rank and is left out, and counted.

Versions: each fit is stored with its model card; the newest active version is the one served.
Rollback switches the newest active version off and the one before it on; disable switches all off.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, RowMapping, func, select, update

from matcher.learning.evaluation import LearningResult
from matcher.learning.fitting import Impression, Judgement
from service.storage.feedback import MIXED
from service.storage.tables import feedback, learned_versions, recommendation_log

POSITIVE_VERDICTS = frozenset({"accepted", "contacted", "implemented"})
NEGATIVE_VERDICTS = frozenset({"rejected"})


@dataclass(frozen=True)
class TrainingData:
    impressions: list[Impression]
    judgements: list[Judgement]
    unlinked: int  # feedback without a logged list: no rank, left out


@dataclass(frozen=True)
class VersionSummary:
    id: int
    created_at: datetime
    active: bool
    events: int
    adjustments: int


@dataclass(frozen=True)
class Version:
    summary: VersionSummary
    result: LearningResult


class NoActiveVersionError(LookupError):
    pass


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite drops the zone (UTC)


class SqlLearningStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def training_data(self, segments: Mapping[str, dict[str, str]]) -> TrainingData:
        """Impressions and judgements of the organisations in ``segments`` (id -> segment)."""
        impressions: list[Impression] = []
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(recommendation_log).where(recommendation_log.c.organisation_id.is_not(None))
            )
            for row in rows:
                segment = segments.get(row.organisation_id)
                if segment is not None:
                    impressions += _impressions(row._mapping, segment)
            judged = connection.execute(select(feedback).order_by(feedback.c.created_at, feedback.c.id)).all()
        shown = {(i.list_id, i.item_type, i.item_id) for i in impressions}
        judgements, unlinked = [], 0
        for row in judged:
            if row.recommendation_id is None:
                unlinked += 1
                continue
            if row.verdict not in POSITIVE_VERDICTS | NEGATIVE_VERDICTS:
                continue
            if (row.recommendation_id, row.item_type, row.item_id) in shown:
                judgements.append(
                    Judgement(
                        list_id=row.recommendation_id, item_type=row.item_type, item_id=row.item_id,
                        positive=row.verdict in POSITIVE_VERDICTS, judged_at=_aware(row.created_at),
                    )
                )  # fmt: skip
        return TrainingData(impressions, judgements, unlinked)

    def save(self, result: LearningResult) -> int:
        """Store a fit as the newest active version; returns its id."""
        with self.engine.begin() as connection:
            inserted = connection.execute(
                learned_versions.insert().values(
                    created_at=datetime.now(UTC), active=True, events=result.counts.events,
                    adjustments=len(result.adjustments.changes), card=result.model_dump_json(),
                )
            )  # fmt: skip
            key = inserted.inserted_primary_key
            assert key is not None
            return int(key[0])

    def versions(self) -> list[VersionSummary]:
        """Every version, newest first."""
        columns = [c for c in learned_versions.c if c.name != "card"]
        with self.engine.connect() as connection:
            rows = connection.execute(select(*columns).order_by(learned_versions.c.id.desc())).all()
        return [_summary(row._mapping) for row in rows]

    def served_id(self) -> int | None:
        """The id of the version being served (the newest active one); None: no learned adjustments."""
        query = select(func.max(learned_versions.c.id)).where(learned_versions.c.active.is_(True))
        with self.engine.connect() as connection:
            value = connection.execute(query).scalar_one_or_none()
        return int(value) if value is not None else None

    def get(self, version_id: int) -> Version | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(learned_versions).where(learned_versions.c.id == version_id)).first()
        if row is None:
            return None
        return Version(_summary(row._mapping), LearningResult.model_validate_json(row.card))

    def rollback(self) -> tuple[int, int | None]:
        """Switch the served version off and the one before it on; returns (from, to). None: none before."""
        with self.engine.begin() as connection:
            served = connection.execute(
                select(func.max(learned_versions.c.id)).where(learned_versions.c.active.is_(True))
            ).scalar_one_or_none()
            if served is None:
                raise NoActiveVersionError("no active version")
            previous = connection.execute(
                select(func.max(learned_versions.c.id)).where(learned_versions.c.id < served)
            ).scalar_one_or_none()
            connection.execute(update(learned_versions).where(learned_versions.c.id == served).values(active=False))
            if previous is not None:
                connection.execute(
                    update(learned_versions).where(learned_versions.c.id == previous).values(active=True)
                )
        return int(served), int(previous) if previous is not None else None

    def disable(self) -> int:
        """Switch every version off (no learned adjustments until the next fit); returns the one served."""
        with self.engine.begin() as connection:
            served = connection.execute(
                select(func.max(learned_versions.c.id)).where(learned_versions.c.active.is_(True))
            ).scalar_one_or_none()
            if served is None:
                raise NoActiveVersionError("no active version")
            connection.execute(update(learned_versions).values(active=False))
        return int(served)


def _summary(row: RowMapping) -> VersionSummary:
    return VersionSummary(
        id=row["id"], created_at=_aware(row["created_at"]), active=bool(row["active"]), events=row["events"],
        adjustments=row["adjustments"],
    )  # fmt: skip


def _impressions(row: RowMapping, segment: dict[str, str]) -> list[Impression]:
    """A logged list's items with their rank within their item type (a mixed list's ids are "<type>:<id>")."""
    served_at = _aware(row["served_at"])
    items = json.loads(row["items"])
    ranks: dict[str, int] = defaultdict(int)
    result = []
    for item in sorted(items, key=lambda i: i["rank"]):
        item_type, item_id = row["item_type"], item["id"]
        if item_type == MIXED:
            item_type, _, item_id = item_id.partition(":")
        ranks[item_type] += 1
        result.append(
            Impression(
                list_id=row["id"], served_at=served_at, item_type=item_type, item_id=item_id,
                rank=ranks[item_type], score=float(item["score"]), segment=segment,
            )
        )  # fmt: skip
    return result
