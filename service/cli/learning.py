"""``bmm learn``: fit the re-ranker on the advisors' feedback, store it as a version, roll back or switch off."""

from __future__ import annotations

from typing import Annotated

import typer

from service.cli.common import DbOption, existing_repository, fail, safe
from service.config import DEFAULT_DATABASE_URL

app = typer.Typer()


@app.command()
def learn(
    db: DbOption = DEFAULT_DATABASE_URL,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="anpassen und bewerten, aber nichts speichern (nichts ändert sich)")
    ] = False,
    min_events: Annotated[
        int, typer.Option("--min-events", min=1, help="Mindestzahl Rückmeldungen je Eintrag und Segment")
    ] = 20,
    rollback: Annotated[
        bool, typer.Option("--rollback", help="zur vorigen Version zurück (die ausgelieferte wird abgeschaltet)")
    ] = False,
    disable: Annotated[
        bool, typer.Option("--disable", help="gelernte Anpassungen abschalten, bis wieder gelernt wird")
    ] = False,
) -> None:
    """Aus den Rückmeldungen zu Empfehlungen lernen (Maßnahmen, Förderung, Partner, Beratung je Segment).

    Gibt Kennzahlen vorher/nachher auf zurückgehaltenen Listen und die größten Änderungen aus und speichert die
    Anpassungen als neue Version; laufende Dienste übernehmen sie binnen Sekunden."""
    from matcher.learning.fitting import LearningSettings
    from matcher.learning.report import summary_lines
    from service.cli.tables import format_table
    from service.learning import fit_from_store
    from service.storage.learning import NoActiveVersionError, SqlLearningStore
    from service.storage.sql_repository import SqlOrganisationRepository

    if sum((dry_run, rollback, disable)) > 1:
        fail("--dry-run, --rollback und --disable schließen sich gegenseitig aus.", code=2)
    repository = existing_repository(db)
    assert isinstance(repository, SqlOrganisationRepository)
    store = SqlLearningStore(repository.engine)
    if rollback or disable:
        try:
            if rollback:
                left, now = store.rollback()
                served = f"ausgeliefert wird jetzt Version {now}" if now else "keine gelernten Anpassungen mehr"
                typer.echo(f"Version {left} abgeschaltet; {served}.")
            else:
                was = store.disable()
                typer.echo(f"Gelernte Anpassungen abgeschaltet (war Version {was}); wieder an mit 'bmm learn'.")
        except NoActiveVersionError:
            fail("Keine aktive Version: es werden keine gelernten Anpassungen ausgeliefert.")
        return
    typer.echo(f"Lerne aus den Rückmeldungen in {safe(db)} …", err=True)
    result, data = fit_from_store(store, repository, LearningSettings(min_events=min_events))
    for line in summary_lines(result, _names(db), format_table):
        typer.echo(line)
    if data.unlinked:
        typer.echo(f"Nicht gezählt: {data.unlinked} Rückmeldungen ohne protokollierte Empfehlung des Eintrags.")
    if dry_run:
        typer.echo("Probelauf: nichts gespeichert.")
        return
    version = store.save(result)
    typer.echo(f"Gespeichert als Version {version}; laufende Dienste übernehmen sie binnen Sekunden.")


def _names(db: str) -> dict[tuple[str, str], str]:
    """Catalogue names of measures, programmes and advisors (peers stay ids: names are not needed here)."""
    from matcher.reference import load_reference_data
    from service.cli.common import settings_for

    catalog = load_reference_data(settings_for(db).resolved_data_dir()).catalog
    return {
        **{("measure", i): m.name_de for i, m in catalog.measures.items()},
        **{("funding", i): f.name for i, f in catalog.funding.items()},
        **{("advisor", i): a.name for i, a in catalog.advisors.items()},
    }
