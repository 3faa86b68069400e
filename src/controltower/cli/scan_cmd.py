"""``controltower scan``: analyse a picture as of a date.

Given a dataset folder it is the stateless scan and stores nothing. With ``--db`` it
scans the stored picture and persists the analysis and the exception cases.

With ``--json`` the scan document of ``data-format.md`` is the only thing written to
standard output (warnings go to standard error), so it can be piped; without it a
table of the open orders and a one-line summary are printed for people.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from controltower.cli.console import (
    database_problems,
    errors_console,
    output_console,
    policy_or_exit,
    progress_bar,
    read_dataset_or_exit,
    stage_display,
)
from controltower.cli.options import resolve_settings
from controltower.workflow.memory import arrow_on_the_system_allocator, cycle_collection_paused

if TYPE_CHECKING:
    from controltower.domain.model import Dataset
    from controltower.domain.tables import DatasetTables
    from controltower.policy import Policy
    from controltower.workflow.stored_scan import StoredScanResult

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_as_of(value: str) -> date:
    """``--as-of`` as a calendar date written ``YYYY-MM-DD``."""
    text = value.strip()
    if not _ISO_DATE.fullmatch(text):
        raise typer.BadParameter(f"{value!r} is not a date written YYYY-MM-DD (e.g. 2026-11-25)")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a calendar date: {exc}") from exc


def register(app: typer.Typer) -> None:
    """Add the ``scan`` command to ``app``."""

    @app.command("scan")
    def scan(
        as_of: Annotated[
            str,
            typer.Option(
                "--as-of",
                metavar="DATE",
                help="Analyse the picture as of this date, YYYY-MM-DD.",
                show_default=False,
            ),
        ],
        dataset_dir: Annotated[
            Path | None,
            typer.Argument(
                metavar="DATASET_DIR",
                help="Dataset folder of CSV files (see data-format.md).",
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
        """Analyse a picture as of a date: order risk and exceptions.

        Given DATASET_DIR it is the stateless scan: nothing is stored anywhere. With --db
        it scans the stored picture and persists the analysis and the exception cases.
        """
        day = _as_of_option(as_of)
        if db:
            if dataset_dir is not None:
                raise typer.BadParameter(
                    "give either a dataset folder or --db, not both", param_hint="'--db'"
                )
            result = scan_stored_picture(
                database_url=database_url,
                company=company,
                as_of=day,
                policy=policy_or_exit(policy_file),
            )
            output_console().print(result.summary_line(), markup=False)
            return
        if dataset_dir is None:
            raise typer.BadParameter(
                "give the dataset folder to scan (or --db for the stored picture)",
                param_hint="'DATASET_DIR'",
            )
        if json_output:
            scan_folder_to_json(dataset_dir, day, lambda: policy_or_exit(policy_file), sys.stdout)
            return
        from controltower.workflow.scan import build_scan_document

        policy = policy_or_exit(policy_file)
        dataset = read_dataset_or_exit(dataset_dir, outcome="nothing was scanned")
        _print_table(build_scan_document(dataset, day, policy))


def scan_folder_to_json(
    folder: Path, as_of: date, policy: Policy | Callable[[], Policy], out: TextIO
) -> None:
    """The stateless scan of ``folder`` as JSON on ``out``, on the fastest exact path.

    The fast columnar reader is tried first; when it declines the folder (a problem to
    report, or something only the row reader handles), the row reader reads it and
    reports any problem exactly. A failed scan never leaves half a document behind
    (:func:`~controltower.workflow.columnar_scan.scan_tables_to_json`).

    Arrow allocates from ``malloc`` (see :mod:`controltower.workflow.memory`). The
    folder is read on a second thread from the start: while pyarrow parses it
    (without holding the interpreter), this thread loads ``policy`` (when given as a
    function) and the scan's own modules, which would otherwise come first.
    """
    from controltower.connectors.dataset.fast_reader import FastPathDeclined, read_tables
    from controltower.domain.columnar import ColumnarPrecisionError

    arrow_on_the_system_allocator()
    with cycle_collection_paused():
        errors = errors_console()
        source: DatasetTables | Dataset
        with progress_bar() as progress, ThreadPoolExecutor(max_workers=1) as reader:
            reading = reader.submit(read_tables, folder, progress("Reading"))
            settled = policy() if callable(policy) else policy
            # loaded while the folder is read; the registry imports every detector
            from controltower.detectors.columnar import columnar_registry
            from controltower.workflow.columnar_scan import scan_to_json

            columnar_registry()
            try:
                fast = reading.result()
            except FastPathDeclined:
                fast = None
        if fast is not None:
            for warning in fast.warnings:
                errors.print(f"warning: {warning}", markup=False)
            source = fast.tables
        else:
            source = read_dataset_or_exit(folder, outcome="nothing was scanned")
        try:
            with stage_display() as stage:
                scan_to_json(source, as_of, settled, out, stage=stage)
        except ColumnarPrecisionError:
            # totals beyond what the kernel sums exactly: the reference path holds any size
            dataset = read_dataset_or_exit(folder, outcome="nothing was scanned")
            with stage_display() as stage:
                scan_to_json(dataset, as_of, settled, out, stage=stage)
    out.flush()


def scan_stored_picture(
    *, database_url: str | None, company: str | None, as_of: date, policy: Policy
) -> StoredScanResult:
    """Run the stored scan in one transaction; the clock is read here, at the edge."""
    from controltower.storage.database import make_engine, make_session_factory, migrate
    from controltower.storage.picture_store import SqlPictureStore
    from controltower.workflow.stored_scan import run_stored_scan

    url = resolve_settings(database_url=database_url).database_url
    with database_problems(url):
        migrate(url)
    engine = make_engine(url)
    try:
        with database_problems(url), make_session_factory(engine).begin() as session:
            store = SqlPictureStore.for_company(session, company)
            return run_stored_scan(
                store, as_of=as_of, policy=policy, now=datetime.now().astimezone()
            )
    finally:
        engine.dispose()


def _as_of_option(value: str) -> date:
    try:
        return parse_as_of(value)
    except typer.BadParameter as exc:
        raise typer.BadParameter(exc.message, param_hint="'--as-of'") from exc


def _print_table(document: dict[str, Any]) -> None:
    """The open orders as a table, then one summary line."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    orders: list[dict[str, Any]] = document["orders"]
    table = Table(
        title=f"Open orders as of {document['as_of']}",
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
    for order in orders:
        late = order["days_late"]
        table.add_row(
            order["order_id"],
            order["customer"],
            order["warehouse"],
            order["status"].replace("_", " "),
            order["projected_ship_date"] or "-",
            order["promised_date"],
            "-" if late is None else str(late),
            "yes" if order["at_risk"] else "no",
            style="red" if order["at_risk"] else None,
        )
    console.print(table)
    console.print(summary_line(document), markup=False)


def summary_line(document: dict[str, Any]) -> str:
    """``12 open orders, 3 at risk (2 short, 1 blocked_by_credit); 5 exceptions.``"""
    orders: list[dict[str, Any]] = document["orders"]
    at_risk = [order for order in orders if order["at_risk"]]
    statuses = Counter(order["status"] for order in at_risk)
    detail = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    noun = "open order" if len(orders) == 1 else "open orders"
    exceptions = len(document["exceptions"])
    exception_noun = "exception" if exceptions == 1 else "exceptions"
    risk = f"{len(at_risk)} at risk" + (f" ({detail})" if detail else "")
    return f"{len(orders)} {noun}, {risk}; {exceptions} {exception_noun}."
