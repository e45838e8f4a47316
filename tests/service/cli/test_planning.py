"""``bmm clusters`` and ``bmm brief``: output formats, admin-level member ids, option errors naming the option."""

from __future__ import annotations

import json
import math
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from matcher.models import OrganisationProfile
from matcher.profiles import ProfileBuilder
from service.cli import app
from service.storage.database import make_engine, upgrade
from service.storage.sql_repository import SqlOrganisationRepository

runner = CliRunner()
AS_OF = "2026-11-23"
HARBOUR = (51.5300, 7.4400)  # Dortmund, Kreis 05913
FEUERBACH = (48.8300, 9.1600)  # Stuttgart, Kreis 08111
HARBOUR_IDS = [f"do-{i}" for i in range(8)]
FEUERBACH_IDS = [f"st-{i}" for i in range(6)]


def _at(origin: tuple[float, float], east_km: float, north_km: float) -> tuple[float, float]:
    return origin[0] + north_km / 111.195, origin[1] + east_km / (111.195 * math.cos(math.radians(origin[0])))


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, builder: ProfileBuilder) -> str:
    """Eight firms within 300 m in the Dortmund harbour (half visible to peers) and six in Feuerbach."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'planning.db'}"
    engine = make_engine(url)
    upgrade(engine)
    organisations = []
    groups = [
        (HARBOUR_IDS, HARBOUR, ["parking_shortage"]),
        (FEUERBACH_IDS, FEUERBACH, ["parking_shortage", "shift_work"]),
    ]
    for ids, origin, issues in groups:
        for i, organisation_id in enumerate(ids):
            lat, lon = _at(origin, 0.1 * (i % 4), 0.1 * (i // 4))
            data: dict[str, Any] = {
                "kind": "company",
                "name": f"Firma {organisation_id} <GmbH>",
                "sector": "C",
                "employees": 100 + i,
                "lat": lat,
                "lon": lon,
                "issues": issues,
                "measures_in_place": ["carpool_matching"] if i % 2 else [],
                "visible_to_peers": i < 4,
                "contact_shareable": i == 0,
                "contact": {"name": "Erika Muster", "email": "erika@example.de"},
            }
            organisations.append(builder.build(OrganisationProfile.model_validate(data), organisation_id))
    SqlOrganisationRepository(engine).add_many(organisations)
    engine.dispose()
    return url


def _run(*args: str) -> Any:
    return runner.invoke(app, list(args))


# bmm clusters ---------------------------------------------------------------------------------------


def test_help_lists_the_planning_commands() -> None:
    result = _run("--help")
    assert result.exit_code == 0
    assert "clusters" in result.output
    assert "brief" in result.output


def test_clusters_table_in_german(database: str) -> None:
    result = _run("clusters", "--db", database, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("2 Cluster (Stichtag 23.11.2026; eps 0,5 km, mindestens 5 Mitglieder")
    assert "Betrachtet 14 Arbeitgeber, davon 14 in Clustern, 0 ohne Cluster." in lines[0]
    assert lines[1].split() == [
        "Rang",
        "Mitglieder",
        "Beschäftigte",
        "Hauptprobleme",
        "Gemeinden",
        "Gemeinsame",
        "Maßnahme",
    ]
    rows = lines[2:]
    assert len(rows) == 2
    assert rows[0].split()[:3] == ["1", "8", "828"]  # 8 members, 100 + … + 107 employees
    assert "Parkplatzmangel 100 %" in rows[0]
    assert "Dortmund (8)" in rows[0]
    assert "Stuttgart (6)" in rows[1]


def test_clusters_filters(database: str) -> None:
    result = _run("clusters", "--db", database, "--as-of", AS_OF, "--state", "DE-BW", "--issue", "shift_work")
    assert result.exit_code == 0, result.output
    assert "Problem: Schichtarbeit; Region: Baden-Württemberg)" in result.stdout
    assert len(result.stdout.splitlines()) == 3
    none = _run("clusters", "--db", database, "--kreis", "05913", "--min-size", "9")
    assert none.exit_code == 0, none.output
    assert none.stdout.startswith("0 Cluster")
    assert "Region: Stadt Dortmund (kreisfreie Stadt))" in none.stdout
    assert "Kein Cluster: " in none.stdout  # and why, with what would find one


def test_clusters_page_and_order(database: str) -> None:
    second = _run("clusters", "--db", database, "--as-of", AS_OF, "--limit", "1", "--offset", "1")
    assert second.exit_code == 0, second.output
    lines = second.stdout.splitlines()
    assert lines[0].startswith("Cluster 2–2 von 2 (Stichtag 23.11.2026")
    assert "Reihenfolge: nach Relevanz absteigend" in lines[0]
    (row,) = lines[2:]
    assert row.split()[:2] == ["2", "6"]  # rank 2 counted over all pages: Feuerbach, 6 members
    by_size = _run("clusters", "--db", database, "--as-of", AS_OF, "--order", "size", "--format", "json")
    answer = json.loads(by_size.stdout)
    assert [c["size"] for c in answer["clusters"]] == [8, 6]
    assert (answer["parameters"]["order"], answer["total"], answer["returned"]) == ("size", 2, 2)


def test_clusters_json_to_a_file_has_every_member(database: str, tmp_path: Path) -> None:
    target = tmp_path / "clusters.json"
    result = _run(
        "clusters", "--db", database, "--as-of", AS_OF, "--kreis", "05913", "--format", "json", "--out", str(target)
    )
    assert result.exit_code == 0, result.output
    assert "clusters.json" in result.stderr
    answer = json.loads(target.read_text(encoding="utf-8"))
    assert answer["as_of"] == AS_OF
    (cluster,) = answer["clusters"]
    assert cluster["members"] == HARBOUR_IDS  # admin level: the invisible ones too
    assert cluster["hull"] is not None
    assert "erika" not in target.read_text(encoding="utf-8")  # clusters never carry contacts


def test_clusters_geojson_to_stdout(database: str) -> None:
    result = _run("clusters", "--db", database, "--as-of", AS_OF, "--limit", "1", "--format", "geojson")
    assert result.exit_code == 0, result.output
    collection = json.loads(result.stdout)
    assert collection["type"] == "FeatureCollection"
    (feature,) = collection["features"]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["members"] == HARBOUR_IDS
    assert feature["properties"]["rank"] == 1
    assert collection["counts"] == {"considered": 14, "clustered": 14, "noise": 0}


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--eps-km", "0"], "--eps-km"),
        (["--eps-km", "21"], "--eps-km"),
        (["--min-size", "1"], "--min-size"),
        (["--min-size", "1001"], "--min-size"),
        (["--limit", "0"], "--limit"),
        (["--offset", "-1"], "--offset"),
        (["--order", "name"], "--order"),
        (["--kreis", "123"], "--kreis"),
        (["--kreis", "09162"], "--kreis"),  # München: a Kreis, but outside NRW and BW
        (["--kreis", "05999"], "--kreis"),  # NRW prefix, no such Kreis
        (["--kreis", "05913", "--state", "DE-BW"], "--kreis"),
        (["--bbox", "7.4,51.5"], "--bbox"),
        (["--bbox", "7.5,51.5,7.4,51.6"], "--bbox"),
        (["--state", "DE-BY"], "--state"),
        (["--issue", "potholes"], "--issue"),
        (["--as-of", "23.11.2026"], "--as-of"),
        (["--format", "kml"], "--format"),
    ],
)
def test_clusters_bad_options_exit_2_naming_the_option(database: str, options: list[str], named: str) -> None:
    result = _run("clusters", "--db", database, *options)
    assert result.exit_code == 2, result.output
    assert named in result.output


def test_clusters_refuses_a_missing_database(tmp_path: Path) -> None:
    result = _run("clusters", "--db", f"sqlite:///{tmp_path / 'missing.db'}")
    assert result.exit_code == 1
    assert "gibt es nicht" in result.output
    assert not (tmp_path / "missing.db").exists()


# bmm brief -------------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_brief_writes_the_html_page(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _run("brief", "do-0", "--db", database, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    target = tmp_path / "brief-do-0.html"
    assert str(target.name) in result.stdout
    html = target.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html)
    assert {"html", "svg", "path", "circle", "section"} <= set(parser.tags)
    assert "Firma do-0 &lt;GmbH&gt;" in html
    assert "Stand 23.11.2026" in html
    assert "Erika Muster" in html  # do-0 consented to share its contact
    assert "Betriebe in der Nähe" in html
    # Admin level: peers not visible to peers are included (do-4 … do-7 are invisible).
    assert "Firma do-5 &lt;GmbH&gt;" in html or "Firma do-6 &lt;GmbH&gt;" in html


def test_brief_to_a_chosen_file_without_consent(database: str, tmp_path: Path) -> None:
    target = tmp_path / "out" / "b.html"
    target.parent.mkdir()
    result = _run("brief", "do-1", "--db", database, "--as-of", AS_OF, "--out", str(target))
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert "Firma do-1 &lt;GmbH&gt;" in html
    assert "Erika Muster" not in html  # do-1 did not consent
    assert "erika@example.de" not in html


def test_brief_of_an_unknown_id_exits_2_naming_it(database: str, tmp_path: Path) -> None:
    result = _run("brief", "nobody-here", "--db", database, "--out", str(tmp_path / "x.html"))
    assert result.exit_code == 2
    assert "nobody-here" in result.output
    assert not (tmp_path / "x.html").exists()


def test_brief_rejects_a_bad_date(database: str) -> None:
    result = _run("brief", "do-0", "--db", database, "--as-of", "morgen")
    assert result.exit_code == 2
    assert "--as-of" in result.output
