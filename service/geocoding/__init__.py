"""Geocoding of street addresses on import (docs/service.md, "Geokodierung"): the geopy client, the answer
cache in the database and the step that moves organisations from their postcode's centroid to their address.
The pure parts (cache key, choosing an answer, plausibility) are in :mod:`matcher.geo.geocoding`."""
