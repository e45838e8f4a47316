"""Log what a recommendation endpoint served (``recommendation_log``), for feedback and later learning."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matcher.explain import Recommendation
from service.auth import Principal
from service.storage.feedback import MIXED, Served, ServedItem, SqlFeedbackStore

__all__ = ["MIXED", "log_served"]


def log_served(
    store: SqlFeedbackStore,
    principal: Principal | None,
    endpoint: str,
    item_type: str,
    organisation_id: str | None,
    parameters: Mapping[str, Any],
    items: Sequence[Recommendation] | Sequence[tuple[str, Recommendation]],
) -> str:
    """Log the answer; ``items`` are recommendations, or (type, recommendation) pairs for ``MIXED``."""
    shown = []
    for entry in items:
        prefix, item = (f"{entry[0]}:", entry[1]) if isinstance(entry, tuple) else ("", entry)
        shown.append(ServedItem(id=prefix + item.id, score=item.score, reasons=[r.code for r in item.reasons]))
    return store.log(
        Served(
            endpoint=endpoint,
            item_type=item_type,
            organisation_id=organisation_id,
            key_id=principal.key_id if principal is not None else None,
            role=principal.role.value if principal is not None else None,
            parameters=parameters,
            items=shown,
        )
    )
