"""The ``bmm`` command line, one module per command group.

``database`` (init, demo, serve), ``models`` (fit, evaluate), ``learning`` (learn), ``transfer`` (import,
export), ``planning`` (clusters, brief), ``keys`` (``bmm keys create|list|revoke``), ``transit`` (``bmm transit
import|status|remove``, GTFS feeds) and ``residences`` (``bmm residences import|delete|analysis``); ``common``
holds the ``--db`` option and the helpers every group uses, ``tables`` the plain-text tables.

Adding a command group is one new module with its own ``app = typer.Typer(help=...)`` and one line here:
``app.add_typer(<module>.app, name="<group>")`` gives ``bmm <group> <command>`` (as ``keys``); without
``name`` the module's commands join the top level (as ``database``). Keep heavy imports inside the command
functions so ``bmm --help`` stays fast.
"""

from __future__ import annotations

import typer

from service.cli import database, german, keys, learning, models, planning, residences, transfer, transit

german.install()

app = typer.Typer(
    help=(
        "bmm-match: Matchmaking für Betriebliches Mobilitätsmanagement (BMM) in NRW und der Region Stuttgart.\n\n"
        "Typischer Start: 'bmm demo' füllt eine lokale SQLite-Datenbank mit synthetischen Demo-Organisationen, "
        "'bmm serve' startet den HTTP-Dienst unter http://127.0.0.1:8000."
    ),
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(database.app)
app.add_typer(models.app)
app.add_typer(learning.app)
app.add_typer(transfer.app)
app.add_typer(planning.app)
app.add_typer(keys.app, name="keys")
app.add_typer(transit.app, name="transit")
app.add_typer(residences.app, name="residences")


def main() -> None:
    app(prog_name="bmm")
