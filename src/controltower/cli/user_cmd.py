"""``controltower user``: add, change and list the people who use Control Tower, and
issue their API tokens (see ``docs/people.md``).

A password is never taken as a command-line argument (it would stay in the shell's
history and show in the process list): ``--password-stdin`` reads the first line of
standard input, and ``user add`` on a terminal asks for it twice without echoing. A
password is never printed. An API token is printed once, alone on standard output, so
it can be piped into a secret store; only its digest is kept.

Codes nobody knows (a warehouse no stored picture has, a team the routing policy never
places a case with) are warnings on standard error, not errors (``user_checks``). Any
refusal is one line on standard error and exit status 1; a bad command line (an unknown
role, options that contradict each other) exits 2. Like every command, these bring the
database schema up to date first, so the first administrator can be added to an empty
database before anything is imported.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Final, NoReturn

import typer

from controltower.cli.console import (
    database_problems,
    errors_console,
    output_console,
    policy_or_exit,
)
from controltower.cli.options import DatabaseUrlOption, resolve_settings
from controltower.domain.cases import Severity
from controltower.domain.people import Role

if TYPE_CHECKING:
    from rich.table import Table
    from sqlalchemy.orm import Session

    from controltower.domain.notifications import Preferences
    from controltower.storage.people import Person

#: the width of a people table sent to a pipe or a file: one row per person, never wrapped
#: to the 80 columns Rich assumes when there is no terminal to measure
UNWRAPPED_WIDTH: Final = 1000

LoginArgument = Annotated[
    str, typer.Argument(metavar="LOGIN", help="The person's login.", show_default=False)
]
NameOption = Annotated[
    str | None,
    typer.Option("--name", metavar="NAME", help="The person's full name.", show_default=False),
]
TeamsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--team",
        metavar="TEAM",
        help="A team whose cases they work, e.g. purchasing@WH-EAST (repeat for several).",
        show_default=False,
    ),
]
WarehousesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--warehouse",
        metavar="CODE",
        help="Limit them to this warehouse (repeat for several).",
        show_default=False,
    ),
]
CompaniesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--company",
        metavar="CODE",
        help="Limit them to this company (repeat for several).",
        show_default=False,
    ),
]
EmailOption = Annotated[
    str | None,
    typer.Option("--email", metavar="ADDRESS", help="Their email address.", show_default=False),
]
NotifyOption = Annotated[
    str | None,
    typer.Option(
        "--notify",
        metavar="CHANNELS",
        help="Where they are told of new cases: in_app, email, webhook (comma separated).",
        show_default=False,
    ),
]
WebhookOption = Annotated[
    str | None,
    typer.Option(
        "--webhook",
        metavar="URL",
        help='The address their webhook notifications are posted to ("" clears it).',
        show_default=False,
    ),
]
QuietOption = Annotated[
    str | None,
    typer.Option(
        "--quiet",
        metavar="HH:MM-HH:MM",
        help="Quiet hours: email and webhooks wait until they end (none lifts them).",
        show_default=False,
    ),
]
TimezoneOption = Annotated[
    str | None,
    typer.Option(
        "--timezone",
        metavar="ZONE",
        help="The time zone of their quiet hours and digest, e.g. Europe/London.",
        show_default=False,
    ),
]
DigestOption = Annotated[
    str | None,
    typer.Option(
        "--digest",
        metavar="SEVERITIES",
        help="Severities gathered into a daily digest instead of sent at once (or none).",
        show_default=False,
    ),
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input.",
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``user`` command group to ``app``."""
    user_app = typer.Typer(
        name="user",
        help="Manage the people who sign in, and their API tokens.",
        no_args_is_help=True,
    )
    user_app.command("add")(add_user)
    user_app.command("set")(set_user)
    user_app.command("list")(list_users)
    user_app.command("token")(user_token)
    app.add_typer(user_app, name="user")


# --- Commands ---------------------------------------------------------------------------


