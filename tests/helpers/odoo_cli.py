"""An Odoo command (``sync odoo``, ``writeback odoo``) run as a user runs it: the
connection options on the command line, the key in ``ODOO_API_KEY`` as the docs advise."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from controltower.cli.main import app


def connection_args(url: str, db: str, login: str, database_url: str) -> list[str]:
    """``--url --db --login --database-url`` for one Odoo and one Control Tower database."""
    return ["--url", url, "--db", db, "--login", login, "--database-url", database_url]


def run_odoo_command(command: str, connection: list[str], api_key: str, *extra: str) -> Result:
    """``controltower <command> odoo`` with ``connection`` (see :func:`connection_args`)."""
    return CliRunner().invoke(
        app, [command, "odoo", *connection, *extra], env={"ODOO_API_KEY": api_key}
    )
