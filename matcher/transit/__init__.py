"""Transit quality at a site from every stop nearby (bus, tram, Stadtbahn, S-Bahn, rail); see docs/transit.md.

Pure: the stops come in as a ``TransitStops`` table loaded from ``data/geo/transit_stops.csv``.
"""
