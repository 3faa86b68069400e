"""``controltower serve``: run the web app and API against a database.

A server reachable from other machines must have somebody who can manage who signs in:
on any address but loopback (``127.0.0.0/8``, ``::1``, ``localhost``) it refuses to
start while no active administrator exists, and says how to add one. On loopback it
starts anyway, since only this machine can reach it, but says when nobody can sign in.

It answers only requests addressed to its own names (the ``Host`` header): a web page
elsewhere cannot point a name of its own at this machine (DNS rebinding) and read it.
The names are ``CONTROLTOWER_ALLOWED_HOSTS`` when set, else those of
:func:`default_allowed_hosts`. Beyond loopback the server speaks plain HTTP, so passwords
and session cookies cross the network in the clear unless a TLS proxy is in front: it
says so on standard error unless told one is (``--behind-proxy``).
"""

from __future__ import annotations

import ipaddress
import socket
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


#: the names of this machine's loopback interface, always answered
LOOPBACK_NAMES: Final = ("localhost", "127.0.0.1", "[::1]")

#: addresses meaning "every interface"
WILDCARD_ADDRESSES: Final = ("", "0.0.0.0", "::", "[::]")


def default_allowed_hosts(host: str) -> tuple[str, ...]:
    """The ``Host`` names a server bound to ``host`` answers when none are configured:
    the loopback names and ``host`` itself (an IPv6 address in brackets, as a ``Host``
    header writes it); bound to every interface, this machine's own names and the
    addresses they resolve to."""
    name = host.strip().lower()
    found: tuple[str, ...]
    if name in WILDCARD_ADDRESSES:
        found = (socket.gethostname(), socket.getfqdn(), *_own_addresses())
    elif ":" in name and not name.startswith("["):
        found = (f"[{name}]",)
    else:
        found = (name,)
    return tuple(dict.fromkeys((*LOOPBACK_NAMES, *(n.lower() for n in found if n))))


def _own_addresses() -> tuple[str, ...]:
    """The IPv4 addresses this machine's name resolves to (none when it does not)."""
    try:
        return tuple(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        return ()


def plain_http_warning(host: str, *, behind_proxy: bool) -> str | None:
    """The warning for a server other machines reach over plain HTTP (None: no need)."""
    if behind_proxy or is_loopback(host):
        return None
    return (
        f"Warning: serving plain HTTP on {host}, which other machines can reach: passwords "
        "and session cookies would cross the network unencrypted. Put a TLS proxy in front "
        "and pass --behind-proxy (or set CONTROLTOWER_BEHIND_PROXY=1)."
    )


def serve_settings_and_run(
    *, database_url: str | None, host: str, port: int, behind_proxy: bool | None = None
) -> None:
    """Migrate the database to the current schema, check who can sign in, then serve
    until interrupted (exit 1 when :func:`start_check` refuses)."""
    from controltower.storage.database import migrate

    settings = resolve_settings(
        database_url=database_url, host=host, port=port, behind_proxy=behind_proxy
    )
    if settings.allowed_hosts is None:
        settings = settings.model_copy(
            update={"allowed_hosts": default_allowed_hosts(settings.host)}
        )
    with database_problems(settings.database_url):
        migrate(settings.database_url)
        check = _check_people(settings.database_url, settings.host)
    errors = errors_console()
    if check.refusal is not None:
        errors.print(f"Error: {check.refusal}", markup=False)
        raise typer.Exit(code=1)
    if check.hint is not None:
        errors.print(check.hint, markup=False)
    warning = plain_http_warning(settings.host, behind_proxy=settings.behind_proxy)
    if warning is not None:
        errors.print(warning, markup=False)
    if not is_loopback(settings.host):
        errors.print(
            f"Answering requests addressed to {', '.join(settings.allowed_hosts or ())} "
            "(set CONTROLTOWER_ALLOWED_HOSTS to name others).",
            markup=False,
        )
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
        behind_proxy: bool = typer.Option(
            False,
            "--behind-proxy",
            help="A TLS proxy is in front: no warning about plain HTTP beyond loopback "
            "(also CONTROLTOWER_BEHIND_PROXY=1).",
        ),
    ) -> None:
        """Serve the web app and the API on the stored picture.

        Only requests addressed to the server's names are answered: set
        CONTROLTOWER_ALLOWED_HOSTS (comma separated) to the names people use.
        """
        serve_settings_and_run(
            database_url=database_url,
            host=host,
            port=port,
            behind_proxy=behind_proxy or None,
        )
