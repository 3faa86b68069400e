"""``controltower sync odoo``: read an Odoo database into the stored picture.

The connection comes from ``--url``, ``--db``, ``--login`` and ``--api-key`` or from
``ODOO_URL``, ``ODOO_DB``, ``ODOO_LOGIN`` and ``ODOO_API_KEY``; the key (an Odoo API key,
or the password) is never printed, logged or shown in ``--help``. The first run reads
everything with a progress bar; later runs read what changed since the last complete
one; ``--full`` reads everything again. What Odoo lacks (pick capacity, transfer lanes,
tier tags...) comes from ``--settings FILE`` (or ``ODOO_SETTINGS``), see
``docs/odoo.md``.

Records that cannot be mapped are listed on standard error with their model and id; the
rest is stored. Then, as after ``import``, the stored picture is scanned as of today
(``--no-scan`` leaves that to ``scan --db`` or the worker). A failure (Odoo unreachable,
a refused login, no access) is one line on standard error and exit status 1, and the
stored picture stays as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from controltower.cli.console import (
    database_problems,
    errors_console,
    output_console,
    policy_or_exit,
    progress_display,
)
from controltower.cli.options import (
    DatabaseUrlOption,
    NoScanOption,
    ScanPolicyOption,
    resolve_settings,
    usage_error,
)

if TYPE_CHECKING:
    from controltower.cli.odoo_sync import SyncSummary
    from controltower.connectors.odoo.client import OdooConnection
    from controltower.connectors.odoo.settings import OdooSettings

UrlOption = Annotated[
    str,
    typer.Option(
        "--url",
        envvar="ODOO_URL",
        metavar="URL",
        help="Odoo's address, e.g. https://erp.example.com.",
        show_default=False,
    ),
]
DbOption = Annotated[
    str,
    typer.Option(
        "--db", envvar="ODOO_DB", metavar="NAME", help="The Odoo database.", show_default=False
    ),
]
LoginOption = Annotated[
    str,
    typer.Option(
        "--login",
        envvar="ODOO_LOGIN",
        metavar="LOGIN",
        help="The Odoo user to read as.",
        show_default=False,
    ),
]
ApiKeyOption = Annotated[
    str,
    typer.Option(
        "--api-key",
        envvar="ODOO_API_KEY",
        metavar="KEY",
        help="That user's API key (or password); prefer $ODOO_API_KEY, kept out of the shell history.",
        show_default=False,
        show_envvar=False,
    ),
]
ProtocolOption = Annotated[
    str,
    typer.Option("--protocol", metavar="jsonrpc|xmlrpc", help="Odoo's external API to use."),
]
TimeoutOption = Annotated[
    float,
    typer.Option("--timeout", metavar="SECONDS", min=1.0, help="Longest wait for one answer."),
]
GiveUpOption = Annotated[
    float,
    typer.Option(
        "--give-up-after",
        metavar="SECONDS",
        min=0.0,
        help="Keep retrying passing failures (connection lost, 502/503/504) this long.",
    ),
]
SettingsOption = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        envvar="ODOO_SETTINGS",
        metavar="FILE",
        help="Connector settings (TOML): pick capacity, transfer lanes, tags, locations.",
        show_default=False,
    ),
]

sync_app = typer.Typer(
    name="sync", help="Read an ERP into the stored picture.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the ``sync`` command group to ``app``."""
    app.add_typer(sync_app, name="sync")


def connection_or_exit(
    url: str, db: str, login: str, api_key: str, protocol: str, timeout: float, give_up_after: float
) -> OdooConnection:
    """The connection, or one clear line and exit 2 for options that cannot work."""
    from urllib.parse import urlsplit

    from controltower.connectors.odoo.client import OdooConnection, RetryPolicy

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors_console().print(
            f"Error: --url must be Odoo's address starting with http:// or https://, not {url!r}",
            markup=False,
        )
        raise typer.Exit(code=2)
    if protocol not in ("jsonrpc", "xmlrpc"):
        errors_console().print(
            f"Error: --protocol must be jsonrpc or xmlrpc, not {protocol!r}", markup=False
        )
        raise typer.Exit(code=2)
    first = min(0.5, give_up_after) or 0.01
    return OdooConnection(
        url=url.strip(),
        db=db,
        login=login,
        api_key=api_key,
        protocol="xmlrpc" if protocol == "xmlrpc" else "jsonrpc",
        timeout=timeout,
        retry=RetryPolicy(
            give_up_after=give_up_after, first_delay=first, max_delay=max(first, 8.0)
        ),
    )


