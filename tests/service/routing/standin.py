"""Stand-in OSRM and Valhalla servers on loopback: an http.server thread answering from distances the test plants.

Nothing leaves the machine. The stand-in reads the source coordinates of each request the way the real engine
does (OSRM: the path and ``sources``; Valhalla: the JSON body), looks each one up in ``planted`` (km per
(lat, lon) rounded to 5 decimals; missing means no route) and answers in the engine's format. ``requests``
records what arrived; ``status``, ``raw`` and ``delay`` plant failures.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Point = tuple[float, float]


def key(lat: float, lon: float) -> Point:
    return (round(lat, 5), round(lon, 5))


@dataclass
class StandIn:
    kind: str  # "osrm" | "valhalla"
    planted: Mapping[Point, float] = field(default_factory=dict)  # km; a point missing has no route
    status: int = 200
    raw: bytes | None = None  # answer these bytes verbatim instead of a distance table
    delay: float = 0.0  # seconds before answering (a slow engine)
    verbose: bool = False  # Valhalla: answer in the old verbose format (objects with from_index)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    release: threading.Event = field(default_factory=threading.Event)

    def answer(self, sources: list[Point], target: Point) -> dict[str, Any]:
        km = [self.planted.get(key(*point)) for point in sources]
        if self.kind == "osrm":
            return {"code": "Ok", "distances": [[None if d is None else d * 1000] for d in km]}
        if self.verbose:
            cells = [{"from_index": i, "to_index": 0, "distance": d, "time": 60} for i, d in enumerate(km)]
            return {"sources_to_targets": [[cell] for cell in cells], "units": "kilometers"}
        return {
            "sources_to_targets": {"distances": [[d] for d in km], "durations": [[60] for _ in km]},
            "units": "kilometers",
        }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # OSRM: /table/v1/driving/lon,lat;…?sources=…&destinations=…
        parts = urlsplit(self.path)
        points = [(float(c.split(",")[1]), float(c.split(",")[0])) for c in parts.path.rsplit("/", 1)[1].split(";")]
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        sources = [points[int(i)] for i in query["sources"].split(";")]
        target = points[int(query["destinations"])]
        self._reply({"method": "GET", "path": parts.path, "query": query, "sources": sources, "target": target})

    def do_POST(self) -> None:  # Valhalla: /sources_to_targets with a JSON body
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        sources = [(s["lat"], s["lon"]) for s in body["sources"]]
        target = (body["targets"][0]["lat"], body["targets"][0]["lon"])
        self._reply({"method": "POST", "path": self.path, "body": body, "sources": sources, "target": target})

    def _reply(self, request: dict[str, Any]) -> None:
        standin = self.server.standin
        standin.requests.append({**request, "user_agent": self.headers["User-Agent"]})
        if standin.delay:
            standin.release.wait(standin.delay)
        payload = standin.raw or json.dumps(standin.answer(request["sources"], request["target"])).encode()
        try:
            self.send_response(standin.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up (timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, standin: StandIn) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.standin = standin


@contextmanager
def serve(standin: StandIn) -> Iterator[StandIn]:
    server = _Server(standin)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    standin.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield standin
    finally:
        standin.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def refused_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
