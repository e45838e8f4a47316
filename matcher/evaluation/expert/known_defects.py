"""Cases that fail because of a defect in a recommender that is not fixed yet: id -> the defect (English).

The expectation stays as the advisor would insist; the tests mark these cases ``xfail(strict=True)`` so a fix
shows up at once, and ``bmm evaluate`` lists them with the defect. Remove an entry when its defect is fixed.
"""

from __future__ import annotations

KNOWN_DEFECTS: dict[str, str] = {
    "cycling_barriers_bike_parking": "measures: secure_bike_parking ranks 6th behind bike_service (same problems, "
    "cheaper) and two measures the diversity step pulls forward; practicality outweighs the core measure",
    "fleet_emissions_electrification": "measures: fleet_electrification ranks 8th for fleet emissions and costs, "
    "behind eco_driving, pool_pedelecs, mobility_budget and employee_charging (cost and lead time dominate)",
    "esslingen_shift_plant_timetable": "measures: deutschlandticket_job ranks 8th for a shift plant at Esslingen "
    "station with commuting costs (job tickets are demoted as 'partly' suited to shift work although the site is "
    "class B); in Dortmund the same profile gets it in the top 5",
}
