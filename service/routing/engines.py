"""The two routing engines' many-to-one distance requests, behind one interface.

OSRM: the table service, ``GET /table/v1/driving/{lon,lat;…}?sources=0;…;n-1&destinations=n&annotations=distance``,
distances in metres (``null`` where there is no route). Valhalla: ``POST /sources_to_targets`` with
``verbose: false`` (``{"sources_to_targets": {"distances": [[…]]}}``); older versions that ignore ``verbose``
answer with objects carrying ``from_index`` and ``distance`` — both are read. Units: kilometres (or miles, if
an instance insists).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode
from urllib.request import Request

from matcher import __version__

USER_AGENT = f"bmm-match/{__version__} (Betriebliches Mobilitätsmanagement; Wohnstandortanalyse)"
MILE_KM = 1.609344

Point = tuple[float, float]  # (lat, lon)


class AnswerError(Exception):
    """The engine answered, but not with the distances asked for; the message is German."""


class Engine(Protocol):
    @property
    def label(self) -> str:
        """As people read it: "OSRM", "Valhalla"."""
        ...

    def request(self, base_url: str, sources: Sequence[Point], target: Point) -> Request: ...

    def distances_km(self, answer: Any, count: int) -> list[float | None]:
        """Road km from each of the ``count`` sources to the target; None where the engine found no route."""
        ...


def _km(value: Any, per_km: float) -> float | None:
    """``value`` in a unit of which ``per_km`` make a kilometre (metres: 1000)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AnswerError(f"Entfernung „{value}“ ist keine Zahl")
    return float(value) / per_km


def _checked(values: list[float | None], count: int) -> list[float | None]:
    if len(values) != count:
        raise AnswerError(f"{len(values)} Entfernungen statt {count}")
    return values


@dataclass(frozen=True)
class Osrm:
    label: str = "OSRM"

    def request(self, base_url: str, sources: Sequence[Point], target: Point) -> Request:
        coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in (*sources, target))
        query = urlencode(
            {"sources": ";".join(str(i) for i in range(len(sources))), "destinations": str(len(sources)),
             "annotations": "distance"},
            safe=";",
        )  # fmt: skip
        url = f"{base_url.rstrip('/')}/table/v1/driving/{coordinates}?{query}"
        return Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})

    def distances_km(self, answer: Any, count: int) -> list[float | None]:
        if not isinstance(answer, dict) or answer.get("code") != "Ok":
            code = answer.get("code") if isinstance(answer, dict) else None
            raise AnswerError(f"OSRM antwortet „{code}“ statt „Ok“")
        rows = answer.get("distances")
        if not isinstance(rows, list) or not all(isinstance(row, list) and len(row) == 1 for row in rows):
            raise AnswerError("OSRM-Antwort ohne Entfernungstabelle")
        return _checked([_km(row[0], 1000.0) for row in rows], count)


@dataclass(frozen=True)
class Valhalla:
    label: str = "Valhalla"

    def request(self, base_url: str, sources: Sequence[Point], target: Point) -> Request:
        body = {
            "sources": [{"lat": lat, "lon": lon} for lat, lon in sources],
            "targets": [{"lat": target[0], "lon": target[1]}],
            "costing": "auto",
            "units": "kilometers",
            "verbose": False,
        }
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "Content-Type": "application/json"}
        url = f"{base_url.rstrip('/')}/sources_to_targets"
        return Request(url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST")

    def distances_km(self, answer: Any, count: int) -> list[float | None]:
        matrix = answer.get("sources_to_targets") if isinstance(answer, dict) else None
        per_km = 1 / MILE_KM if isinstance(answer, dict) and answer.get("units") == "miles" else 1.0
        if isinstance(matrix, dict):  # verbose: false
            rows = matrix.get("distances")
            if not isinstance(rows, list) or not all(isinstance(row, list) and len(row) == 1 for row in rows):
                raise AnswerError("Valhalla-Antwort ohne Entfernungstabelle")
            return _checked([_km(row[0], per_km) for row in rows], count)
        if isinstance(matrix, list):  # verbose: objects, one row per source (or one flat row)
            cells = [cell for row in matrix for cell in (row if isinstance(row, list) else [row])]
            found: list[float | None] = [None] * count
            for cell in cells:
                index = cell.get("from_index") if isinstance(cell, dict) else None
                if not isinstance(index, int) or not 0 <= index < count:
                    raise AnswerError("Valhalla-Antwort mit unbekanntem from_index")
                found[index] = _km(cell.get("distance"), per_km)
            return found
        raise AnswerError("Valhalla-Antwort ohne sources_to_targets")


ENGINES: dict[str, Engine] = {"osrm": Osrm(), "valhalla": Valhalla()}
