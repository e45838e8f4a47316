"""bmm learn end to end: a preference planted through the API is learned, served, evaluated and rolled back."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.api.app import create_app
from service.auth import Role
from service.cli import app as cli
from service.config import ServiceSettings
from service.learning import ServedAdjustments
from tests.factories import api_key_headers, create_through_api, migrated_sqlite, profile_data

pytestmark = pytest.mark.slow  # builds two apps and sends about 250 requests

runner = CliRunner()
PER_KIND = 30  # judged organisations per kind: 24 of them before the held-out lists, above the minimum of 20
ISSUES = ["parking_shortage", "poor_transit_access"]


def _profile(kind: str, number: int) -> dict[str, Any]:
    # Sizes alternate within each kind, so kind is the only segment that separates the two verdicts.
    employees = 30 if number % 2 == 0 else 120
    return profile_data(kind=kind, name=f"{kind} {number}", employees=employees, issues=ISSUES, sector="C")


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = migrated_sqlite(tmp_path_factory.mktemp("learn") / "bmm-learn.db")
    return url


@pytest.fixture(scope="module")
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(ServiceSettings(database_url=database_url, learning_poll_seconds=3600))) as client:
        yield client


@pytest.fixture(scope="module")
def admin(client: TestClient) -> dict[str, str]:
    return api_key_headers(client, Role.ADMIN)


def _measures(client: TestClient, admin: dict[str, str], organisation_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/organisations/{organisation_id}/measures", headers=admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _refresh(client: TestClient) -> None:
    """What the workers' poll does every few seconds (polling is switched off in this module)."""
    learned: ServedAdjustments = client.app.state.learned  # type: ignore[attr-defined]
    learned.refresh()


def _learn(url: str, *options: str) -> str:
    result = runner.invoke(cli, ["learn", "--db", url, *options])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def planted(client: TestClient, admin: dict[str, str], database_url: str) -> str:
    """Advisors reject one measure for craft businesses and accept it for companies, right after each list is
    served (kinds alternate, so both are in the held-out part); they also accept the first measure shown for half
    of each size class. Returns the planted measure's id."""
    order = [f"{kind}-{n:02d}" for n in range(PER_KIND) for kind in ("craft_business", "company")]
    create_through_api(client, admin, {oid: _profile(oid.split("-")[0], int(oid[-2:])) for oid in order})
    planted_id: str | None = None
    for organisation_id in order:
        items = _measures(client, admin, organisation_id)
        if planted_id is None:
            planted_id = items[1]["id"]
        assert planted_id in {m["id"] for m in items[:5]}  # judged where advisors look
        number = int(organisation_id[-2:])
        verdict = "rejected" if organisation_id.startswith("craft") else "accepted"
        first = "accepted" if number % 4 in (0, 1) else "rejected"
        for item_id, said in ((planted_id, verdict), (items[0]["id"], first)):
            body = {"organisation_id": organisation_id, "item_type": "measure", "item_id": item_id, "verdict": said}
            response = client.post("/api/v1/feedback", json=body, headers=admin)
            assert response.status_code == 201, response.text
            assert response.json()["recommendation_id"] is not None
    assert planted_id is not None
    return planted_id


def _score(items: list[dict[str, Any]], measure_id: str) -> tuple[int, float] | None:
    return next(((place, m["score"]) for place, m in enumerate(items) if m["id"] == measure_id), None)


def test_dry_run_shows_everything_and_changes_nothing(planted: str, database_url: str, client: TestClient) -> None:
    output = _learn(database_url, "--dry-run")
    assert "Probelauf: nichts gespeichert." in output
    assert "NDCG@5" in output
    assert "Annahmequote" in output
    assert "0 von 30" in output  # the crafts' evidence on the planted measure
    # Held out: the latest 20 % of the 60 judged lists (12), fitted on the judgements before them.
    assert "Geprüft auf den 12 letzten Listen" in output
    assert "angepasst auf 96 Rückmeldungen davor" in output
    assert runner.invoke(cli, ["learn", "--db", database_url, "--rollback"]).exit_code == 1  # nothing stored
    _refresh(client)
    assert client.app.state.learned.current() is None  # type: ignore[attr-defined]


