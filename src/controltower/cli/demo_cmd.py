"""``controltower demo``: generate the demo business, load it, scan it, serve the web app.

One command takes a fresh checkout to a running control tower: it generates NORDEL (a
regional distributor of electrical components, see ``docs/demo.md``) as of a date,
migrates the database, replaces whatever it holds with the demo picture, runs the
stored scan (so the exception cases are open), adds people to sign in as (see
``demo/staff.py``) and serves the web app until Ctrl+C. ``--dataset-out DIR`` writes the
business as a dataset folder instead and stops; a folder that holds anything is refused
(exit 2, nothing written) unless ``--replace``. Options that would do nothing (a
database, host or port with ``--dataset-out``; a host or port with ``--no-serve``) are
refused, and so is a port the server could not listen on, before any work. Progress
goes to standard error, results to standard output.

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
    writing_files,
)
from controltower.cli.options import as_of_or_today, refuse_unused, resolve_settings, usage_error
from controltower.cli.serve_cmd import listen_or_exit, serve_settings_and_run
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
    ctx: typer.Context,
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
            "replacing every stored picture; with --dataset-out, write into a folder that "
            "is not empty.",
        ),
    ] = False,
) -> None:
    """Generate the NORDEL demo business, load and scan it, and serve the web app.

    The database's stored pictures are all replaced by the demo's; a database holding
    anything the demo did not make is refused unless --replace is given.
    """
    day = as_of_or_today(as_of)
    kind = "" if scenario is DemoScenario.NORMAL else f" {scenario.value}-day"
    described = f"the {size.value}{kind} demo business (seed {seed}, as of {day.isoformat()})"
    if dataset_out is not None:
        refuse_unused(
            ctx,
            ["database_url", "host", "port", "no_serve"],
            "--dataset-out writes a dataset folder and stops, with no database and no server",
        )
        _refuse_a_folder_in_use(dataset_out, replace=replace)
        dataset = _generate(size, seed, day, scenario)
        with writing_files(dataset_out), _status(f"Writing the dataset to {dataset_out}"):
            from controltower.connectors.dataset import write_dataset

            write_dataset(dataset, dataset_out)
        output_console().print(
            f"Wrote {described} to {dataset_out}: {_counts(dataset)}.", markup=False
        )
        return
    if no_serve:
        refuse_unused(ctx, ["host", "port"], "--no-serve stops once the demo is loaded")
    settings = resolve_settings(database_url=database_url, host=host, port=port)
    if not no_serve:
        listen_or_exit(settings.host, settings.port)
    policy = policy_or_exit(settings.policy_file)
    dataset = _generate(size, seed, day, scenario)
    source = f"demo:{size.value}:seed={seed}:as_of={day.isoformat()}"
    if scenario is not DemoScenario.NORMAL:
        source += f":scenario={scenario.value}"
    staffed = _load_and_scan(
        dataset,
        settings.database_url,
        Loading(source=source, described=described, day=day, day_given=as_of is not None),
        policy,
        replace=replace,
    )
    _print_story(dataset)
    _print_people(staffed)
    if no_serve:
        return
    serve_settings_and_run(
        database_url=settings.database_url, host=settings.host, port=settings.port
    )


@dataclass(frozen=True, slots=True)
class Loading:
    """What the demo loads: its source name, how it is described, its as-of date."""

    source: str
    described: str
    day: date
    #: whether the date was given (--as-of) rather than today's
    day_given: bool


def _load_and_scan(
    dataset: Dataset, url: str, loading: Loading, policy: Policy, *, replace: bool
) -> Staffed:
    """Into the database at ``url``: the demo picture, its stored scan and its people."""
    from controltower.storage.database import displayable_url, make_engine

    output = output_console()
    with database_problems(url):
        engine = make_engine(url)
        try:
            if not replace:
                _refuse_other_data(engine, dataset, policy, displayable_url(url))
            _refuse_going_back(engine, dataset, loading)
            picture_id = _load(dataset, engine, source=loading.source)
            output.print(
                f"Loaded {loading.described} into {displayable_url(url)}: {_counts(dataset)}.",
                markup=False,
            )
            scan = _scan(engine, picture_id, loading.day, policy)
            output.print(scan.summary_line(), markup=False)
            return _add_people(engine, dataset, policy)
        finally:
            engine.dispose()


def _print_story(dataset: Dataset) -> None:
    """Where to start: the story order, when the business has one."""
    from controltower.demo.story import STORY_CUSTOMER_NAME, find_story_order

    story = find_story_order(dataset)
    if story is not None:
        output_console().print(
            f"Start with order {story.order_id} of {STORY_CUSTOMER_NAME} ({story.customer}): "
            "a line waits on a late, unconfirmed PO, the account is on credit hold over a "
            "disputed invoice, and a branch one day away has the missing item.",
            markup=False,
        )


def _refuse_a_folder_in_use(folder: Path, *, replace: bool) -> None:
    """Exit 2, before anything is generated or written, when ``folder`` holds anything
    (unless ``replace``): the demo's files would overwrite or mix with what is there."""
    if replace or not folder.is_dir() or next(folder.iterdir(), None) is None:
        return
    usage_error(
        f"--dataset-out {folder} is not empty: the demo writes into an empty or new folder; "
        "empty it, pick another, or pass --replace to write over its files"
    )


def _refuse_going_back(engine: Engine, dataset: Dataset, loading: Loading) -> None:
    """Exit 2, before anything is written, when the database holds a stored scan of the
    demo's companies dated after the demo's day: a stored scan only moves forward."""
    import sqlalchemy as sa

    from controltower.storage import tables
    from controltower.storage.database import make_session_factory
    from controltower.storage.repository import last_scan_as_of
    from controltower.workflow.stored_scan import ScanGoesBackError, refuse_going_back

    if tables.scan_runs.name not in sa.inspect(engine).get_table_names():
        return
    with make_session_factory(engine)() as session:
        last = last_scan_as_of(session, dataset.companies())
    try:
        refuse_going_back(loading.day, last)
    except ScanGoesBackError as exc:
        what = "--as-of" if loading.day_given else "today's date"
        usage_error(f"{what} {exc}; or give the demo a database of its own (--database-url)")


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
            set_keys_aside=True,
        )
    return summary.picture_id


def _scan(engine: Engine, picture_id: int, day: date, policy: Policy) -> StoredScanResult:
    """Scan the stored demo as of ``day`` in its own transaction, opening its cases.

    The scan runs at the current local time of day, on ``day``: the business was drawn
    around that date, so ages and response targets read as they would on it.
    """
    from controltower.storage.database import make_session_factory
    from controltower.storage.picture_store import SqlPictureStore
    from controltower.workflow.memory import cycle_collection_paused
    from controltower.workflow.stored_scan import run_stored_scan

    now = datetime.now().astimezone()
    moment = now.replace(year=day.year, month=day.month, day=day.day)
    with (
        _status("Scanning for exceptions"),
        cycle_collection_paused(),
        make_session_factory(engine).begin() as session,
    ):
        return run_stored_scan(
            SqlPictureStore(session, picture_id, set_keys_aside=True),
            as_of=day,
            policy=policy,
            now=moment,
            fork=True,
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
