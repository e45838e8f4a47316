from __future__ import annotations

from fastapi.testclient import TestClient

from matcher.vocabulary import (
    CATEGORY_LABELS_DE,
    KIND_LABELS_DE,
    MeasureCategory,
    OrganisationKind,
    ProblemCode,
    Sector,
)


def test_vocabulary_lists_every_code_with_its_german_label(client: TestClient) -> None:
    response = client.get("/api/v1/vocabulary")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"kinds", "problems", "measure_categories", "sectors", "location_precisions"}
    assert [e["code"] for e in body["kinds"]] == [k.value for k in OrganisationKind]
    assert [e["code"] for e in body["problems"]] == [p.value for p in ProblemCode]
    assert [e["code"] for e in body["measure_categories"]] == [c.value for c in MeasureCategory]
    assert [e["code"] for e in body["sectors"]] == [s.value for s in Sector]
    assert body["kinds"][0] == {"code": "company", "label": "Unternehmen"}
    assert {"code": "parking_shortage", "label": "Parkplatzmangel"} in body["problems"]
    assert {"code": "H", "label": "Verkehr und Lagerei"} in body["sectors"]
    categories = {e["code"]: e["label"] for e in body["measure_categories"]}
    assert categories == {c.value: label for c, label in CATEGORY_LABELS_DE.items()}
    assert all(e["label"] and e["label"] != e["code"] for group in body.values() for e in group)
    assert {e["label"] for e in body["kinds"]} == set(KIND_LABELS_DE.values())


def test_vocabulary_needs_no_key(client: TestClient) -> None:
    assert client.get("/api/v1/vocabulary", headers={}).status_code == 200
