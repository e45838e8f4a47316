"""The one place that makes typer and click speak German: their gettext lookups and rich help titles.

Click and typer translate their built-in texts with ``gettext``/``ngettext`` bound at import time as
``_`` and ``ngettext`` in each of their modules; :func:`install` rebinds those names to a lookup in
:data:`MESSAGES` (an unknown text stays as it is) and sets typer's rich panel titles. Idempotent.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

MESSAGES: dict[str, str] = {
    "Usage:": "Aufruf:",
    "Options": "Optionen",
    "Commands": "Befehle",
    "Arguments": "Argumente",
    "Positional arguments": "Argumente",
    "Error": "Fehler",
    "Error: {message}": "Fehler: {message}",
    "Aborted!": "Abgebrochen!",
    "Aborted.": "Abgebrochen.",
    "Show this message and exit.": "Diese Hilfe anzeigen und beenden.",
    "Show the version and exit.": "Die Version anzeigen und beenden.",
    "Try '{command} {option}' for help.": "Hilfe mit '{command} {option}'.",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "Hilfe mit [blue]'{command_path} {help_option}'[/].",
    "Missing argument": "Fehlendes Argument",
    "Missing option": "Fehlende Option",
    "Missing parameter": "Fehlende Angabe",
    "Missing {param_type}": "{param_type} fehlt",
    "Missing parameter: {param_name}": "Fehlende Angabe: {param_name}",
    "Missing command.": "Befehl fehlt.",
    "argument": "Argument",
    "option": "Option",
    "parameter": "Angabe",
    "No such command {name!r}.": "Unbekannter Befehl {name!r}.",
    "No such option: {name}": "Unbekannte Option: {name}",
    "No such option {name!r}.": "Unbekannte Option {name!r}.",
    "Did you mean {possibility}?": "Meinten Sie {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Meinten Sie eine von: {possibilities}?)",
    "Invalid value for {param_hint}: {message}": "Ungültiger Wert für {param_hint}: {message}",
    "Invalid value: {message}": "Ungültiger Wert: {message}",
    "Option {name!r} does not take a value.": "Option {name!r} nimmt keinen Wert.",
    "Option {name!r} requires an argument.": "Option {name!r} braucht einen Wert.",
    "Option {name!r} requires {nargs} arguments.": "Option {name!r} braucht {nargs} Werte.",
    "Got unexpected extra argument ({args})": "Unerwartetes zusätzliches Argument ({args})",
    "Got unexpected extra arguments ({args})": "Unerwartete zusätzliche Argumente ({args})",
    "Argument {name!r} takes {nargs} values.": "Argument {name!r} nimmt {nargs} Werte.",
    "Takes {nargs} values but 1 was given.": "Nimmt {nargs} Werte, angegeben ist 1.",
    "Takes {nargs} values but {len} were given.": "Nimmt {nargs} Werte, angegeben sind {len}.",
    "{value!r} is not {choice}.": "{value!r} ist nicht {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} ist keiner der Werte {choices}.",
    "{value!r} is not a valid {number_type}.": "{value!r} ist keine gültige {number_type}.",
    "integer": "ganze Zahl",
    "float": "Zahl",
    "{value} is not in the range {range}.": "{value} liegt nicht im Bereich {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} ist kein Wahrheitswert. Erlaubt: {states}"
    ),
    "{value!r} does not match the format {format}.": "{value!r} hat nicht das Format {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} hat keines der Formate {formats}.",
    "{value!r} is not a valid UUID.": "{value!r} ist keine gültige UUID.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} gibt es nicht.",
    "{name} {filename!r} is a file.": "{name} {filename!r} ist eine Datei.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} ist ein Ordner.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} ist nicht lesbar.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} ist nicht beschreibbar.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} ist nicht ausführbar.",
    "Could not open file {filename!r}: {message}": "Datei {filename!r} lässt sich nicht öffnen: {message}",
    "File": "Datei",
    "Directory": "Ordner",
    "Path": "Pfad",
    "file": "Datei",
    "directory": "Ordner",
    "path": "Pfad",
    "default: {default}": "Standard: {default}",
    "[default: {}]": "[Standard: {}]",
    "env var: {var}": "Umgebungsvariable: {var}",
    "[env var: {}]": "[Umgebungsvariable: {}]",
    "required": "Pflicht",
    "[required]": "[Pflicht]",
    "(dynamic)": "(dynamisch)",
    "deprecated": "veraltet",
    "(deprecated) ": "(veraltet) ",
    "Choose from:\n\t{choices}": "Zur Wahl:\n\t{choices}",
    "Do you want to continue?": "Fortfahren?",
    "Confirm the action without prompting.": "Ohne Rückfrage bestätigen.",
    "Repeat for confirmation": "Zur Bestätigung wiederholen",
    "Error: The two entered values do not match.": "Fehler: Die beiden Eingaben stimmen nicht überein.",
    "Error: invalid input": "Fehler: ungültige Eingabe",
    "Press any key to continue...": "Weiter mit beliebiger Taste …",
    "unknown error": "unbekannter Fehler",
}

# typer >= 0.29 vendors click (typer._click) with English f-strings instead of gettext: its final error
# messages are translated by pattern (first match wins; the rest of the message stays as it is).
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), german)
    for pattern, german in (
        (r"^Missing argument (\S+)\.", r"Fehlendes Argument \1."),
        (r"^Missing option (\S+)\.", r"Fehlende Option \1."),
        (r"Choose from:", "Zur Wahl:"),
        (r"^Missing parameter: (.+)$", r"Fehlende Angabe: \1"),
        (r"^No such option: (\S+)", r"Unbekannte Option: \1"),
        (r"\(Possible options: (.+)\)", r"(Mögliche Optionen: \1)"),
        (r"^No such command (.+)\.$", r"Unbekannter Befehl \1."),
        (r"^Invalid value for (.+?): ", r"Ungültiger Wert für \1: "),
        (r"^Invalid value: ", "Ungültiger Wert: "),
        (r"Value error, ", ""),
        (r"(.+) is not one of (.+)\.", r"\1 ist keiner der Werte \2."),
        (r"(.+) is not in the range (.+)\.", r"\1 liegt nicht im Bereich \2."),
        (r"Value (.+) is not a valid integer\.", r"\1 ist keine ganze Zahl."),
        (r"Value (.+) is not a valid float\.", r"\1 ist keine Zahl."),
        (r"Value (.+) is not a valid (.+)\.", r"\1 ist kein gültiger Wert (\2)."),
        (r"(?i:file) (.+) does not exist\.", r"Datei \1 gibt es nicht."),
        (r"(?i:directory) (.+) does not exist\.", r"Ordner \1 gibt es nicht."),
        (r"(?i:path) (.+) does not exist\.", r"Pfad \1 gibt es nicht."),
        (r"Input should be a valid integer.*$", "keine ganze Zahl."),
        (r"Input should be a valid number.*$", "keine Zahl."),
        (r"^File ", "Datei "),
        (r"^Directory ", "Ordner "),
        (r"^Path ", "Pfad "),
        (r" is a directory\.", " ist ein Ordner."),
        (r"^Option (.+) requires an argument\.$", r"Option \1 braucht einen Wert."),
        (r"^Got unexpected extra argument\(s\) \((.+)\)$", r"Unerwartete zusätzliche Argumente (\1)"),
    )
)

HELP_OPTION_TEXT = "Diese Hilfe anzeigen und beenden."


def translate(message: str) -> str:
    """German for a finished click/typer error message (applies every matching pattern in turn)."""
    for pattern, german in PATTERNS:
        message = pattern.sub(german, message)
    return message


_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.termui",
    "click.types",
    "click.utils",
    "typer.core",
    "typer.rich_utils",
)


def gettext(message: str) -> str:
    """German for a click/typer text (the text itself when there is none)."""
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """German singular or plural for a click/typer text."""
    return gettext(singular if count == 1 else plural)


def install() -> None:
    """Make click and typer speak German (help titles, usage, built-in errors)."""
    import typer.rich_utils as rich_utils

    for name in _MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
    _install_vendored(rich_utils)
    rich_utils.OPTIONS_PANEL_TITLE = "Optionen"
    rich_utils.COMMANDS_PANEL_TITLE = "Befehle"
    rich_utils.ARGUMENTS_PANEL_TITLE = "Argumente"
    rich_utils.ERRORS_PANEL_TITLE = "Fehler"
    rich_utils.ABORTED_TEXT = "Abgebrochen."
    rich_utils.RICH_HELP = gettext("Try [blue]'{command_path} {help_option}'[/] for help.")
    rich_utils.DEFAULT_STRING = "[Standard: {}]"
    rich_utils.ENVVAR_STRING = "[Umgebungsvariable: {}]"
    rich_utils.REQUIRED_LONG_STRING = "[Pflicht]"
    rich_utils.DEPRECATED_STRING = "(veraltet) "


def _install_vendored(rich_utils: Any) -> None:
    """German usage prefix, help-option text and error messages for typer's vendored click."""
    try:
        from typer._click import core, formatting
    except ImportError:  # an older typer uses click itself, covered by the gettext names above
        return
    if getattr(rich_utils.rich_format_error, "_german", False):
        return
    original_usage = formatting.HelpFormatter.write_usage

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        original_usage(self, prog, args, "Aufruf: " if prefix is None else prefix)

    original_help_option = core.Command.get_help_option

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original_help_option(self, ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    original_format_error = rich_utils.rich_format_error

    def rich_format_error(error: Any) -> None:
        english = error.format_message()
        error.format_message = lambda: translate(english)
        original_format_error(error)

    rich_format_error._german = True  # type: ignore[attr-defined]
    formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]
    core.Command.get_help_option = get_help_option  # type: ignore[method-assign]
    rich_utils.rich_format_error = rich_format_error
