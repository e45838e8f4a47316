"""Dump the recommendation routes' answers, byte for byte, for a sample of stored organisations: run it with
two versions of the code on copies of the same store and compare the files (``cmp``) to show that a
change to the request path left every answer as it was.

    PYTHONPATH=. .venv/bin/python benchmarks/answers_dump.py --db sqlite:////tmp/copy.db --out answers.txt
        [--sample 40]

The store gets API keys and recommendation-log rows (use a copy). Each line is the path, the caller, the
status, the content type and the raw body, with the ``recommendation_id`` (new per request) masked. Asked
per organisation: peers, measures, funding (fixed ``as_of``, also the ineligible ones) and the brief with the
organisation's own key and with an admin key (who sees invisible peers and contact data), peers with
``limit`` and ``radius_km``; and problem answers (unknown id, another organisation's id, no key, a limit out of
range).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from matcher.reference import load_reference_data
from service.api.app import create_app
from service.auth import Role, SqlApiKeyRepository, SubjectRules
from service.config import ServiceSettings
from service.storage.database import make_engine, upgrade
from service.storage.tables import organisations

MASKED = re.compile(rb'"recommendation_id":"[^"]*"')


def sample_ids(url: str, size: int) -> list[str]:
    """Every n-th stored id (sorted), ``size`` of them: the same sample for the same store."""
    engine = make_engine(url)
    with engine.connect() as connection:
        ids = list(connection.execute(select(organisations.c.id).order_by(organisations.c.id)).scalars())
    engine.dispose()
    step = max(len(ids) // size, 1)
    return ids[::step][:size]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a copy of a seeded store (it gets keys and log rows)")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--sample", type=int, default=40)
    args = parser.parse_args()
    engine = make_engine(args.db)
    upgrade(engine)
    keys, rules = SqlApiKeyRepository(engine), SubjectRules.from_reference(load_reference_data())
    admin = {"X-API-Key": keys.create(Role.ADMIN, rules=rules)[1]}
    ids = sample_ids(args.db, args.sample)
    own = {i: {"X-API-Key": keys.create(Role.ORGANISATION, i, rules=rules)[1]} for i in ids}
    engine.dispose()
    lines: list[bytes] = []
    with TestClient(create_app(ServiceSettings(database_url=args.db))) as client:

        def ask(path: str, caller: str, headers: dict[str, str]) -> None:
            response = client.get(path, headers=headers)
            body = MASKED.sub(b'"recommendation_id":"*"', response.content)
            head = f"{path} {caller} {response.status_code} {response.headers.get('content-type')} "
            lines.append(head.encode() + body)

        for n, organisation_id in enumerate(ids):
            base = f"/api/v1/organisations/{organisation_id}"
            for caller, headers in (("own", own[organisation_id]), ("admin", admin)):
                ask(f"{base}/peers", caller, headers)
                ask(f"{base}/peers?limit=25&radius_km=5", caller, headers)
                ask(f"{base}/measures", caller, headers)
                ask(f"{base}/measures?limit=3", caller, headers)
                ask(f"{base}/funding?as_of=2026-06-01&include_ineligible=true", caller, headers)
                ask(f"{base}/brief?as_of=2026-06-01", caller, headers)
            other = ids[(n + 1) % len(ids)]
            ask(f"/api/v1/organisations/{other}/peers", "own-of-another", own[organisation_id])
        base = f"/api/v1/organisations/{ids[0]}"
        ask("/api/v1/organisations/no-such-id/peers", "admin", admin)
        ask(f"{base}/peers", "nobody", {})
        ask(f"{base}/peers?limit=0", "admin", admin)
        ask(f"{base}/peers?radius_km=500", "admin", admin)
        ask(f"{base}/measures?limit=x", "admin", admin)
        ask(f"{base}/funding?as_of=2026-13-01", "admin", admin)
    args.out.write_bytes(b"\n".join(lines) + b"\n")
    print(f"{len(lines)} answers of {len(ids)} organisations written to {args.out}")


if __name__ == "__main__":
    main()
