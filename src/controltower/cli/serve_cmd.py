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

Before anything else it checks that it can listen where asked, binding the address as
uvicorn will (:func:`listen_problem`): a port in use, a host name that does not resolve
or an address this machine does not have is one line and exit 1, and nothing has been
printed that says it is serving.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import typer

from controltower.cli.console import database_problems, errors_console
from controltower.cli.options import resolve_settings

if TYPE_CHECKING:
    from controltower.settings import Settings

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


def listen_problem(host: str, port: int) -> str | None:
    """Why a server could not listen on ``host`` port ``port``, or None when it can.

    Checked as uvicorn's event loop binds (asyncio's ``create_server``): every address
    ``host`` resolves to, with ``SO_REUSEADDR`` (so a port only lingering after a closed
    connection is free, one another program listens on is not) and IPv6 sockets
    IPv6-only; the probes are closed before the server binds.
    """
    try:
        found = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except (socket.gaierror, UnicodeError):
        return (
            f"the host name {host} does not resolve: give --host an address or a name of this "
            "machine (127.0.0.1 by default)"
        )
    for family, kind, proto, _name, address in found:
        try:
            probe = socket.socket(family, kind, proto)
        except OSError:  # a family this machine does not offer: skipped, as asyncio does
            continue
        with probe:
            try:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                probe.bind(address)
            except OSError as exc:
                return _bind_problem(host, port, exc)
    return None


def _bind_problem(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use: stop what uses it or pick another with --port"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: give --host one of its addresses"
    if error.errno == errno.EACCES:
        return (
            f"port {port} on {host} needs privileges this user does not have: pick a port "
            "from 1024 up with --port"
        )
    return f"cannot listen on {host} port {port}: {(error.strerror or str(error)).lower()}"


def listen_or_exit(host: str, port: int) -> None:
    """Exit 1 with one line when the server could not listen on ``host`` port ``port``."""
    problem = listen_problem(host, port)
    if problem is not None:
        errors_console().print(f"Error: {problem}", markup=False)
        raise typer.Exit(code=1)


def serve_settings_and_run(
    *,
    database_url: str | None,
    host: str,
    port: int,
    behind_proxy: bool | None = None,
    workers: int | None = None,
) -> None:
    """Migrate the database to the current schema, check who can sign in, then serve
    until interrupted (exit 1 when :func:`start_check` refuses)."""
    from controltower.storage.database import migrate

    settings = resolve_settings(
        database_url=database_url,
        host=host,
        port=port,
        behind_proxy=behind_proxy,
        workers=workers,
    )
    listen_or_exit(settings.host, settings.port)
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

    processes = "" if settings.workers == 1 else f" in {settings.workers} processes"
    typer.secho(
        f"Control Tower is serving on http://{settings.host}:{settings.port}{processes}  "
        "(Ctrl+C stops it)",
        fg=typer.colors.GREEN,
        err=True,
    )
    if settings.workers == 1:
        uvicorn.run(
            create_app(settings), host=settings.host, port=settings.port, log_level="warning"
        )
        return
    # each worker process builds its own app from the environment it inherits: the
    # settings this command resolved (its flags, the allowed hosts it worked out) go there
    os.environ.update(worker_environment(settings))
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_level="warning",
    )


#: what each of several server processes imports and calls to build its app (with no
#: argument: :class:`~controltower.settings.Settings` from the environment)
APP_FACTORY: Final = "controltower.bootstrap:create_app"


def worker_environment(settings: Settings) -> dict[str, str]:
    """The environment under which ``Settings()`` in a server process started by
    ``serve --workers`` reads what ``settings`` says of the server: what a flag can set
    and what ``serve`` works out. The rest each process reads from the environment it
    inherits, as this command did."""
    return {
        "DATABASE_URL": settings.database_url,
        "CONTROLTOWER_HOST": settings.host,
        "CONTROLTOWER_PORT": str(settings.port),
        "CONTROLTOWER_WORKERS": str(settings.workers),
        "CONTROLTOWER_BEHIND_PROXY": "true" if settings.behind_proxy else "false",
        "CONTROLTOWER_ALLOWED_HOSTS": ",".join(settings.allowed_hosts or ()),
    }


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
        port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
        behind_proxy: bool = typer.Option(
            False,
            "--behind-proxy",
            help="A TLS proxy is in front: no warning about plain HTTP beyond loopback "
            "(also CONTROLTOWER_BEHIND_PROXY=1).",
        ),
        workers: int | None = typer.Option(
            None,
            "--workers",
            min=1,
            help="Processes serving requests, one per core to use them all "
            "(default: $CONTROLTOWER_WORKERS, else 1).",
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
            workers=workers,
        )
