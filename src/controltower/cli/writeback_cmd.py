"""``controltower writeback odoo``: follow up the open cases in Odoo, where people work.

Without ``--apply`` it lists, one line per write, what it would write to Odoo (it
still logs in to read, but writes nothing, in Odoo or locally). With ``--apply`` it
makes those writes: one activity per Odoo record and user for the open cases that
concern the record, chatter notes as cases open and resolve, a helpdesk ticket for
customer-impacting cases when OCA's ``helpdesk_mgmt`` is installed, and activities
marked done once their cases are resolved. ``docs/odoo.md`` ("Write-back") says
which cases, and who gets them.

The connection options are ``sync odoo``'s; the database must hold a sync of that
Odoo database and a stored scan. Every write is logged with who ran it (``--by``, by
default the operating-system user). A failure is one line on standard error and exit
status 1; the writes made before it stay recorded, and running again carries on
without writing anything twice.
"""

from __future__ import annotations

from typing import Annotated

import typer

from controltower.cli.console import database_problems, errors_console, output_console
from controltower.cli.odoo_cmd import (
    ApiKeyOption,
    DbOption,
    GiveUpOption,
    LoginOption,
    ProtocolOption,
    SettingsOption,
    TimeoutOption,
    UrlOption,
    connection_or_exit,
    settings_or_exit,
)
from controltower.cli.options import DatabaseUrlOption, resolve_settings

writeback_app = typer.Typer(
    name="writeback",
    help="Write the open cases' follow-ups back to an ERP.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``writeback`` command group to ``app``."""
    app.add_typer(writeback_app, name="writeback")


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        return "unknown"


@writeback_app.command("odoo")
def writeback_odoo_command(
    url: UrlOption,
    db: DbOption,
    login: LoginOption,
    api_key: ApiKeyOption,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="Make the writes; without it they are only listed."),
    ] = False,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="LOGIN",
            help="Who the write log names (default: the operating-system user).",
            show_default=False,
        ),
    ] = None,
    settings_file: SettingsOption = None,
    protocol: ProtocolOption = "jsonrpc",
    timeout: TimeoutOption = 30.0,
    give_up_after: GiveUpOption = 60.0,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Follow up the open cases in Odoo: activities, chatter notes, tickets."""
    from controltower.cli.odoo_writeback import writeback_odoo
    from controltower.connectors.odoo.errors import OdooError

    connection = connection_or_exit(url, db, login, api_key, protocol, timeout, give_up_after)
    settings = settings_or_exit(settings_file)
    database = resolve_settings(database_url=database_url).database_url
    errors, output = errors_console(), output_console()
    made: list[str] = []

    def report(line: str) -> None:
        made.append(line)
        output.print(line, markup=False)

    try:
        with database_problems(database):
            summary = writeback_odoo(
                connection,
                settings,
                database,
                apply=apply,
                by=(by or "").strip() or _os_user(),
                report=report,
            )
    except OdooError as error:
        kept = f" ({len(made)} writes made before it are recorded)" if made else ""
        errors.print(f"Error: {error}{kept}", markup=False)
        raise typer.Exit(code=1) from error
    for warning in summary.warnings:
        errors.print(f"warning: {warning}", markup=False)
    where = summary.source.removeprefix("odoo:")
    count = len(summary.lines)
    noun = "write" if count == 1 else "writes"
    if not apply:
        for line in summary.lines:
            output.print(line, markup=False)
        closing = (
            f"Dry run: {count} {noun} to {where} planned, none made; add --apply to make them."
            if count
            else f"Nothing to write to {where}: its follow-ups are up to date."
        )
    else:
        closing = (
            f"{count} {noun} made to {where}."
            if count
            else f"Nothing to write to {where}: its follow-ups are up to date."
        )
    output.print(closing, markup=False, soft_wrap=True)
