"""Served lists and judgements for the learning tests: a planted preference, built deterministically."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from matcher.learning.fitting import Impression, Judgement

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
ITEMS = ("m_jobticket", "m_bike", "m_carpool", "m_parking", "m_shuttle", "m_homeoffice")
# Logged scores: m_bike first, m_jobticket a close second.
SCORES = {
    "m_bike": 0.62,
    "m_jobticket": 0.6,
    "m_carpool": 0.55,
    "m_parking": 0.5,
    "m_shuttle": 0.45,
    "m_homeoffice": 0.4,
}


def segment(kind: str, employees_band: str = "10-49") -> dict[str, str]:
    return {"all": "all", "kind": kind, "size_class": employees_band, "wz_section": "C", "transit_class": "B"}


def served_list(number: int, kind: str, items: tuple[str, ...] = ITEMS) -> list[Impression]:
    """List ``number`` (served one hour after the previous) of measures to an organisation of ``kind``."""
    ordered = sorted(items, key=lambda i: -SCORES[i])
    return [
        Impression(
            list_id=f"rec-{number:04d}", served_at=START + timedelta(hours=number), item_type="measure",
            item_id=item, rank=rank, score=SCORES[item], segment=segment(kind),
        )
        for rank, item in enumerate(ordered, start=1)
    ]  # fmt: skip


def judge(impression: Impression, positive: bool, minutes: int = 5) -> Judgement:
    return Judgement(
        list_id=impression.list_id, item_type=impression.item_type, item_id=impression.item_id, positive=positive,
        judged_at=impression.served_at + timedelta(minutes=minutes),
    )  # fmt: skip


def planted(lists_per_kind: int = 30) -> tuple[list[Impression], list[Judgement]]:
    """Advisors reject m_jobticket for craft businesses and accept it for companies; m_bike is liked by both
    two times in three; lists alternate craft, company, so both are in the held-out part."""
    impressions: list[Impression] = []
    judgements: list[Judgement] = []
    for number in range(2 * lists_per_kind):
        kind = "craft_business" if number % 2 == 0 else "company"
        shown = served_list(number, kind)
        impressions += shown
        by_id = {i.item_id: i for i in shown}
        judgements.append(judge(by_id["m_jobticket"], kind == "company"))
        judgements.append(judge(by_id["m_bike"], number % 3 != 0))
    return impressions, judgements
