"""Options shared by several commands: settings from flags over the environment, the
as-of date, and refusing options a command would otherwise ignore."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from controltower.settings import Settings


#: ``--database-url``, the same on every command that opens the database
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        metavar="URL",
        help="Database URL (default: $DATABASE_URL, else ./controltower.db).",
        show_default=False,
    ),
]

#: ``--policy`` of a command that stores a picture and then scans it
ScanPolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        metavar="FILE",
        help="Policy TOML file for the scan, overriding the defaults.",
    ),
]

#: ``--no-scan`` of a command that stores a picture and then scans it
NoScanOption = Annotated[
    bool,
    typer.Option(
        "--no-scan",
        help="Store the picture without scanning it (until `scan --db`, the pages and "
        "the API show no scan).",
    ),
]

#: ``--as-of``, the same on every command that takes it: today when left out
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="Analyse the picture as of this date, YYYY-MM-DD (default: today).",
        show_default=False,
    ),
]


def resolve_settings(*, database_url: str | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, with every flag the user gave taking precedence.

    A setting the environment gets wrong, or a database URL that is malformed or names
    a kind of database Control Tower does not use, is one line on standard error and
    exit 2; whether the database can be reached is found out when it is used.
    """
    from pydantic import ValidationError

    from controltower.settings import Settings, normalise_database_url
    from controltower.storage.database import DatabaseUrlError, check_database_url

    values: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "a setting"
        source = f"--{where.replace('_', '-')}" if where in values else _setting_source(where)
        usage_error(f"setting {where} ({source}): {problem['msg']}")
    url = settings.database_url if database_url is None else database_url
    source = "--database-url" if database_url is not None else "$DATABASE_URL"
    try:
        check_database_url(url)
    except DatabaseUrlError as exc:
        usage_error(f"{source}: {exc}")
    return settings.model_copy(update={"database_url": normalise_database_url(url.strip())})


def _setting_source(name: str) -> str:
    """Where a setting comes from when no flag gives it."""
    # DATABASE_URL, SMTP_URL, NOTIFY_FROM, NOTIFY_WEBHOOK_SECRET are read by that name
    return f"${name}" if name.isupper() else f"$CONTROLTOWER_{name.upper()}"


def as_of_or_today(value: str | None) -> date:
    """``--as-of`` as a date, or today (the machine's local date) when left out; a bad
    date is a usage error naming the option."""
    if value is None:
        return date.today()
    from controltower.cli.scan_cmd import parse_as_of

    try:
        return parse_as_of(value)
    except typer.BadParameter as exc:
        raise typer.BadParameter(exc.message, param_hint="'--as-of'") from exc


def given_on_command_line(ctx: typer.Context, names: Sequence[str]) -> list[str]:
    """The flags among ``names`` (parameter names) typed on the command line, as typed
    (``--company``); options left at their default or taken from the environment are not."""
    given: list[str] = []
    for name in names:
        source = ctx.get_parameter_source(name)
        if source is not None and source.name == "COMMANDLINE":
            param = next(p for p in ctx.command.params if p.name == name)
            given.append(max(param.opts, key=len))
    return given


def refuse_unused(ctx: typer.Context, names: Sequence[str], why: str) -> None:
    """Exit 2 with one line when any of ``names`` was typed: ``why`` says what the command
    does instead, and so why the option would be ignored."""
    given = given_on_command_line(ctx, names)
    if given:
        noun = "option" if len(given) == 1 else "options"
        usage_error(f"{_joined(given)}: {why}; leave the {noun} out")


def usage_error(message: str) -> NoReturn:
    """One line on standard error, ``Error: message``, and exit 2 (a bad command line)."""
    from controltower.cli.console import errors_console

    errors_console().print(f"Error: {message}", markup=False)
    raise typer.Exit(code=2)


def _joined(flags: Sequence[str]) -> str:
    if len(flags) == 1:
        return flags[0]
    return ", ".join(flags[:-1]) + " and " + flags[-1]
