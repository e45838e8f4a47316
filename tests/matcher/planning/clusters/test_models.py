"""Validation of the region filter of the planners' clusters."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from matcher.planning.clusters.models import RegionFilter


def test_valid_filters_are_normalised() -> None:
    assert RegionFilter(state=" de-nw ").state == "DE-NW"
    assert RegionFilter(kreis=" 08111 ", state="DE-BW").kreis == "08111"
    assert RegionFilter().model_dump() == {"kreis": None, "state": None, "bbox": None}


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"kreis": "5913"}, "kreis", "05913"),
        ({"kreis": "09162"}, "kreis", "05 (NRW) oder 08 (BW)"),
        ({"state": "DE-BY"}, "state", "DE-NW (Nordrhein-Westfalen)"),
        ({"bbox": (7.6, 51.45, 7.3, 51.6)}, "bbox", "min_lon < max_lon"),
        ({"bbox": (7.3, 91.0, 7.6, 92.0)}, "bbox", "-90 bis 90"),
        ({"kreis": "05913", "state": "DE-BW"}, "", "liegt nicht in Baden-Württemberg"),
        ({"radius": 3}, "radius", "Extra inputs are not permitted"),
    ],
)
def test_region_filter_validation_names_field_and_allowed_values(
    fields: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        RegionFilter.model_validate(fields)
    error = caught.value.errors()[0]
    assert ".".join(str(part) for part in error["loc"]) == field
    assert fragment in error["msg"]
