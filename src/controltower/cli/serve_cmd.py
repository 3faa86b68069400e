"""``controltower serve``: run the web app and API against a database.

A server reachable from other machines must have somebody who can manage who signs in:
on any address but loopback (``127.0.0.0/8``, ``::1``, ``localhost``) it refuses to
start while no active administrator exists, and says how to add one. On loopback it
starts anyway, since only this machine can reach it, but says when nobody can sign in.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final

import typer

from controltower.cli.console import database_problems, errors_console
from controltower.cli.options import resolve_settings

#: the command that adds the first administrator, quoted in the refusal
ADD_ADMINISTRATOR: Final = "controltower user add admin --role administrator --password-stdin"


@dataclass(frozen=True, slots=True)
class StartCheck:
    """Whether the server may start, and what to tell whoever starts it."""

    #: why it must not start (None: it may)
    refusal: str | None = None
    #: a note worth a line when it starts
    hint: str | None = None


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach: 127.0.0.0/8, ::1 or localhost."""
    name = host.strip().lower().removeprefix("[").removesuffix("]")
    if name in ("localhost", "localhost."):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def start_check(host: str, *, administrator_exists: bool, anyone_can_sign_in: bool) -> StartCheck:
    """Whether to serve on ``host`` given who is stored (see the module's docstring)."""
    if not administrator_exists and not is_loopback(host):
        return StartCheck(
            refusal=f"refusing to serve on {host}, which other machines can reach, while no "
            "active administrator exists (nobody could manage who signs in). Add one first: "
            f"`{ADD_ADMINISTRATOR}` (the password is read from standard input), "
            "or serve on 127.0.0.1."
        )
    if not anyone_can_sign_in:
        return StartCheck(
            hint="Nobody can sign in until a person with a password is added: "
            f"`{ADD_ADMINISTRATOR}`."
        )
    return StartCheck()


def serve_settings_and_run(*, database_url: str | None, host: str, port: int) -> None:
    """Migrate the database to the current schema, check who can sign in, then serve
    until interrupted (exit 1 when :func:`start_check` refuses)."""
    from controltower.storage.database import migrate

    settings = resolve_settings(database_url=database_url, host=host, port=port)
    with database_problems(settings.database_url):
        migrate(settings.database_url)
        check = _check_people(settings.database_url, settings.host)
    errors = errors_console()
    if check.refusal is not None:
        errors.print(f"Error: {check.refusal}", markup=False)
        raise typer.Exit(code=1)
    if check.hint is not None:
        errors.print(check.hint, markup=False)
    import uvicorn

    from controltower.bootstrap import create_app

    typer.secho(
        f"Control Tower is serving on http://{settings.host}:{settings.port}  (Ctrl+C stops it)",
        fg=typer.colors.GREEN,
        err=True,
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


def _check_people(url: str, host: str) -> StartCheck:
    """:func:`start_check` for ``host`` on the people stored at ``url``."""
    from controltower.storage.database import make_engine, make_session_factory
    from controltower.storage.people import active_administrator_exists, anyone_can_sign_in

    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return start_check(
                host,
                administrator_exists=active_administrator_exists(session),
                anyone_can_sign_in=anyone_can_sign_in(session),
            )
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        database_url: str | None = typer.Option(
            None,
            "--database-url",
            help="Database URL (default: $DATABASE_URL, else ./controltower.db).",
        ),
        host: str = typer.Option(
            "127.0.0.1",
            help="Interface to listen on; beyond loopback only once an administrator exists.",
        ),
        port: int = typer.Option(8000, help="Port to listen on."),
    ) -> None:
        """Serve the web app and the API on the stored picture."""
        serve_settings_and_run(database_url=database_url, host=host, port=port)
