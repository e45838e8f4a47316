"""Where the service gives full advice: North Rhine-Westphalia and Baden-Württemberg.

An organisation elsewhere in Germany is accepted and stored (peers and measures work anywhere), but the
advisors, funding programmes and planning regions on file cover only these two states; the answer and the
import report say so in German instead of storing it without a word (issue 17, docs/service.md).
"""

from __future__ import annotations

from matcher.vocabulary import STATE_NAMES_DE

COVERED_STATES = ("DE-NW", "DE-BW")


def coverage_note(state: str) -> str | None:
    """None inside the covered states, else a German note naming the state and what is missing there."""
    if state in COVERED_STATES:
        return None
    where = STATE_NAMES_DE.get(state, state)
    return (
        f"Der Standort liegt in {where}. bmm-match deckt Nordrhein-Westfalen und Baden-Württemberg ab: Partner und "
        "Maßnahmen gelten auch hier, Beratungsstellen, Förderprogramme und Planungsregionen aber nicht."
    )
