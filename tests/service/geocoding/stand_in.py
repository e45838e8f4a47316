"""A stand-in Nominatim and Photon on loopback: a thread with http.server answering with canned JSON.

Tests plant answers per street (``plant``), read what was asked (``requests``: path, query parameters,
headers) and make it slow (``delay``). Nothing leaves the machine.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Asked:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class StandIn:
    url: str = ""
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # street (or Photon q prefix) -> JSON
    requests: list[Asked] = field(default_factory=list)
    delay: float = 0.0

    def plant_nominatim(self, street: str, lat: float, lon: float, *, house: bool = True, place_rank: int = 30) -> None:
        """A Nominatim /search answer (jsonv2 with addressdetails) for ``street``."""
        address = {"road": street.rsplit(" ", 1)[0], "postcode": "00000", "country_code": "de"}
        if house:
            address["house_number"] = street.rsplit(" ", 1)[-1]
        self.answers.setdefault(street, []).append(
            {"lat": str(lat), "lon": str(lon), "display_name": street, "place_rank": place_rank,
             "class": "building" if house else "highway", "type": "yes", "address": address}
        )  # fmt: skip

    def plant_photon(self, street: str, lat: float, lon: float, *, kind: str = "house") -> None:
        """A Photon /api feature for a query starting with ``street``."""
        properties: dict[str, Any] = {"type": kind, "name": street, "country": "Deutschland"}
        if kind == "house":
            properties["housenumber"] = street.rsplit(" ", 1)[-1]
        self.answers.setdefault(street, []).append(
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}
        )


def _handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            stand_in.requests.append(Asked(parts.path, query, dict(self.headers.items())))
            if stand_in.delay:
                time.sleep(stand_in.delay)
            if parts.path.endswith("/search"):
                body: Any = stand_in.answers.get(query.get("street", ""), [])
            else:  # Photon /api
                text = query.get("q", "")
                features = next((v for k, v in stand_in.answers.items() if text.startswith(k)), [])
                body = {"type": "FeatureCollection", "features": features}
            payload = json.dumps(body).encode("utf-8")
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def stand_in_server() -> Iterator[StandIn]:
    """A running stand-in on 127.0.0.1 (a free port); stopped on exit."""
    stand_in = StandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand_in))
    server.daemon_threads = True
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """The URL of a loopback port nothing listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
