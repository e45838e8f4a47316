"""Cases that fail because of a defect in a recommender that is not fixed yet: id -> the defect (English).

The expectation stays as the advisor would insist; the tests mark these cases ``xfail(strict=True)`` so a fix
shows up at once, and ``bmm evaluate`` lists them with the defect. Remove an entry when its defect is fixed.
"""

from __future__ import annotations

KNOWN_DEFECTS: dict[str, str] = {}