def add_user(
    login: LoginArgument,
    role: Annotated[
        str,
        typer.Option(
            "--role",
            metavar="ROLE",
            help=f"What they may do: {', '.join(Role)}.",
            show_default=False,
        ),
    ],
    name: NameOption = None,
    team: TeamsOption = None,
    warehouse: WarehousesOption = None,
    company: CompaniesOption = None,
    email: EmailOption = None,
    password_stdin: PasswordStdinOption = False,
    notify: NotifyOption = None,
    webhook: WebhookOption = None,
    quiet: QuietOption = None,
    timezone: TimezoneOption = None,
    digest: DigestOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Add a person.

    Without --password-stdin, a terminal asks for the password twice; otherwise the
    person gets no password and can use only an API token (controltower user token).
    """
    from controltower.storage.people import add_person

    chosen_role = parse_role(role)
    wanted = NotifyWish(notify, webhook, quiet, timezone, digest)
    wanted.check()
    password: str | None = None
    if password_stdin:
        password = password_from_stdin()
    elif sys.stdin.isatty():
        password = password_prompted()
    url = resolve_settings(database_url=database_url).database_url
    with people_unit(url) as session:
        person = add_person(
            session,
            login=login,
            name=name or "",
            role=chosen_role,
            now=datetime.now(UTC),
            email=email,
            password=password,
            teams=team or (),
            companies=company or (),
            warehouses=warehouse or (),
        )
        warn_about_codes(session, warehouses=warehouse, companies=company, teams=team)
        told = wanted.apply(session, person.user_id) if not wanted.is_empty() else None
    how = (
        "can sign in with the password given"
        if person.has_password
        else ("has no password: they can use only an API token (controltower user token)")
    )
    output_console().print(
        f"Added {person.login} ({person.role}, {person.scope.describe()}); {how}.",
        markup=False,
        emoji=False,
    )
    if told is not None:
        output_console().print(f"Notifications: {told}.", markup=False, emoji=False)


def set_user(
    login: LoginArgument,
    name: NameOption = None,
    role: Annotated[
        str | None,
        typer.Option(
            "--role", metavar="ROLE", help=f"One of: {', '.join(Role)}.", show_default=False
        ),
    ] = None,
    team: TeamsOption = None,
    no_teams: Annotated[bool, typer.Option("--no-teams", help="Take them off every team.")] = False,
    warehouse: WarehousesOption = None,
    all_warehouses: Annotated[
        bool, typer.Option("--all-warehouses", help="Lift the warehouse limit.")
    ] = False,
    company: CompaniesOption = None,
    all_companies: Annotated[
        bool, typer.Option("--all-companies", help="Lift the company limit.")
    ] = False,
    email: Annotated[
        str | None,
        typer.Option(
            "--email",
            metavar="ADDRESS",
            help='Their email address ("" clears it).',
            show_default=False,
        ),
    ] = None,
    password_stdin: PasswordStdinOption = False,
    notify: NotifyOption = None,
    webhook: WebhookOption = None,
    quiet: QuietOption = None,
    timezone: TimezoneOption = None,
    digest: DigestOption = None,
    active: Annotated[
        bool | None,
        typer.Option(
            "--active/--inactive",
            help="Let them sign in, or stop them (their sessions end at once).",
            show_default=False,
        ),
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Change a person: only what is given changes; a list given replaces the stored one."""
    changes = Changes(
        name=name,
        role=parse_role(role) if role is not None else None,
        email=email,
        active=active,
        teams=_replacing("--team", team, "--no-teams", no_teams),
        warehouses=_replacing("--warehouse", warehouse, "--all-warehouses", all_warehouses),
        companies=_replacing("--company", company, "--all-companies", all_companies),
        password=password_from_stdin() if password_stdin else None,
    )
    wanted = NotifyWish(notify, webhook, quiet, timezone, digest)
    wanted.check()
    if changes.is_empty() and wanted.is_empty():
        usage_error(f"nothing to change for {login!r}: give at least one option (see --help)")
    url = resolve_settings(database_url=database_url).database_url
    told: str | None = None
    with people_unit(url) as session:
        before, after = _apply(session, login, changes)
        if not wanted.is_empty():
            told = wanted.apply(session, after.user_id)
    differences = describe_changes(before, after, password_changed=changes.password is not None)
    if told is not None:
        differences.append(f"notifications: {told}")
    output = output_console()
    if differences:
        output.print(f"Changed {after.login}: {'; '.join(differences)}.", markup=False, emoji=False)
    else:
        output.print(
            f"Nothing changed for {after.login}: the values given are the stored ones.",
            markup=False,
        )


def list_users(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON array, for machines.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List every person: login, name, role, scope, teams, email, active, password set."""
    from controltower.storage.people import list_people

    url = resolve_settings(database_url=database_url).database_url
    with people_unit(url) as session:
        people = list_people(session)
    if as_json:
        typer.echo(json.dumps([person_document(p) for p in people], indent=2))
        return
    if not people:
        output_console().print(
            "Nobody is stored yet; add someone with "
            "`controltower user add LOGIN --role ROLE --password-stdin`.",
            markup=False,
        )
        return
    output = output_console()
    if not output.is_terminal:
        output.width = UNWRAPPED_WIDTH
    output.print(people_table(people))


def user_token(
    login: LoginArgument,
    revoke_all: Annotated[
        bool,
        typer.Option("--revoke-all", help="Revoke every token of theirs instead of issuing one."),
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Issue a new API token and print it once, alone on standard output (or revoke all)."""
    from controltower.storage.people import PersonError, find_person, issue_token, revoke_tokens

    url = resolve_settings(database_url=database_url).database_url
    now = datetime.now(UTC)
    token: str | None = None
    revoked = 0
    with people_unit(url) as session:
        person = find_person(session, login)
        if person is None:
            raise PersonError(f"no user with login {login.strip().lower()!r}")
        if revoke_all:
            revoked = revoke_tokens(session, person.login, now=now)
        else:
            token = issue_token(session, person.login, now=now)
    if token is None:
        noun = "token" if revoked == 1 else "tokens"
        output_console().print(f"Revoked {revoked} API {noun} of {person.login}.", markup=False)
        return
    errors = errors_console()
    errors.print(
        f"A new API token for {person.login} follows; it is shown once, so store it now.",
        markup=False,
        emoji=False,
    )
    if not person.active:
        errors.print(
            f"warning: {person.login} is inactive; the token works once they are made active "
            "(controltower user set LOGIN --active)",
            markup=False,
        )
    typer.echo(token)


# --- Reading what was asked -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Changes:
    """What ``user set`` was asked to change (None: leave as it is; a list replaces)."""

    name: str | None = None
    role: Role | None = None
    email: str | None = None
    active: bool | None = None
    teams: list[str] | None = None
    warehouses: list[str] | None = None
    companies: list[str] | None = None
    password: str | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, field.name) is None for field in fields(self))


