"""``controltower scan``: analyse a picture as of a date.

Given a dataset folder it is the stateless scan and stores nothing. With ``--db`` it
scans the stored picture and persists the analysis and the exception cases.

With ``--json`` the scan document of ``docs/dataset-format.md`` is the only thing written to
standard output (warnings go to standard error), so it can be piped; without it a
table of the open orders and a one-line summary are printed for people. ``--db --json``
writes the document a folder scan of the stored picture would write (the stored scan's
summary line then goes to standard error).

``--as-of`` is today unless given. A stored scan only moves forward: a date before the
last stored scan of the picture's companies is refused before anything is written.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from rich.text import Text

from controltower.cli.console import (
    database_problems,
    errors_console,
    output_console,
    policy_or_exit,
    progress_bar,
    read_dataset_or_exit,
    stage_display,
    table_console,
)
from controltower.cli.options import AsOfOption, as_of_or_today, refuse_unused, resolve_settings
from controltower.workflow.memory import arrow_on_the_system_allocator, cycle_collection_paused

if TYPE_CHECKING:
    from controltower.domain.analysis import OrderRiskStatus
    from controltower.domain.tables import DatasetTables
    from controltower.policy import Policy
    from controltower.workflow.columnar_scan import ColumnarScan
    from controltower.workflow.stored_scan import StoredScanResult

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_as_of(value: str) -> date:
    """``--as-of`` as a calendar date written ``YYYY-MM-DD``, within the calendar a
    picture lives in (``FIRST_DATE`` to ``LAST_DATE``): the scan counts days back and
    forth from it, which must not leave the years a date can hold."""
    from controltower.domain.model import FIRST_DATE, LAST_DATE

    text = value.strip()
    if not _ISO_DATE.fullmatch(text):
        raise typer.BadParameter(f"{value!r} is not a date written YYYY-MM-DD (e.g. 2026-11-25)")
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a calendar date: {exc}") from exc
    if not FIRST_DATE <= day <= LAST_DATE:
        raise typer.BadParameter(
            f"{value!r} is outside the dates Control Tower scans ({FIRST_DATE} to {LAST_DATE})"
        )
    return day


def register(app: typer.Typer) -> None:
    """Add the ``scan`` command to ``app``."""

    @app.command("scan")
    def scan(
        ctx: typer.Context,
        as_of: AsOfOption = None,
        dataset_dir: Annotated[
            Path | None,
            typer.Argument(
                metavar="DATASET_DIR",
                help="Dataset folder of CSV files (see docs/dataset-format.md).",
                exists=True,
                file_okay=False,
                dir_okay=True,
                show_default=False,
            ),
        ] = None,
        json_output: Annotated[
            bool,
            typer.Option("--json", help="Print the scan document as JSON on standard output."),
        ] = False,
        policy_file: Annotated[
            Path | None,
            typer.Option(
                "--policy", metavar="FILE", help="Policy TOML file overriding the defaults."
            ),
        ] = None,
        db: Annotated[
            bool,
            typer.Option(
                "--db",
                help="Scan the stored picture instead of a folder, and persist the results "
                "(order risk, status history, exception cases).",
            ),
        ] = False,
        company: Annotated[
            str | None,
            typer.Option(
                "--company",
                metavar="CODE",
                help="With --db: scan the picture covering this company (when several).",
            ),
        ] = None,
        database_url: Annotated[
            str | None,
            typer.Option(
                "--database-url",
                metavar="URL",
                help="With --db: database URL (default: $DATABASE_URL, else ./controltower.db).",
            ),
        ] = None,
    ) -> None:
        """Analyse a picture as of a date (default: today): order risk and exceptions.

        Given DATASET_DIR it is the stateless scan: nothing is stored anywhere. With --db
        it scans the stored picture and persists the analysis and the exception cases.
        """
        day = as_of_or_today(as_of)
        if db:
            if dataset_dir is not None:
                raise typer.BadParameter(
                    "give either a dataset folder or --db, not both", param_hint="'--db'"
                )
            _scan_stored(
                database_url=database_url,
                company=company,
                as_of=day,
                policy=policy_or_exit(policy_file),
                json_output=json_output,
            )
            return
        refuse_unused(
            ctx,
            ["company", "database_url"],
            "a dataset folder is scanned whole and nothing is stored (--db scans the stored "
            "picture)",
        )
        if dataset_dir is None:
            raise typer.BadParameter(
                "give the dataset folder to scan (or --db for the stored picture)",
                param_hint="'DATASET_DIR'",
            )
        if json_output:
            scan_folder_to_json(dataset_dir, day, lambda: policy_or_exit(policy_file), sys.stdout)
            return
        scan_folder_to_table(dataset_dir, day, lambda: policy_or_exit(policy_file))


def _scan_stored(
    *,
    database_url: str | None,
    company: str | None,
    as_of: date,
    policy: Policy,
    json_output: bool,
) -> None:
    """``scan --db``: the summary line on standard output, or, with ``--json``, the scan
    document there and the summary line on standard error."""
    from controltower.workflow.stored_scan import ScanGoesBackError

    try:
        with cycle_collection_paused():
            result, tables = stored_scan_and_tables(
                database_url=database_url,
                company=company,
                as_of=as_of,
                policy=policy,
                keep_tables=json_output,
                set_keys_aside=True,
            )
    except ScanGoesBackError as exc:
        errors_console().print(f"Error: --as-of {exc}", markup=False)
        raise typer.Exit(code=2) from exc
    if not json_output or tables is None:
        output_console().print(result.summary_line(), markup=False)
        return
    from controltower.workflow.columnar_scan import scan_tables_to_json

    errors_console().print(result.summary_line(), markup=False)
    with stage_display() as stage, _precision_or_exit(None):
        scan_tables_to_json(tables, as_of, policy, sys.stdout, stage=stage)
    sys.stdout.flush()


def scan_folder_to_json(
    folder: Path, as_of: date, policy: Policy | Callable[[], Policy], out: TextIO
) -> None:
    """The stateless scan of ``folder`` as the JSON document on ``out``.

    A failed scan never leaves half a document behind
    (:func:`~controltower.workflow.columnar_scan.scan_tables_to_json`).
    """
    from controltower.workflow.columnar_scan import scan_to_json

    with (
        _scanning(folder, policy) as (tables, settled),
        stage_display() as stage,
        _precision_or_exit(folder),
    ):
        scan_to_json(tables, as_of, settled, out, stage=stage)
    out.flush()


def scan_folder_to_table(folder: Path, as_of: date, policy: Callable[[], Policy]) -> None:
    """The stateless scan of ``folder`` for people: the open orders, then a summary line."""
    from controltower.workflow.columnar_scan import columnar_scan

    with (
        _scanning(folder, policy) as (tables, settled),
        stage_display() as stage,
        _precision_or_exit(folder),
    ):
        scan = columnar_scan(tables, as_of, settled, stage=stage)
    _print_table(scan)


@contextmanager
def _scanning(
    folder: Path, policy: Policy | Callable[[], Policy]
) -> Iterator[tuple[DatasetTables, Policy]]:
    """The folder read once, as columns, and the policy, for the length of one scan.

    The fast columnar reader is tried first; when it declines the folder (a problem to
    report, or something only the row reader handles), the row reader reads it and
    reports any problem exactly, and its dataset is turned into columns. Arrow
    allocates from ``malloc`` (see :mod:`controltower.workflow.memory`). The folder is
    read on a second thread from the start: while pyarrow parses it (without holding
    the interpreter), this thread loads ``policy`` (when given as a function) and the
    scan's own modules, which would otherwise come first.
    """
    from controltower.cli.dataset_cmds import check_folder_or_exit
    from controltower.connectors.dataset.fast_reader import FastPathDeclined, read_tables
    from controltower.connectors.dataset.manifest import check_folder

    arrow_on_the_system_allocator()
    with cycle_collection_paused():
        errors = errors_console()
        with progress_bar() as progress, ThreadPoolExecutor(max_workers=1) as reader:
            reading = reader.submit(read_tables, folder, progress("Reading"))
            # checksums are taken here while pyarrow reads (hashlib releases the interpreter)
            folder_check = check_folder(folder)
            settled = policy() if callable(policy) else policy
            # loaded while the folder is read; the registry imports every detector
            from controltower.workflow import columnar_scan  # noqa: F401

            try:
                fast = reading.result()
            except FastPathDeclined:
                fast = None
        check_folder_or_exit(folder, outcome="nothing was scanned", check=folder_check)
        if fast is not None:
            for warning in fast.warnings:
                errors.print(f"warning: {warning}", markup=False)
            yield fast.tables, settled
            return
        dataset = read_dataset_or_exit(folder, outcome="nothing was scanned")
        with _precision_or_exit(folder):
            from controltower.domain.tables import tables_from_dataset

            tables = tables_from_dataset(dataset)
        yield tables, settled


@contextmanager
def _precision_or_exit(folder: Path | None) -> Iterator[None]:
    """A picture the columns cannot hold exactly: one clear error line, exit 1."""
    from controltower.domain.columnar import ColumnarPrecisionError

    try:
        yield
    except ColumnarPrecisionError as exc:
        where = f"{folder}: " if folder is not None else ""
        errors_console().print(f"{where}{exc}; nothing was scanned.", markup=False)
        raise typer.Exit(code=1) from exc


def scan_stored_picture(
    *, database_url: str | None, company: str | None, as_of: date, policy: Policy
) -> StoredScanResult:
    """Run the stored scan in one transaction; the clock is read here, at the edge.

    Raises :class:`~controltower.workflow.stored_scan.ScanGoesBackError`, before anything
    is written, when ``as_of`` is before the last stored scan of the picture's companies.
    """
    result, _tables = stored_scan_and_tables(
        database_url=database_url, company=company, as_of=as_of, policy=policy
    )
    return result


def stored_scan_and_tables(
    *,
    database_url: str | None,
    company: str | None,
    as_of: date,
    policy: Policy,
    keep_tables: bool = False,
    set_keys_aside: bool = False,
) -> tuple[StoredScanResult, DatasetTables | None]:
    """:func:`scan_stored_picture`, and (``keep_tables``) the picture's columns the scan
    read; a database that cannot be used is one line and exit (:func:`database_problems`).
    ``set_keys_aside``: as :func:`run_stored_scan_at`. A command's own scan: a large
    picture has its orders worded by a forked child (``fork``)."""
    url = resolve_settings(database_url=database_url).database_url
    with database_problems(url), _precision_or_exit(None):
        return run_stored_scan_at(
            url,
            company=company,
            as_of=as_of,
            policy=policy,
            keep_tables=keep_tables,
            set_keys_aside=set_keys_aside,
            fork=True,
        )


def run_stored_scan_at(
    url: str,
    *,
    company: str | None,
    as_of: date,
    policy: Policy,
    keep_tables: bool = False,
    set_keys_aside: bool = False,
    fork: bool = False,
) -> tuple[StoredScanResult, DatasetTables | None]:
    """The stored scan of the picture covering ``company`` at ``url``, in one transaction,
    and (``keep_tables``: for ``scan --db --json``, which writes the document from them)
    the columns it read; errors are raised, not reported. Not kept, the columns are let
    go once the detectors have read them, before the cases are reconciled and saved.
    ``set_keys_aside``: a scan writing most orders or cases builds their tables' indexes
    after the rows (for ``scan --db`` typed by a person; not the worker, whose readers
    would wait on PostgreSQL). ``fork``: a large picture's orders may be worded by a
    forked child (``run_stored_scan``); for a command's own process only, between its
    other work (a sync's reading threads are done by then), never a server's, whose
    other threads may hold locks a child would inherit held.

    Raises :class:`~controltower.workflow.stored_scan.ScanGoesBackError` before anything
    is written when ``as_of`` is before the last stored scan of the picture's companies.
    """
    from controltower.storage.database import make_engine, make_session_factory, migrate
    from controltower.storage.picture_store import SqlPictureStore
    from controltower.workflow.stored_scan import refuse_going_back, run_stored_scan

    class KeepingTables(SqlPictureStore):
        """The store, keeping the columns it hands the scan."""

        tables: DatasetTables | None = None

        def load_tables(self) -> DatasetTables:
            self.tables = super().load_tables()
            return self.tables

    migrate(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            chosen = SqlPictureStore.for_company(session, company)
            store_type = KeepingTables if keep_tables else SqlPictureStore
            store = store_type(session, chosen.picture_id, set_keys_aside=set_keys_aside)
            refuse_going_back(as_of, store.last_scan_as_of())
            result = run_stored_scan(
                store, as_of=as_of, policy=policy, now=datetime.now().astimezone(), fork=fork
            )
    finally:
        engine.dispose()
    return result, store.tables if isinstance(store, KeepingTables) else None


def _print_table(scan: ColumnarScan) -> None:
    """The open orders as a table, then one summary line."""
    from rich import box
    from rich.table import Table

    from controltower.workflow.order_risk import order_standings

    console = table_console()
    orders = order_standings(scan.result)
    table = Table(
        title=f"Open orders as of {scan.as_of.isoformat()}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("order", no_wrap=True)
    table.add_column("customer", min_width=6)
    table.add_column("warehouse", no_wrap=True)
    table.add_column("status", min_width=10)
    table.add_column("projected", no_wrap=True)
    table.add_column("promised", no_wrap=True)
    # two-line headers keep the table inside an 80-column terminal
    table.add_column("days\nlate", justify="right", no_wrap=True)
    table.add_column("at\nrisk", no_wrap=True)
    for o in range(len(orders)):
        late = orders.days_late[o]
        projected = orders.projected_ship_date[o]
        table.add_row(
            Text(orders.order_id[o]),
            Text(orders.customer[o]),
            Text(orders.warehouse[o]),
            orders.status[o].value.replace("_", " "),
            "-" if projected is None else projected.isoformat(),
            orders.promised_date[o].isoformat(),
            "-" if late is None else str(late),
            "yes" if orders.at_risk[o] else "no",
            style="red" if orders.at_risk[o] else None,
        )
    console.print(table)
    console.print(summary_line(orders.status, orders.at_risk, len(scan.findings)), markup=False)


def summary_line(
    statuses: Sequence[OrderRiskStatus], at_risk: Sequence[bool], exceptions: int
) -> str:
    """``12 open orders, 3 at risk (2 short, 1 blocked_by_credit); 5 exceptions.``"""
    risky = Counter(status.value for status, risk in zip(statuses, at_risk, strict=True) if risk)
    detail = ", ".join(f"{count} {status}" for status, count in sorted(risky.items()))
    count = len(statuses)
    noun = "open order" if count == 1 else "open orders"
    exception_noun = "exception" if exceptions == 1 else "exceptions"
    risk = f"{sum(risky.values())} at risk" + (f" ({detail})" if detail else "")
    return f"{count} {noun}, {risk}; {exceptions} {exception_noun}."