def settings_or_exit(path: Path | None) -> OdooSettings:
    from controltower.connectors.odoo.settings import OdooSettingsError, load_odoo_settings

    try:
        return load_odoo_settings(path)
    except OdooSettingsError as error:
        errors_console().print(f"Error: {error}", markup=False)
        raise typer.Exit(code=1) from error


@sync_app.command("odoo")
def sync_odoo_command(
    url: UrlOption,
    db: DbOption,
    login: LoginOption,
    api_key: ApiKeyOption,
    full: Annotated[
        bool, typer.Option("--full", help="Read everything again, not only what changed.")
    ] = False,
    settings_file: SettingsOption = None,
    protocol: ProtocolOption = "jsonrpc",
    timeout: TimeoutOption = 30.0,
    give_up_after: GiveUpOption = 60.0,
    replace_all: Annotated[
        bool,
        typer.Option(
            "--replace-all",
            help="Replace every stored picture, even of companies Odoo does not hold.",
        ),
    ] = False,
    database_url: DatabaseUrlOption = None,
    policy_file: ScanPolicyOption = None,
    no_scan: NoScanOption = False,
) -> None:
    """Sync an Odoo database: everything the first time, then what changed; then scan it.

    The stored scan runs as of today, as after an import; --no-scan leaves it to
    `scan --db` (or the worker).
    """
    from datetime import date

    from controltower.cli.dataset_cmds import scan_after_storing
    from controltower.cli.odoo_sync import sync_odoo
    from controltower.connectors.odoo.errors import OdooError

    if no_scan and policy_file is not None:
        usage_error("--policy: --no-scan stores the picture unscanned; leave the option out")
    connection = connection_or_exit(url, db, login, api_key, protocol, timeout, give_up_after)
    settings = settings_or_exit(settings_file)
    policy = None if no_scan else policy_or_exit(policy_file)
    database = resolve_settings(database_url=database_url).database_url
    errors = errors_console()
    try:
        with database_problems(database), progress_display() as bar:
            reading = bar.add_task("Reading Odoo", total=None)
            counts = {"records": 0}

            def read(model: str, arrived: int) -> None:
                counts["records"] += arrived
                bar.update(reading, description=f"Reading {model}", completed=counts["records"])

            storing = bar.add_task("Storing", total=None, visible=False)

            def store(name: str, done: int, total: int) -> None:
                bar.update(
                    storing,
                    visible=True,
                    description=f"Storing {name}",
                    completed=done,
                    total=total,
                )

            summary = sync_odoo(
                connection,
                settings,
                database,
                full=full,
                replace_all=replace_all,
                progress=read,
                storing=store,
            )
    except OdooError as error:
        errors.print(f"Error: {error}", markup=False)
        errors.print("Nothing was stored; the last synced picture is unchanged.", markup=False)
        raise typer.Exit(code=1) from error
    _report(summary)
    if policy is not None:
        scan_after_storing(database, summary.picture.companies[0], date.today(), policy)


def _report(summary: SyncSummary) -> None:
    errors = errors_console()
    for warning in summary.warnings:
        errors.print(f"warning: {warning}", markup=False)
    for line in summary.unmapped:
        errors.print(f"not mapped: {line}", markup=False)
    read = sum(summary.records_read.values())
    changed = sum(summary.changed.values())
    kind = "Full sync" if summary.full else "Sync"
    counts = ", ".join(
        f"{count:,} {name.replace('_', ' ')}"
        for name, count in summary.picture.counts.items()
        if count
    )
    output = output_console()
    output.print(
        f"{kind} of {summary.source.removeprefix('odoo:')}: {read:,} records read, "
        f"{changed:,} new or changed; stored picture {summary.picture.picture_id} ({counts}).",
        markup=False,
        soft_wrap=True,
    )
    if summary.remapped_because:
        output.print(
            f"The whole mirror was mapped again: {summary.remapped_because}.", markup=False
        )
    if summary.unmapped:
        output.print(
            f"{len(summary.unmapped):,} records could not be mapped (listed on standard error).",
            markup=False,
        )