def parse_role(value: str) -> Role:
    """``value`` as a role; a bad one is a usage error listing the roles."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        usage_error(f"{value!r} is not a role; choose one of: {', '.join(Role)}")


def password_from_stdin() -> str:
    """The first line of standard input, without its line ending."""
    line = sys.stdin.readline()
    password = line.removesuffix("\n").removesuffix("\r")
    if not password:
        fail("--password-stdin: standard input has no password on its first line")
    return password


def password_prompted() -> str | None:
    """A password typed twice without echo; None when the first answer is empty."""
    import getpass

    first = getpass.getpass("Password (empty: none, the person uses an API token): ")
    if not first:
        return None
    if getpass.getpass("The password again: ") != first:
        fail("the two passwords differ; nobody was added")
    return first


def _replacing(
    option: str, values: list[str] | None, clearing_flag: str, cleared: bool
) -> list[str] | None:
    """The list that replaces the stored one: ``values``, empty when cleared, or None."""
    if values and cleared:
        usage_error(f"{option} and {clearing_flag} contradict each other; give one of them")
    return [] if cleared else values


def usage_error(message: str) -> NoReturn:
    errors_console().print(f"Error: {message}", markup=False, emoji=False)
    raise typer.Exit(code=2)


def fail(message: str) -> NoReturn:
    errors_console().print(f"Error: {message}", markup=False, emoji=False)
    raise typer.Exit(code=1)


@dataclass(frozen=True, slots=True)
class NotifyWish:
    """The notification options given to ``user add`` or ``user set`` (None: unchanged)."""

    notify: str | None = None
    webhook: str | None = None
    quiet: str | None = None
    timezone: str | None = None
    digest: str | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, field.name) is None for field in fields(self))

    def check(self) -> None:
        """Refuse (exit 2) a value that cannot be kept, naming the option."""
        from controltower.domain.notifications import (
            PreferenceError,
            parse_channels,
            parse_quiet_hours,
            parse_severities,
            zone_named,
        )

        checks = (
            ("--notify", self.notify, parse_channels),
            ("--quiet", self.quiet, parse_quiet_hours),
            ("--timezone", self.timezone, zone_named),
            ("--digest", self.digest, parse_severities),
        )
        for option, value, parse in checks:
            if value is None:
                continue
            try:
                parse(value)
            except PreferenceError as error:
                usage_error(f"{option}: {error}")
        if self.webhook and not self.webhook.strip().startswith(("http://", "https://")):
            usage_error(f"--webhook: {self.webhook!r} is not an http:// or https:// address")

    def apply(self, session: Session, user_id: int) -> str:
        """Store the person's new preferences; them in words."""
        from dataclasses import replace

        from controltower.domain.notifications import (
            parse_channels,
            parse_quiet_hours,
            parse_severities,
        )
        from controltower.storage.notifications import preferences_of, save_preferences

        chosen = preferences_of(session, user_id)
        if self.notify is not None:
            chosen = replace(chosen, channels=parse_channels(self.notify))
        if self.webhook is not None:
            chosen = replace(chosen, webhook_url=self.webhook.strip() or None)
        if self.quiet is not None:
            start, end = parse_quiet_hours(self.quiet)
            chosen = replace(chosen, quiet_start=start, quiet_end=end)
        if self.timezone is not None:
            chosen = replace(chosen, timezone=self.timezone.strip() or None)
        if self.digest is not None:
            chosen = replace(chosen, digest_severities=parse_severities(self.digest))
        save_preferences(session, user_id, chosen)
        return describe_preferences(chosen)


