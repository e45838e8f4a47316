from __future__ import annotations

import pytest

from matcher.geo.reference import GeoReference
from matcher.residences.distances import PostcodeTable


@pytest.fixture(scope="session")
def postcode_table(geo: GeoReference) -> PostcodeTable:
    return PostcodeTable.build(geo)
