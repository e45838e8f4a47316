"""Planning and advising commands: ``bmm clusters`` and ``bmm brief``."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from matcher.planning.clusters.models import DEFAULT_CLUSTER_ORDER, ClusterOrder
from matcher.vocabulary import ProblemCode
from matcher.wording import count_noun, german_int
from service.api.cluster_schemas import ClusterState
from service.cli.common import DbOption, existing_repository, fail, load_snapshot, safe
from service.cli.tables import cut, format_table
from service.config import DEFAULT_DATABASE_URL

if TYPE_CHECKING:
    from matcher.planning.clusters.models import ClusterAnswer, RegionFilter

app = typer.Typer()


class ClusterOutput(StrEnum):
    TABLE = "table"
    JSON = "json"
    GEOJSON = "geojson"


_CLUSTER_OPTIONS = {
    "eps_km": "--eps-km",
    "min_members": "--min-size",
    "limit": "--limit",
    "offset": "--offset",
    "region.kreis": "--kreis",
}


def _range_text(name: str) -> str:
    """The allowed range of a ClusterSettings field in German, e.g. 'größer als 0 und höchstens 20'."""
    from matcher.settings import ClusterSettings

    words = {"gt": "größer als", "ge": "mindestens", "lt": "kleiner als", "le": "höchstens"}
    metadata = ClusterSettings.model_fields[name].metadata
    return " und ".join(f"{text} {getattr(m, key)}" for m in metadata for key, text in words.items() if hasattr(m, key))


def _cluster_region(kreis: str | None, state: str | None, bbox: str | None) -> RegionFilter | None:
    """The region of the options, or exit 2 naming the bad option."""
    from pydantic import ValidationError

    from matcher.planning.clusters.models import CLUSTER_STATES, RegionFilter
    from service.access import region_state

    box: tuple[float, float, float, float] | None = None
    if bbox is not None:
        try:
            min_lon, min_lat, max_lon, max_lat = (float(part) for part in bbox.split(","))
            box = RegionFilter(bbox=(min_lon, min_lat, max_lon, max_lat)).bbox
        except (ValueError, ValidationError):
            fail(
                f"Ungültiger Wert für '--bbox': {bbox!r}; erwartet minlon,minlat,maxlon,maxlat (WGS84, min < max), "
                "z. B. 7.3,51.45,7.6,51.6.",
                code=2,
            )
    if kreis is not None and (len(kreis) != 5 or not kreis.isdigit() or region_state(kreis) not in CLUSTER_STATES):
        fail(
            f"Ungültiger Wert für '--kreis': {kreis!r} ist kein Kreisschlüssel in NRW oder BW; erwartet 5 Ziffern, "
            "beginnend mit 05 (NRW) oder 08 (BW), z. B. 05913 für Dortmund.",
            code=2,
        )
    if kreis is None and state is None and box is None:
        return None
    land = state or (region_state(kreis) if kreis is not None else None)
    if kreis is not None and land != region_state(kreis):
        fail(f"Ungültige Kombination '--kreis' {kreis} und '--state' {state}: der Kreis liegt nicht in {state}.", 2)
    return RegionFilter(kreis=kreis, state=land, bbox=box)


def _cluster_table(answer: ClusterAnswer) -> list[str]:
    """German table: rank, size, employees, dominant problems, municipalities, joint measure."""
    rows: list[tuple[str, ...]] = [
        ("Rang", "Mitglieder", "Beschäftigte", "Hauptprobleme", "Gemeinden", "Gemeinsame Maßnahme")
    ]
    for rank, cluster in enumerate(answer.clusters, start=answer.offset + 1):
        problems = ", ".join(f"{p.label} {round(p.share * 100)} %" for p in cluster.dominant_problems)
        places = ", ".join(f"{m.name} ({m.members})" for m in cluster.municipalities)
        measure = cluster.suggested_measures[0].name if cluster.suggested_measures else "-"
        cells = (str(rank), german_int(cluster.size), german_int(cluster.employees), problems, places, measure)
        rows.append(tuple(cut(cell, width) for cell, width in zip(cells, (4, 10, 12, 48, 36, 44), strict=True)))
    return format_table(rows, right=(True, True, True, False, False, False))


def _page_text(answer: ClusterAnswer) -> str:
    """'583 Cluster' for all of them, else 'Cluster 1–50 von 583' (an empty page: 'Cluster ab 601 von 583')."""
    if answer.returned == answer.total:
        return f"{german_int(answer.total)} Cluster"
    if answer.returned == 0:
        return f"Cluster ab {german_int(answer.offset + 1)} von {german_int(answer.total)}"
    first, last = answer.offset + 1, answer.offset + answer.returned
    return f"Cluster {german_int(first)}–{german_int(last)} von {german_int(answer.total)}"


@app.command()
def clusters(
    db: DbOption = DEFAULT_DATABASE_URL,
    issue: Annotated[
        ProblemCode | None, typer.Option(case_sensitive=False, help="nur Arbeitgeber mit diesem Problem")
    ] = None,
    kreis: Annotated[str | None, typer.Option(help="Kreisschlüssel in NRW (05…) oder BW (08…), z. B. 05913")] = None,
    state: Annotated[ClusterState | None, typer.Option(case_sensitive=False, help="Land: DE-NW oder DE-BW")] = None,
    bbox: Annotated[
        str | None, typer.Option(help="minlon,minlat,maxlon,maxlat (WGS84), z. B. 7.3,51.45,7.6,51.6")
    ] = None,
    min_size: Annotated[int | None, typer.Option(help="Mindestzahl Mitglieder je Cluster (2–1000, Standard 5)")] = None,
    eps_km: Annotated[
        float | None, typer.Option(help="Nachbarschaft in km (DBSCAN eps, > 0 bis 20, Standard 0.5)")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(help="nur N Cluster ab --offset (Zählungen bleiben; Standard: alle)")
    ] = None,
    offset: Annotated[int, typer.Option(help="so viele Cluster überspringen (Seiten)")] = 0,
    order: Annotated[
        ClusterOrder,
        typer.Option(
            case_sensitive=False,
            help="Reihenfolge: score (Relevanz), size (Betriebe), employees_affected (betroffene Beschäftigte)",
        ),
    ] = DEFAULT_CLUSTER_ORDER,
    as_of: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Stichtag für Förderprogramme (Standard: heute)")
    ] = None,
    output: Annotated[
        ClusterOutput, typer.Option("--format", case_sensitive=False, help="table, json oder geojson (mit Mitgliedern)")
    ] = ClusterOutput.TABLE,
    out: Annotated[Path | None, typer.Option(dir_okay=False, help="Ausgabedatei (Standard: stdout)")] = None,
) -> None:
    """Cluster von Arbeitgebern mit gemeinsamem Problem (wie GET /api/v1/clusters, mit allen Mitglieds-ids)."""
    import json
    from datetime import date

    from pydantic import ValidationError

    from matcher.errors import InputError
    from matcher.planning.clusters.finding import clusters_to_geojson, find_clusters
    from matcher.settings import ClusterSettings

    for name, value in (("eps_km", eps_km), ("min_members", min_size)):
        try:
            ClusterSettings.model_validate({name: value} if value is not None else {})
        except ValidationError:
            fail(f"Ungültiger Wert für '{_CLUSTER_OPTIONS[name]}': {value}; erlaubt: {_range_text(name)}.", code=2)
    if limit is not None and limit < 1:
        fail(f"Ungültiger Wert für '--limit': {limit}; erlaubt: mindestens 1.", code=2)
    if offset < 0:
        fail(f"Ungültiger Wert für '--offset': {offset}; erlaubt: mindestens 0.", code=2)
    region = _cluster_region(kreis, state.value if state is not None else None, bbox)
    snapshot, engine = load_snapshot(existing_repository(db), db)
    day = as_of.date() if as_of is not None else date.today()
    try:
        answer = find_clusters(
            snapshot.index, engine.reference, engine.settings, as_of=day, region=region, problem=issue,
            eps_km=eps_km, min_members=min_size, limit=limit, offset=offset, order=order,
        )  # fmt: skip
    except InputError as error:
        fail(f"Ungültiger Wert für '{_CLUSTER_OPTIONS.get(error.field, error.field)}': {error.message}", code=2)
    if output is ClusterOutput.TABLE:
        parameters = answer.parameters
        lines = [
            f"{_page_text(answer)} (Stichtag {day:%d.%m.%Y}; eps "
            f"{str(parameters.eps_km).replace('.', ',')} km, mindestens {parameters.min_members} Mitglieder; "
            f"Problem: {parameters.problem_label or 'alle'}; Region: {parameters.region_label}). "
            f"Betrachtet {german_int(answer.considered)} Arbeitgeber, davon {german_int(answer.clustered)} in "
            f"Clustern, {german_int(answer.noise)} ohne Cluster. Reihenfolge: {parameters.order_text}.",
            *(_cluster_table(answer) if answer.clusters else [answer.note or ""]),
        ]
        text = "\n".join(lines) + "\n"
    elif output is ClusterOutput.JSON:
        text = answer.model_dump_json(indent=2) + "\n"
    else:
        text = json.dumps(clusters_to_geojson(answer, include_members=True), ensure_ascii=False, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(
            f"Geschrieben: {count_noun(len(answer.clusters), 'Cluster', 'Cluster')} nach {out} ({output.value}).",
            err=True,
        )


@app.command()
def brief(
    organisation_id: Annotated[str, typer.Argument(metavar="ID", help="id der Organisation")],
    db: DbOption = DEFAULT_DATABASE_URL,
    as_of: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Stichtag für die Förderung (Standard: heute)")
    ] = None,
    out: Annotated[Path | None, typer.Option(dir_okay=False, help="HTML-Datei (Standard: brief-ID.html)")] = None,
) -> None:
    """Druckbaren Beratungsbrief einer gespeicherten Organisation als HTML schreiben (eine A4-Seite)."""
    from datetime import date

    from matcher.planning.brief import build_brief
    from service.brief_html import render_brief_html

    repository = existing_repository(db)
    if repository.get(organisation_id) is None:  # before loading everything
        fail(f"Organisation '{organisation_id}' nicht gefunden in {safe(db)}.", code=2)
    snapshot, engine = load_snapshot(repository, db)
    organisation = snapshot.organisations.get(organisation_id)
    if organisation is None:  # deleted in the meantime
        fail(f"Organisation '{organisation_id}' nicht gefunden in {safe(db)}.", code=2)
    day = as_of.date() if as_of is not None else date.today()
    built = build_brief(
        organisation, snapshot.index, engine.vectoriser, engine.reference.catalog, engine.settings,
        as_of=day, include_invisible_peers=True, kreis_naming=engine.reference.geo.kreis_naming,
        home_places=snapshot.home_places,
    )  # fmt: skip
    peers = [snapshot.organisations[item.id] for item in built.peers.items if item.id in snapshot.organisations]
    target = out or Path(f"brief-{organisation_id}.html")
    target.write_text(render_brief_html(built, organisation, peers, engine.reference), encoding="utf-8")
    typer.echo(f"Beratungsbrief für {organisation_id} (Stand {day:%d.%m.%Y}) geschrieben: {target}")