def describe_preferences(chosen: Preferences) -> str:
    """A person's notification preferences in words (a webhook by its host only)."""
    from urllib.parse import urlsplit

    from controltower.storage.notifications import quiet_text

    severities = [str(s) for s in Severity if s in chosen.digest_severities]
    webhook = urlsplit(chosen.webhook_url).netloc if chosen.webhook_url else "none"
    return (
        f"channels {', '.join(chosen.channels) or 'none'}; "
        f"quiet hours {quiet_text(chosen.quiet_start, chosen.quiet_end)} "
        f"({chosen.timezone or 'UTC'}); digest {', '.join(severities) or 'none'}; "
        f"webhook {webhook}"
    )


# --- Working on the database ------------------------------------------------------------


@contextmanager
def people_unit(url: str) -> Iterator[Session]:
    """A unit of work on the migrated database at ``url``, committed when the block
    ends; a refusal (:class:`PersonError`) or an unreachable database is one line, exit 1."""
    from controltower.storage.database import make_engine, make_session_factory, migrate

    with database_problems(url):
        migrate(url)
        engine = make_engine(url)
        try:
            with make_session_factory(engine).begin() as session:
                yield session
        finally:
            engine.dispose()


def warn_about_codes(
    session: Session,
    *,
    warehouses: Sequence[str] | None = None,
    companies: Sequence[str] | None = None,
    teams: Sequence[str] | None = None,
) -> None:
    """Print a warning for each code given that no stored picture or the policy knows."""
    if not (warehouses or companies or teams):
        return
    from controltower.cli.user_checks import KnownCodes, code_warnings, routing_names
    from controltower.storage.repository import picture_summary

    summaries = picture_summary(session)
    policy = policy_or_exit(resolve_settings().policy_file)
    team_names, owners = routing_names(policy)
    known = KnownCodes(
        warehouses=frozenset(code for s in summaries for code, _name, _company in s.warehouses),
        companies=frozenset(company for s in summaries for company in s.companies),
        teams=team_names,
        owners=owners,
    )
    errors = errors_console()
    found = code_warnings(
        known, warehouses=warehouses or (), companies=companies or (), teams=teams or ()
    )
    for warning in found:
        errors.print(f"warning: {warning}", markup=False, emoji=False)