def test_held_out_crafts_see_the_planted_measure_lower_and_companies_do_not(
    planted: str, database_url: str, client: TestClient, admin: dict[str, str]
) -> None:
    create_through_api(
        client, admin, {"craft-new": _profile("craft_business", 1), "company-new": _profile("company", 1)}
    )
    before = {oid: _measures(client, admin, oid) for oid in ("craft-new", "company-new")}
    output = _learn(database_url)
    assert "Gespeichert als Version 1" in output
    _refresh(client)
    after = {oid: _measures(client, admin, oid) for oid in ("craft-new", "company-new")}

    craft_before, craft_after = _score(before["craft-new"], planted), _score(after["craft-new"], planted)
    assert craft_before is not None
    assert craft_after is not None
    assert craft_after[1] < craft_before[1]
    assert craft_after[0] > craft_before[0]
    company_before, company_after = _score(before["company-new"], planted), _score(after["company-new"], planted)
    assert company_before is not None
    assert company_after is not None
    assert company_after[1] >= company_before[1]
    assert company_after[0] <= company_before[0]

    for items in after.values():
        scores = [m["score"] for m in items]
        for item in items:  # reasons still add up
            assert item["score"] == pytest.approx(sum(r["weight"] for r in item["reasons"]), abs=1e-9)
        # order follows the scores or says why (diversity)
        for upper, lower in itertools.pairwise(items):
            assert upper["score"] >= lower["score"] or "diversity_promoted" in {r["code"] for r in upper["reasons"]}
        assert scores
    learned = [r for r in after["craft-new"][craft_after[0]]["reasons"] if r["code"] == "learned_feedback"]
    assert learned[0]["text"] == "Rückmeldungen ähnlicher Betriebe (Handwerksbetrieb): 0 von 30 fanden dies passend"
    assert learned[0]["weight"] < 0


def test_the_fit_is_deterministic(planted: str, database_url: str) -> None:
    def cells(output: str) -> str:
        return output.split("Anpassungen (", 1)[1]

    assert cells(_learn(database_url, "--dry-run")) == cells(_learn(database_url, "--dry-run"))


def test_admin_view_and_rollback_restore_the_scores(
    planted: str, database_url: str, client: TestClient, admin: dict[str, str]
) -> None:
    assert client.get("/api/v1/learning", headers=api_key_headers(client, Role.ADVISOR, "ihk_koeln")).status_code == 403
    before = _measures(client, admin, "craft-new")
    _learn(database_url, "--min-events", "22")  # version 2
    _refresh(client)
    view = client.get("/api/v1/learning", headers=admin).json()
    assert view["served"] == 2
    assert [v["id"] for v in view["versions"]] == [2, 1]
    cells = view["card"]["adjustments"]["cells"]
    craft = next(c for c in cells if (c["item_id"], c["value"]) == (planted, "craft_business"))
    assert (craft["positives"], craft["events"]) == (0, 30)
    company = next(
        g["metrics"] for g in view["card"]["metrics"] if (g["item_type"], g["value"]) == ("measure", "company")
    )
    assert company["ndcg_after"] > company["ndcg_before"]  # the accepted measure now above the first one
    assert f"measure:{planted}" in view["names"]
    assert view["card"]["settings"]["min_events"] == 22

    switched = client.post("/api/v1/learning/rollback", headers=admin).json()
    assert switched == {"switched_off": 2, "served": 1}
    assert _measures(client, admin, "craft-new") == before  # version 1 again, in this worker at once
    assert client.post("/api/v1/learning/disable", headers=admin).json() == {"switched_off": 1, "served": None}
    plain = _measures(client, admin, "craft-new")
    assert all("learned_feedback" not in {r["code"] for r in m["reasons"]} for m in plain)
    conflict = client.post("/api/v1/learning/disable", headers=admin)
    assert conflict.status_code == 409
    assert conflict.json()["detail"].startswith("Keine Version wird ausgeliefert")
    assert client.get("/api/v1/learning", params={"version": 99}, headers=admin).status_code == 404


def test_three_rejections_change_nothing(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path / "three.db")
    with TestClient(create_app(ServiceSettings(database_url=url, learning_poll_seconds=3600))) as client:
        admin = api_key_headers(client, Role.ADMIN)
        create_through_api(client, admin, {f"craft-{n}": _profile("craft_business", n) for n in range(3)})
        before = {oid: _measures(client, admin, oid) for oid in ("craft-0", "craft-1", "craft-2")}
        for organisation_id, items in before.items():
            body = {
                "organisation_id": organisation_id,
                "item_type": "measure",
                "item_id": items[1]["id"],
                "verdict": "rejected",
            }
            assert client.post("/api/v1/feedback", json=body, headers=admin).status_code == 201
        output = _learn(url)
        assert "0 Anpassungen" in output
        _refresh(client)
        assert {oid: _measures(client, admin, oid) for oid in before} == before
