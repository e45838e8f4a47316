from __future__ import annotations

from collections.abc import Sequence

from matcher.learning.evaluation import learn
from matcher.learning.fitting import LearningSettings
from matcher.learning.report import summary_lines
from tests.matcher.learning.factories import planted


def _table(rows: Sequence[Sequence[str]], right: Sequence[bool]) -> list[str]:
    return [" | ".join(row) for row in rows]


def test_the_summary_names_window_counts_metrics_and_the_evidence() -> None:
    result = learn(*planted(), LearningSettings())
    text = "\n".join(summary_lines(result, {("measure", "m_jobticket"): "Jobticket"}, _table))
    assert "Daten: 360 gezeigte Einträge, ausgeliefert 05.01.2026 09:00 UTC bis 07.01.2026 20:00 UTC" in text
    assert "120 Rückmeldungen dazu, davon 120 gezählt (auf den ersten 5 Plätzen gezeigt" in text
    assert "Geprüft auf den 12 letzten Listen (ab 07.01.2026 09:00 UTC), angepasst auf 96 Rückmeldungen davor." in text
    assert "Art | Segment | Listen | NDCG@5 | Präzision@5 | Annahmequote" in text
    assert "Maßnahmen | Unternehmen | 6 | 0,877 → 1 |" in text
    assert "Maßnahmen | Jobticket | Handwerksbetrieb | 0 von 30 | -0,100" in text
    assert "Maßnahmen | Jobticket | Unternehmen | 30 von 30 | +0,100" in text


def test_without_feedback_it_says_there_is_nothing_to_measure() -> None:
    impressions, _ = planted()
    text = "\n".join(summary_lines(learn(impressions, [], LearningSettings()), {}, _table))
    assert "Zu wenige Listen mit Rückmeldungen für eine zurückgehaltene Prüfmenge: keine Kennzahlen." in text
    assert "0 Anpassungen" in text
