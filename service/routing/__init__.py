"""Optional road distances for the residence analysis from a routing engine (OSRM or Valhalla) given by URL.

Off by default (``BMM_ROUTING_ENGINE=none``): the analysis then estimates great circle × detour factor.
``road_distances`` is what routes call: it returns None when routing is off.
"""

from __future__ import annotations

from collections.abc import Iterable

from matcher.residences.analysis import Site
from matcher.residences.distances import PostcodeTable, RoadDistances
from service.config import RoutingEngine, ServiceSettings
from service.routing.client import RoutingClient


def routing_client(settings: ServiceSettings) -> RoutingClient | None:
    """The process's client, or None when routing is off."""
    return None if settings.routing_engine is RoutingEngine.NONE else RoutingClient(settings)


def road_distances(
    client: RoutingClient | None, site: Site, postcodes: Iterable[str], table: PostcodeTable
) -> RoadDistances | None:
    """Road distances from the centroids of ``postcodes`` to ``site``, or None when routing is off."""
    if client is None:
        return None
    wanted = sorted(set(postcodes))
    position = table.positions(wanted)
    homes = {p: (float(table.lat[i]), float(table.lon[i])) for p, i in zip(wanted, position.tolist(), strict=True)}
    return client.road_distances((site.lat, site.lon), homes)