def _apply(session: Session, login: str, changes: Changes) -> tuple[Person, Person]:
    """(the person before, after) ``changes``; warns when they took away the last
    active administrator."""
    from controltower.storage.people import (
        PersonError,
        active_administrator_exists,
        change_person,
        find_person,
    )

    before = find_person(session, login)
    if before is None:
        raise PersonError(f"no user with login {login.strip().lower()!r}")
    after = change_person(
        session,
        before.login,
        now=datetime.now(UTC),
        name=changes.name,
        role=changes.role,
        email=changes.email,
        password=changes.password,
        active=changes.active,
        teams=changes.teams,
        companies=changes.companies,
        warehouses=changes.warehouses,
    )
    warn_about_codes(
        session, warehouses=changes.warehouses, companies=changes.companies, teams=changes.teams
    )
    was_administrator = before.active and before.role is Role.ADMINISTRATOR
    if was_administrator and not active_administrator_exists(session):
        errors_console().print(
            "warning: no active administrator is left; `controltower serve` will listen only "
            "on this machine until there is one",
            markup=False,
        )
    return before, after


# --- Showing people ---------------------------------------------------------------------


def describe_changes(before: Person, after: Person, *, password_changed: bool) -> list[str]:
    """``field old -> new`` for each value that differs, and the password when replaced."""
    pairs = (
        ("name", before.name, after.name),
        ("role", str(before.role), str(after.role)),
        ("email", before.email or "none", after.email or "none"),
        ("scope", before.scope.describe(), after.scope.describe()),
        ("teams", _teams_text(before.teams), _teams_text(after.teams)),
        ("active", _yes_no(before.active), _yes_no(after.active)),
    )
    changed = [f"{field} {old} -> {new}" for field, old, new in pairs if old != new]
    if password_changed:
        changed.append("password replaced (their browser sessions were ended)")
    elif before.active and not after.active:
        changed.append("their browser sessions were ended")
    return changed


def person_document(person: Person) -> dict[str, object]:
    """A person as ``user list --json`` prints them (never a password or its hash)."""
    scope = person.scope
    return {
        "login": person.login,
        "name": person.name,
        "role": str(person.role),
        "scope": {
            "companies": sorted(scope.companies) if scope.companies is not None else None,
            "warehouses": sorted(scope.warehouses) if scope.warehouses is not None else None,
            "description": scope.describe(),
        },
        "teams": list(person.teams),
        "email": person.email,
        "active": person.active,
        "password_set": person.has_password,
    }


def people_table(people: Sequence[Person]) -> Table:
    """The Rich table ``user list`` prints; every cell is plain text, never markup."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE, show_edge=False)
    for column in ("login", "name", "role", "scope", "teams", "email", "active", "password"):
        short = column in ("role", "active", "password")
        table.add_column(column, no_wrap=short, overflow="fold")
    for person in people:
        cells = (
            person.login,
            person.name,
            str(person.role),
            person.scope.describe(),
            "\n".join(person.teams) or "none",
            person.email or "",
            _yes_no(person.active),
            "set" if person.has_password else "none",
        )
        table.add_row(*(Text(cell) for cell in cells))
    return table


def _teams_text(teams: Sequence[str]) -> str:
    return ", ".join(teams) if teams else "none"


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"
