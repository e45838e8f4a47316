"""Cases that fail because of a defect in a recommender that is not fixed yet: id -> the defect (English).

The expectation stays as the advisor would insist; the tests mark these cases ``xfail(strict=True)`` so a fix
shows up at once, and ``bmm evaluate`` lists them with the defect. Remove an entry when its defect is fixed.
"""

from __future__ import annotations

KNOWN_DEFECTS: dict[str, str] = {
    "fleet_emissions_electrification": "measures: fleet_electrification ranks 7th for fleet emissions and costs, "
    "behind eco_driving, pool_pedelecs, mobility_budget, car_policy_low_emission, cargo_bikes_commercial and "
    "corporate_carsharing: all address both problems, and the catalogue has no effect level, so cost and lead "
    "time alone separate them. Looked at again for issue 11: the only effect data is co2_effect_note, qualitative "
    "by VOCABULARY.md (numbers only where a source gives one, e.g. 'bis zu ca. 15 %' for eco_driving), and the "
    "order of `addresses` carries no meaning; a principled fix needs a sourced effect level per measure and problem "
    "in the shared catalogue, not a weight tuned to this case",
}
