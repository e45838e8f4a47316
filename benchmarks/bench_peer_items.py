"""In-process cost of a peers answer without HTTP: ``recommend_peers`` plus ``peer_items`` (the service's
placing of each peer), in CPU time per answer, for the first visible organisations of a store.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_peer_items.py --db sqlite:////tmp/copy.db [--sample 50]
        [--rounds 5]

Reads the store only (the app is started on it, so the index is the one the service serves). Prints the
best round's CPU ms per answer for recommend_peers alone and with peer_items, for an organisation's own
view (principal None: contact only where the policy allows it without a key).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from benchmarks.common import first_visible_ids, print_machine
from matcher.matching.peers import PeerAnswer, recommend_peers
from service.api.app import create_app
from service.api.placing import peer_items
from service.config import ServiceSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    print_machine()
    ids = first_visible_ids(arguments.db, arguments.sample)
    app = create_app(ServiceSettings(database_url=arguments.db))
    with TestClient(app):
        snapshot = app.state.live.current()
        policy = app.state.access
        engine = snapshot.engine
        asked = [snapshot.organisations[i] for i in ids]

        def answers() -> list[PeerAnswer]:
            return [
                recommend_peers(
                    o, snapshot.index, engine.vectoriser, engine.reference.catalog, engine.settings.peers,
                    home_places=snapshot.home_places,
                )
                for o in asked
            ]  # fmt: skip

        def cpu_ms(work: Callable[[], Any]) -> float:
            best = float("inf")
            for _ in range(arguments.rounds):
                start = time.process_time()
                work()
                best = min(best, (time.process_time() - start) * 1000 / len(asked))
            return best

        found = answers()
        print(f"recommend_peers            {cpu_ms(answers):6.3f} ms CPU per answer")
        print(
            "peer_items                 "
            f"{cpu_ms(lambda: [peer_items(policy, None, snapshot, a.items) for a in found]):6.3f} ms CPU per answer"
        )


if __name__ == "__main__":
    main()
