"""The German summary of a learning run, for `bmm learn` (the web app renders the same facts itself)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from matcher.learning.evaluation import GroupMetrics, LearningResult
from matcher.learning.segments import ALL, segment_label_de
from matcher.wording import count_noun, german_number

ITEM_TYPE_LABELS_DE = {
    ALL: "alle Arten",
    "measure": "Maßnahmen",
    "funding": "Förderprogramme",
    "peer": "Partner",
    "advisor": "Beratung",
}
CHANGES_SHOWN = 10

Table = Callable[[Sequence[Sequence[str]], Sequence[bool]], list[str]]


def _day(moment: datetime | None) -> str:
    return moment.strftime("%d.%m.%Y %H:%M UTC") if moment is not None else "–"


def _figure(value: float | None) -> str:
    return german_number(round(value, 3)) if value is not None else "–"


def _pair(before: float | None, after: float | None) -> str:
    return f"{_figure(before)} → {_figure(after)}"


def _segment(dimension: str, value: str) -> str:
    return segment_label_de(dimension, value) or "alle"


def summary_lines(result: LearningResult, names: Mapping[tuple[str, str], str], table: Table) -> list[str]:
    """Data window, counts, held-out metrics per item type and kind, the largest changes with their evidence.

    ``names``: (item type, id) -> name for people (ids stand for themselves otherwise); ``table`` formats rows."""
    counts, settings = result.counts, result.settings
    lines = [
        f"Daten: {count_noun(counts.impressions, 'gezeigter Eintrag', 'gezeigte Einträge')}, ausgeliefert "
        f"{_day(result.first_served)} bis {_day(result.last_served)}; "
        f"{count_noun(counts.judgements, 'Rückmeldung', 'Rückmeldungen')} dazu, davon {counts.events} gezählt "
        f"(auf den ersten {settings.top_ranks} Plätzen gezeigt, je Liste und Eintrag die letzte), "
        f"{counts.positives} positiv.",
    ]
    if result.holdout_from is None:
        lines.append("Zu wenige Listen mit Rückmeldungen für eine zurückgehaltene Prüfmenge: keine Kennzahlen.")
    else:
        lines.append(
            f"Geprüft auf den {count_noun(counts.holdout_lists, 'letzten Liste', 'letzten Listen')} "
            f"(ab {_day(result.holdout_from)}), angepasst auf {counts.train_events} Rückmeldungen davor."
        )
    shown = [g for g in result.metrics if g.dimension in (ALL, "kind")]
    if shown:
        lines += ["", "Kennzahlen auf den zurückgehaltenen Listen (vorher → nachher):"]
        k = settings.top_ranks
        header = ["Art", "Segment", "Listen", f"NDCG@{k}", f"Präzision@{k}", "Annahmequote"]
        lines += table([header, *(_metrics_row(g) for g in shown)], [False, False, True, True, True, True])
        lines.append("Alle Segmente (Beschäftigte, WZ-Abschnitt, ÖV-Güteklasse) stehen in der Modellkarte.")
    cells = result.adjustments.changes
    lines += [
        "",
        f"{count_noun(len(cells), 'Anpassung', 'Anpassungen')} (mindestens {settings.min_events} Rückmeldungen je "
        f"Eintrag und Segment, höchstens ±{german_number(settings.max_adjustment)} Punkte):",
    ]
    rows = [
        [
            ITEM_TYPE_LABELS_DE.get(c.item_type, c.item_type),
            names.get((c.item_type, c.item_id), c.item_id),
            _segment(c.dimension, c.value),
            f"{c.positives} von {c.events}",
            f"{c.adjustment:+.3f}".replace(".", ","),
        ]
        for c in cells[:CHANGES_SHOWN]
    ]
    if rows:
        lines += table([["Art", "Eintrag", "Segment", "passend", "Anpassung"], *rows], [False] * 3 + [True, True])
    if len(cells) > CHANGES_SHOWN:
        lines.append(f"… und {len(cells) - CHANGES_SHOWN} weitere in der Modellkarte.")
    return lines


def _metrics_row(group: GroupMetrics) -> list[str]:
    m = group.metrics
    return [
        ITEM_TYPE_LABELS_DE.get(group.item_type, group.item_type),
        _segment(group.dimension, group.value),
        str(m.lists),
        _pair(m.ndcg_before, m.ndcg_after),
        _pair(m.precision_before, m.precision_after),
        _pair(m.acceptance_before, m.acceptance_after),
    ]
