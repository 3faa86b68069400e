"""``controltower demo``: generate the demo business, load it, scan it, serve the web app.

One command takes a fresh checkout to a running control tower: it generates NORDEL (a
regional distributor of electrical components, see ``docs/demo.md``) as of a date,
migrates the database, replaces whatever it holds with the demo picture, runs the
stored scan (so the exception cases are open), adds people to sign in as (see
``demo/staff.py``) and serves the web app until Ctrl+C. ``--dataset-out DIR`` writes the
business as a dataset folder instead and stops. Progress goes to standard error, results
to standard output.

The people get one fresh random password, printed once at the end; nothing in the
repository holds one. Running the demo again keeps the people already stored (their
passwords too) and says so, so a password noted earlier goes on working.

Pointed at a database that holds anything the demo did not make, it refuses, names the
database and what is in it, and changes nothing, unless told ``--replace``: a stray
``DATABASE_URL`` must never swap a real business for NORDEL (nor add the demo's
administrator, with a password printed on a terminal, to a real installation). The
database is the demo's when every stored picture came from a demo (``demo:`` source),
every person is one of the demo's people (login and name), and every exception case is
filed under a company of the demo business.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer

from controltower.cli.console import (
    database_problems,
    errors_console,
    output_console,
    policy_or_exit,
    progress_display,
)
from controltower.cli.options import resolve_settings
from controltower.cli.scan_cmd import parse_as_of
from controltower.cli.serve_cmd import serve_settings_and_run
from controltower.cli.user_cmd import UNWRAPPED_WIDTH

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from controltower.demo.staff import DemoPerson
    from controltower.domain.model import Dataset
    from controltower.policy import Policy
    from controltower.workflow.stored_scan import StoredScanResult


class DemoSize(StrEnum):
    """The preset sizes of ``controltower.demo.sizes``."""

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class DemoScenario(StrEnum):
    """The scenarios of ``controltower.demo.scenario``."""

    NORMAL = "normal"
    CRISIS = "crisis"


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""
    app.command("demo")(run_demo)


def run_demo(
    size: Annotated[
        DemoSize,
        typer.Option("--size", help="How big a business to generate.", case_sensitive=False),
    ] = DemoSize.MEDIUM,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed of the business: same seed, same data.")
    ] = 7,
    scenario: Annotated[
        DemoScenario,
        typer.Option(
            "--scenario",
            help="The day the business is having: normal, or crisis (most orders at risk).",
            case_sensitive=False,
        ),
    ] = DemoScenario.NORMAL,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Date the business is generated around, YYYY-MM-DD (default: today).",
            show_default=False,
        ),
    ] = None,
    dataset_out: Annotated[
        Path | None,
        typer.Option(
            "--dataset-out",
            metavar="DIR",
            file_okay=False,
            dir_okay=True,
            help="Write the business as a dataset folder to DIR and stop (no database).",
            show_default=False,
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            metavar="URL",
            help="Database URL (default: $DATABASE_URL, else ./controltower.db).",
            show_default=False,
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Interface to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to serve on.")] = 8000,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Load the database, then stop instead of serving.")
    ] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Load the demo even into a database holding data it did not make, "
            "replacing every stored picture.",
        ),
    ] = False,
) -> None:
    """Generate the NORDEL demo business, load and scan it, and serve the web app.

    The database's stored pictures are all replaced by the demo's; a database holding
    anything the demo did not make is refused unless --replace is given.
    """
    from controltower.connectors.dataset import write_dataset
    from controltower.demo.story import STORY_CUSTOMER_NAME, find_story_order
    from controltower.storage.database import displayable_url, make_engine

    day = parse_as_of(as_of) if as_of is not None else date.today()
    dataset = _generate(size, seed, day, scenario)
    kind = "" if scenario is DemoScenario.NORMAL else f" {scenario.value}-day"
    described = f"the {size.value}{kind} demo business (seed {seed}, as of {day.isoformat()})"
    output = output_console()

    if dataset_out is not None:
        with _status(f"Writing the dataset to {dataset_out}"):
            write_dataset(dataset, dataset_out)
        output.print(f"Wrote {described} to {dataset_out}: {_counts(dataset)}.", markup=False)
        return

    settings = resolve_settings(database_url=database_url, host=host, port=port)
    url = settings.database_url
    policy = policy_or_exit(settings.policy_file)
    source = f"demo:{size.value}:seed={seed}:as_of={day.isoformat()}"
    if scenario is not DemoScenario.NORMAL:
        source += f":scenario={scenario.value}"
    engine = make_engine(url)
    try:
        with database_problems(url):
            if not replace:
                _refuse_other_data(engine, dataset, policy, displayable_url(url))
            picture_id = _load(dataset, engine, source=source)
            output.print(
                f"Loaded {described} into {displayable_url(url)}: {_counts(dataset)}.",
                markup=False,
            )
            scan = _scan(engine, picture_id, day, policy)
            output.print(scan.summary_line(), markup=False)
            staffed = _add_people(engine, dataset, policy)
    finally:
        engine.dispose()
    story = find_story_order(dataset)
    if story is not None:
        output.print(
            f"Start with order {story.order_id} of {STORY_CUSTOMER_NAME} ({story.customer}): "
            "a line waits on a late, unconfirmed PO, the account is on credit hold over a "
            "disputed invoice, and a branch one day away has the missing item.",
            markup=False,
        )
    _print_people(staffed)
    if no_serve:
        return
    serve_settings_and_run(database_url=url, host=settings.host, port=settings.port)


# --- Steps ------------------------------------------------------------------------------


@contextmanager
def _status(message: str) -> Iterator[None]:
    with progress_display() as bar:
        bar.add_task(message, total=None)
        yield


def _generate(
    size: DemoSize, seed: int, day: date, scenario: DemoScenario = DemoScenario.NORMAL
) -> Dataset:
    """The business, with each generation step shown as it runs."""
    from controltower.demo.generator import STEPS, generate_business

    with progress_display() as bar:
        task = bar.add_task("Generating", total=len(STEPS))
        done = 0

        def on_step(step: str) -> None:
            nonlocal done
            bar.update(task, description=f"Generating {step}", completed=done)
            done += 1

        dataset = generate_business(
            size.value, seed=seed, as_of=day, scenario=scenario.value, on_step=on_step
        )
        bar.update(task, completed=len(STEPS))
    return dataset


#: how a picture the demo stored names its source
DEMO_SOURCE_PREFIX: Final = "demo:"


def _refuse_other_data(engine: Engine, dataset: Dataset, policy: Policy, where: str) -> None:
    """Exit 1 with one line naming the database when it holds data the demo did not make
    (see the module's docstring); nothing is changed, not even the schema."""
    found = other_data(engine, dataset, policy)
    if not found:
        return
    errors_console().print(
        f"Error: the database at {where} holds data the demo did not make "
        f"({'; '.join(found)}); loading the demo would replace every stored picture. "
        "Give the demo a database of its own (--database-url) or pass --replace.",
        markup=False,
    )
    raise typer.Exit(code=1)


def other_data(engine: Engine, dataset: Dataset, policy: Policy) -> list[str]:
    """What the database holds that the demo of ``dataset`` did not put there, one short
    phrase per kind (empty: nothing, or no schema yet)."""
    import sqlalchemy as sa

    from controltower.api.schemas import public_source
    from controltower.demo.staff import demo_people
    from controltower.storage import tables

    present = set(sa.inspect(engine).get_table_names())
    demo_logins = {(p.login, p.name) for p in demo_people(dataset, policy.routing.teams)}
    companies = set(dataset.companies())
    found: list[str] = []
    with engine.connect() as connection:
        if tables.pictures.name in present:
            sources = connection.execute(
                sa.select(tables.pictures.c.source).where(
                    ~tables.pictures.c.source.startswith(DEMO_SOURCE_PREFIX, autoescape=True)
                )
            ).scalars()
            found += _phrase([public_source(s) for s in sources], "picture", "pictures", "from")
        if tables.users.name in present:
            people = connection.execute(sa.select(tables.users.c.login, tables.users.c.name))
            logins = [login for login, name in people if (login, name) not in demo_logins]
            found += _phrase(logins, "person", "people", "login")
        if tables.exception_cases.name in present:
            case_companies = connection.execute(sa.select(tables.exception_cases.c.scope_company))
            others = [c for c in case_companies.scalars() if c not in companies]
            found += _phrase(others, "exception case", "exception cases", "of")
    return found


def _phrase(items: list[str], one: str, many: str, label: str) -> list[str]:
    """``["2 pictures (from dataset:acme, dataset:beta)"]`` naming up to three distinct
    items, or ``[]`` for none."""
    if not items:
        return []
    noun = one if len(items) == 1 else many
    distinct = list(dict.fromkeys(items))
    named = ", ".join(distinct[:3]) + (", ..." if len(distinct) > 3 else "")
    return [f"{len(items):,} {noun} ({label} {named})"]


def _load(dataset: Dataset, engine: Engine, *, source: str) -> int:
    """Migrate the database, then replace every stored picture with ``dataset`` (one
    transaction); the new picture's id."""
    from controltower.storage.database import make_session_factory, migrate
    from controltower.storage.repository import replace_picture

    with _status("Migrating the database"):
        migrate(engine)
    with progress_display() as bar, make_session_factory(engine).begin() as session:
        task = bar.add_task("Storing", total=None)

        def store_progress(name: str, done: int, total: int) -> None:
            bar.update(task, description=f"Storing {name}", completed=done, total=total)

        summary = replace_picture(
            session,
            dataset,
            source=source,
            imported_at=datetime.now(UTC),
            replace_all=True,
            progress=store_progress,
        )
    return summary.picture_id


def _scan(engine: Engine, picture_id: int, day: date, policy: Policy) -> StoredScanResult:
    """Scan the stored demo as of ``day`` in its own transaction, opening its cases.

    The scan runs at the current local time of day, on ``day``: the business was drawn
    around that date, so ages and response targets read as they would on it.
    """
    from controltower.storage.database import make_session_factory
    from controltower.storage.picture_store import SqlPictureStore
    from controltower.workflow.stored_scan import run_stored_scan

    now = datetime.now().astimezone()
    moment = now.replace(year=day.year, month=day.month, day=day.day)
    with _status("Scanning for exceptions"), make_session_factory(engine).begin() as session:
        return run_stored_scan(
            SqlPictureStore(session, picture_id), as_of=day, policy=policy, now=moment
        )


@dataclass(frozen=True, slots=True)
class Staffed:
    """The demo's people this run added (all with ``password``), and those it kept."""

    added: tuple[DemoPerson, ...]
    kept: tuple[str, ...]
    password: str


def _add_people(engine: Engine, dataset: Dataset, policy: Policy) -> Staffed:
    """Store the demo's people who are missing, with one fresh password, in one
    transaction; a login already stored is kept exactly as it is (password included)."""
    from controltower.demo.staff import demo_people
    from controltower.storage.database import make_session_factory
    from controltower.storage.people import add_person, find_person

    password = secrets.token_urlsafe(12)
    now = datetime.now(UTC)
    added: list[DemoPerson] = []
    kept: list[str] = []
    with _status("Adding the demo's people"), make_session_factory(engine).begin() as session:
        for person in demo_people(dataset, policy.routing.teams):
            if find_person(session, person.login) is not None:
                kept.append(person.login)
                continue
            add_person(
                session,
                login=person.login,
                name=person.name,
                role=person.role,
                now=now,
                password=password,
                teams=person.teams,
                companies=person.companies,
                warehouses=person.warehouses,
            )
            added.append(person)
    return Staffed(added=tuple(added), kept=tuple(kept), password=password)


def _print_people(staffed: Staffed) -> None:
    """The people added, with their password (shown this once), and those kept."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    output = output_console()
    if staffed.added:
        table = Table(box=box.SIMPLE, show_edge=False, title="Sign in as", title_justify="left")
        for column in ("login", "role", "scope", "teams"):
            table.add_column(column, overflow="fold")
        for person in staffed.added:
            teams = "\n".join(person.teams) or "none"
            cells = (person.login, str(person.role), person.scope.describe(), teams)
            table.add_row(*(Text(cell) for cell in cells))
        if not output.is_terminal:
            output.width = UNWRAPPED_WIDTH
        output.print(table)
        who = "each of them" if len(staffed.added) > 1 else staffed.added[0].login
        output.print(
            f"Password for {who}: {staffed.password}  (shown only this once: note it now)",
            markup=False,
        )
    if staffed.kept:
        output.print(
            f"Kept the demo's people already stored ({', '.join(staffed.kept)}): "
            "their passwords are unchanged.",
            markup=False,
        )


def _counts(dataset: Dataset) -> str:
    """A one-line census of the business."""
    from controltower.domain.model import OrderStatus

    open_orders = sum(1 for o in dataset.sales_orders if o.status is OrderStatus.OPEN)
    open_pos = sum(1 for p in dataset.purchase_orders if p.status is OrderStatus.OPEN)
    parts = [
        (len(dataset.warehouses), "warehouses"),
        (len(dataset.products), "products"),
        (len(dataset.customers), "customers"),
        (len(dataset.suppliers), "suppliers"),
        (open_orders, "open sales orders"),
        (open_pos, "open purchase orders"),
    ]
    return ", ".join(f"{count:,} {noun}" for count, noun in parts)
