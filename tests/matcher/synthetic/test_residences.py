"""Synthetic demo homes: deterministic, only firms with ≥ 10 staff, Kreis shares following the commuter flows."""

from __future__ import annotations

import pandas as pd
import pytest

from matcher.geo.reference import GeoReference
from matcher.resources import data_dir
from matcher.synthetic.residences import (
    DemoFirm,
    home_kreis_weights,
    load_commuter_flows,
    postcode_weights,
    synthetic_residences,
)


@pytest.fixture(scope="module")
def flows() -> pd.DataFrame:
    return load_commuter_flows(data_dir())


FIRMS = [DemoFirm("a", "05913", 120), DemoFirm("b", "08111", 45), DemoFirm("tiny", "05913", 9)]


def test_deterministic_by_seed_and_small_firms_left_out(geo: GeoReference, flows: pd.DataFrame) -> None:
    first = synthetic_residences(FIRMS, geo, flows, seed=3)
    assert first == synthetic_residences(FIRMS, geo, flows, seed=3)
    assert first != synthetic_residences(FIRMS, geo, flows, seed=4)
    assert [r.organisation for r in first] == ["a", "b"]
    assert [r.residences.total for r in first] == [120, 45]


def test_consent_share(geo: GeoReference, flows: pd.DataFrame) -> None:
    firms = [DemoFirm(f"f{i}", "05913", 10) for i in range(400)]
    consented = sum(r.consented for r in synthetic_residences(firms, geo, flows, seed=1, consents=0.3))
    assert 90 <= consented <= 150  # 120 expected
    with pytest.raises(ValueError, match="consents"):
        synthetic_residences(firms, geo, flows, consents=1.5)


@pytest.mark.parametrize("kreis", ["05913", "08111", "05334"])
def test_home_kreise_follow_the_commuter_flows(geo: GeoReference, flows: pd.DataFrame, kreis: str) -> None:
    expected = home_kreis_weights(kreis, geo, flows)
    (result,) = synthetic_residences([DemoFirm("big", kreis, 50_000)], geo, flows, seed=5)
    kreis_of = postcode_weights(geo).sort_values("population").drop_duplicates("plz", keep="last").set_index("plz")
    drawn = pd.Series(result.residences.as_dict()).groupby(kreis_of["kreis"]).sum() / result.residences.total
    distance = 0.5 * drawn.sub(expected, fill_value=0.0).abs().sum()  # total variation
    assert distance < 0.08
    assert drawn.idxmax() == kreis  # most staff live in the firm's own Kreis


def test_known_biggest_in_flows(geo: GeoReference, flows: pd.DataFrame) -> None:
    # BA 2023: the largest in-flow into Dortmund is from Kreis Unna, into Stuttgart from Ludwigsburg (54,150).
    assert home_kreis_weights("05913", geo, flows).drop("05913").idxmax() == "05978"
    assert home_kreis_weights("08111", geo, flows).drop("08111").idxmax() == "08118"
