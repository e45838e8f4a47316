"""Residence commands (issue 14): ``bmm residences import|delete|analysis``.

The same reading, storage and analysis as the API (``service.residences``); the command line is the operator's
(admin's) view: it sees every organisation, and the k rule still applies to every analysis it prints.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from matcher.wording import count_noun, german_int, german_number
from service.cli.common import DbOption, fail, migrated_engine, safe, settings_for, sqlite_file
from service.cli.tables import format_table
from service.config import DEFAULT_DATABASE_URL

if TYPE_CHECKING:
    from matcher.models import Organisation
    from service.residences import ResidenceAnalyst
    from service.storage.residences import SqlResidenceRepository

app = typer.Typer(help="Wohnorte der Beschäftigten: hochladen, löschen, auswerten (k-anonym).")

_SHOWN_ERRORS = 50

OrganisationArgument = Annotated[str, typer.Argument(help="id der Organisation")]


class AnalysisOutput(StrEnum):
    TEXT = "text"
    JSON = "json"
    GEOJSON = "geojson"


def _open(db: str, organisation_id: str) -> tuple[Organisation, SqlResidenceRepository]:
    """The stored organisation and the residence store, or exit 1 saying what is missing."""
    from service.storage.residences import SqlResidenceRepository
    from service.storage.sql_repository import SqlOrganisationRepository

    database_file = sqlite_file(db)
    if database_file is not None and not database_file.exists():
        fail(f"Die Datenbankdatei {database_file} gibt es nicht. Demodaten mit 'bmm demo --db {safe(db)}'.")
    engine = migrated_engine(db)
    organisation = SqlOrganisationRepository(engine).get(organisation_id)
    if organisation is None:
        fail(f"Organisation '{organisation_id}' nicht gefunden in {safe(db)}.")
    return organisation, SqlResidenceRepository(engine)


def _analyst(db: str) -> ResidenceAnalyst:
    from matcher.reference import load_reference_data
    from matcher.settings import MatcherSettings
    from service.residences import ResidenceAnalyst
    from service.routing import routing_client

    settings = settings_for(db)
    reference = load_reference_data(settings.resolved_data_dir())
    return ResidenceAnalyst(reference, MatcherSettings().transit, settings.residence_k, routing_client(settings))


@app.command("import")
def import_residences(
    organisation_id: OrganisationArgument,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True,
            help="CSV (PLZ,Anzahl oder eine Zeile je Person mit PLZ; jede Kodierung, ';', ',' oder Tab) oder XLSX",
        ),
    ],
    db: DbOption = DEFAULT_DATABASE_URL,
) -> None:  # fmt: skip
    """Wohnorte der Beschäftigten einer Organisation hochladen (ersetzt das bisherige Hochladen).

    Alles oder nichts: jede fehlerhafte Zeile (z. B. unbekannte Postleitzahl) wird mit Wert genannt und nichts
    gespeichert. Gespeichert werden nur Anzahlen je Postleitzahl; Verkehrsmittel und Schicht werden nach dem
    Zählen verworfen.
    """
    from service.residences import ResidenceUploadError, TooManyRowsError, read_residence_file

    organisation, residences = _open(db, organisation_id)
    analyst = _analyst(db)
    settings = settings_for(db)
    typer.echo(f"Prüfe {file} …", err=True)
    try:
        with file.open("rb") as source:
            counts, info = read_residence_file(source, file.name, analyst.known_postcodes, settings.residence_max_rows)
    except TooManyRowsError as error:
        fail(str(error))
    except ResidenceUploadError as error:
        typer.secho(
            f"Nicht gespeichert: {count_noun(error.count, 'Fehler', 'Fehler')}; das bisherige Hochladen gilt weiter.",
            fg=typer.colors.RED, err=True,
        )  # fmt: skip
        for problem in error.problems[:_SHOWN_ERRORS]:
            where = f"Zeile {problem.row}: " if problem.row is not None else ""
            typer.echo(f"  {where}{problem.message}", err=True)
        if error.count > _SHOWN_ERRORS:
            typer.echo(f"  … und {german_int(error.count - _SHOWN_ERRORS)} weitere", err=True)
        raise typer.Exit(code=1) from None
    residences.replace(organisation.id, counts)
    read = ", ".join(part for part in (info.format and info.format.upper(), info.encoding, info.delimiter) if part)
    typer.echo(
        f"Wohnorte von '{organisation.id}' gespeichert: {count_noun(counts.total, 'Person', 'Personen')} in "
        f"{count_noun(len(counts.postcodes), 'Postleitzahl', 'Postleitzahlen')} ({read})."
    )
    for warning in info.warnings:
        typer.echo(f"Hinweis: {warning}", err=True)


@app.command("delete")
def delete_residences(organisation_id: OrganisationArgument, db: DbOption = DEFAULT_DATABASE_URL) -> None:
    """Die gespeicherten Wohnorte einer Organisation löschen."""
    organisation, residences = _open(db, organisation_id)
    if not residences.delete(organisation.id):
        fail(f"Für '{organisation.id}' sind keine Wohnorte gespeichert.")
    typer.echo(f"Wohnorte von '{organisation.id}' gelöscht.")


@app.command("analysis")
def analysis(
    organisation_id: OrganisationArgument,
    db: DbOption = DEFAULT_DATABASE_URL,
    output: Annotated[
        AnalysisOutput, typer.Option("--format", case_sensitive=False, help="text, json oder geojson (für QGIS)")
    ] = AnalysisOutput.TEXT,
    out: Annotated[Path | None, typer.Option(dir_okay=False, help="Ausgabedatei (Standard: stdout)")] = None,
) -> None:
    """Wohnstandortanalyse einer Organisation (wie GET /api/v1/organisations/{id}/residences/analysis).

    Keine Zelle zeigt 1 … k−1 Personen (k aus BMM_RESIDENCE_K, mindestens 5).
    """
    organisation, residences = _open(db, organisation_id)
    stored = residences.get(organisation.id)
    if stored is None:
        fail(f"Für '{organisation.id}' sind keine Wohnorte gespeichert; hochladen mit 'bmm residences import'.")
    analyst = _analyst(db)
    answer = analyst.analysis(organisation, stored)
    if output is AnalysisOutput.TEXT:
        text = "\n".join(analysis_text(organisation, answer)) + "\n"
    else:
        document = analyst.geojson(answer) if output is AnalysisOutput.GEOJSON else answer
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Geschrieben: {out}", err=True)


def _cell(cell: dict[str, Any]) -> str:
    if cell["suppressed"]:
        return "unter k"
    percent = "" if cell["share"] is None else f" ({german_number(round(cell['share'] * 100, 1))} %)"
    return f"{german_int(cell['count'])}{percent}"


_POTENTIALS = {
    "walk": "zu Fuß",
    "bike": "Fahrrad",
    "pedelec": "Pedelec",
    "transit": "ÖPNV",
    "carpool": "Fahrgemeinschaft",
}


def analysis_text(organisation: Organisation, answer: dict[str, Any]) -> list[str]:
    """The analysis as German text: bands, potentials, top origins (the k rule already applied)."""
    assumptions = answer["assumptions"]
    lines = [
        f"Wohnstandortanalyse {organisation.name} ({organisation.id}), Stand {answer['uploaded_at'][:10]}",
        f"{count_noun(answer['total'], 'Person', 'Personen')}; Zellen unter {answer['k']} Personen werden nicht "
        "gezeigt.",
        f"Entfernung: {assumptions['distance']} (Umwegfaktor {german_number(assumptions['detour_factor'])}).",
        "",
        "Entfernungsbänder",
    ]
    rows: list[tuple[str, ...]] = [("von km", "bis km", "Personen")]
    for band in answer["bands"]:
        to_km = "" if band["to_km"] is None else german_number(band["to_km"])
        rows.append((german_number(band["from_km"]), to_km, _cell(band)))
    lines += [*format_table(rows, right=(True, True, True)), "", "Potenziale"]
    rows = [("Verkehrsmittel", "Personen")]
    rows += [(label, _cell(answer["potentials"][mode])) for mode, label in _POTENTIALS.items()]
    lines += [*format_table(rows, right=(False, True)), "", "Wohnorte (PLZ mit mindestens k Personen)"]
    rows = [("PLZ", "Gemeinde", "Personen", "km", "ÖV-Klasse")]
    for origin in answer["origins"]:
        rows.append((origin["postcode"], origin["municipality"], _cell({**origin, "suppressed": False}),
                     german_number(origin["distance_km"]), origin["transit_class"]))  # fmt: skip
    rows.append(("übrige", "", _cell(answer["other_origins"]), "", ""))
    lines += format_table(rows, right=(False, False, True, True, False))
    return lines
