"""``controltower import``, ``export`` and ``db upgrade``: datasets in and out of the database.

``import`` validates the whole dataset folder before touching any stored picture: an
invalid dataset prints every problem (``file:line:column: message``) on standard error,
exits 1 and leaves the database as it was. A valid one replaces, in one transaction,
the stored pictures that share a company with it (see ``docs/storage.md``).

The folder is read into columns by the fast reader and written in bulk; when the fast
reader declines a folder, the row reader reads it and reports what is wrong, so every
problem is worded in one place. A quantity or amount with more than six decimals is
valid in the format but is refused here: the columns, and so every stored picture,
hold six.

The database is ``--database-url``, else ``$DATABASE_URL``, else ``./controltower.db``.
Progress bars and warnings go to standard error; summaries to standard output.

Storage (SQLAlchemy, Alembic) is imported inside the commands that use it, so that
commands which never touch a database start quickly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from controltower.cli.console import (
    database_problems,
    errors_console,
    output_console,
    policy_or_exit,
    progress_bar,
    read_dataset_or_exit,
    stage_display,
    writing_files,
)
from controltower.cli.options import (
    DatabaseUrlOption,
    NoScanOption,
    ScanPolicyOption,
    as_of_or_today,
    refuse_unused,
    resolve_settings,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from controltower.connectors.dataset.fast_reader import FastReadResult
    from controltower.connectors.dataset.manifest import FolderCheck
    from controltower.domain.tables import I32, DatasetTables
    from controltower.policy import Policy
    from controltower.storage.repository import PictureSummary
    from controltower.workflow.stored_scan import ScanGoesBackError, StoredScanResult


def register(app: typer.Typer) -> None:
    """Add ``import``, ``export`` and the ``db`` command group to ``app``."""
    app.command("import")(import_dataset)
    app.command("export")(export_dataset)
    db_app = typer.Typer(name="db", help="Manage the database schema.", no_args_is_help=True)
    db_app.command("upgrade")(upgrade_database)
    app.add_typer(db_app, name="db")


def import_dataset(
    ctx: typer.Context,
    dataset_dir: Annotated[
        Path,
        typer.Argument(
            metavar="DATASET_DIR",
            help="Dataset folder of CSV files (see docs/dataset-format.md).",
            exists=True,
            file_okay=False,
            dir_okay=True,
            show_default=False,
        ),
    ],
    database_url: DatabaseUrlOption = None,
    replace_all: Annotated[
        bool,
        typer.Option(
            "--replace-all",
            help="Replace every stored picture, even of companies this dataset does not cover.",
        ),
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Scan the imported picture as of this date, YYYY-MM-DD (default: today).",
            show_default=False,
        ),
    ] = None,
    policy_file: ScanPolicyOption = None,
    no_scan: NoScanOption = False,
) -> None:
    """Import a dataset folder, replacing the stored pictures of its companies, then scan it.

    The stored scan runs as of today (or --as-of) in the import's own transaction, so the
    pages and the API go from the last scanned picture to the new one, scanned; --no-scan
    leaves the scan to `scan --db`.
    """
    if no_scan:
        refuse_unused(ctx, ["as_of", "policy_file"], "--no-scan stores the picture unscanned")
    day = as_of_or_today(as_of)
    policy = None if no_scan else policy_or_exit(policy_file)
    url = _database_url(database_url)
    from controltower.workflow.memory import cycle_collection_paused

    with cycle_collection_paused():
        tables, pick_microseconds = _migrate_and_read_or_exit(url, dataset_dir)
        from controltower.storage.action_confirmation import confirm_executed_actions
        from controltower.storage.database import make_engine, make_session_factory
        from controltower.storage.repository import last_scan_as_of, replace_picture
        from controltower.workflow.stored_scan import ScanGoesBackError, refuse_going_back

        with database_problems(url):
            engine = make_engine(url)
            try:
                with make_session_factory(engine).begin() as session:
                    if policy is not None:
                        try:
                            refuse_going_back(day, last_scan_as_of(session, _companies(tables)))
                        except ScanGoesBackError as exc:
                            _refuse_going_back(exc, given=as_of is not None)
                    with progress_bar() as progress:
                        summary = replace_picture(
                            session,
                            tables,
                            pick_microseconds=pick_microseconds,
                            source=f"dataset:{dataset_dir.resolve()}",
                            imported_at=datetime.now(UTC),
                            replace_all=replace_all,
                            progress=progress("Storing"),
                            set_keys_aside=True,
                        )
                    confirmation = confirm_executed_actions(
                        session, summary.picture_id, now=datetime.now(UTC), picture=tables
                    )
                    del tables  # the scan reads the picture as stored
                    scanned = (
                        None
                        if policy is None
                        else _scan_imported(session, summary.picture_id, day, policy)
                    )
            finally:
                engine.dispose()
    _print_summary(f"Imported picture {summary.picture_id}", summary)
    if confirmation.confirmed or confirmation.diverged:
        output_console().print(confirmation.summary_line(), markup=False)
    if scanned is not None:
        output_console().print(scanned.summary_line(), markup=False)


def _scan_imported(
    session: Session, picture_id: int, as_of: date, policy: Policy
) -> StoredScanResult:
    """The stored scan of the picture just imported, in the import's transaction: a
    failure rolls the import back with it (one line, exit 1)."""
    from controltower.domain.columnar import ColumnarPrecisionError
    from controltower.storage.picture_store import SqlPictureStore
    from controltower.workflow.stored_scan import run_stored_scan

    try:
        with stage_display() as stage:
            stage(f"Scanning the picture as of {as_of.isoformat()}")
            return run_stored_scan(
                SqlPictureStore(session, picture_id, set_keys_aside=True),
                as_of=as_of,
                policy=policy,
                now=datetime.now().astimezone(),
                fork=True,
            )
    except ColumnarPrecisionError as exc:
        errors_console().print(f"Error: {exc}; nothing was imported", markup=False)
        raise typer.Exit(code=1) from exc


def scan_after_storing(url: str, company: str, as_of: date, policy: Policy) -> None:
    """The stored scan of the picture ``sync odoo`` just stored (covering ``company``): a
    progress line while it works, its summary line after. A failure is one line saying
    the picture is stored but not scanned, exit 1."""
    from sqlalchemy.exc import DBAPIError

    from controltower.cli.scan_cmd import run_stored_scan_at
    from controltower.domain.errors import DomainError
    from controltower.storage.database import unavailable_error

    try:
        with stage_display() as stage:
            stage(f"Scanning the stored picture as of {as_of.isoformat()}")
            result, _ = run_stored_scan_at(
                url, company=company, as_of=as_of, policy=policy, fork=True
            )
    except (DomainError, DBAPIError) as exc:
        reason = unavailable_error(url, exc) if isinstance(exc, DBAPIError) else exc
        if reason is None:
            raise
        errors_console().print(
            f"Error: {reason}; the picture is stored but not scanned (until `controltower "
            "scan --db` succeeds, the pages and the API show no scan)",
            markup=False,
        )
        raise typer.Exit(code=1) from exc
    output_console().print(result.summary_line(), markup=False)


def _refuse_going_back(error: ScanGoesBackError, *, given: bool) -> NoReturn:
    """Exit 2 before anything is stored: the import's scan would go back in time."""
    what = "--as-of" if given else "today's date"
    errors_console().print(
        f"Error: {what} {error}, or import with --no-scan; nothing was imported", markup=False
    )
    raise typer.Exit(code=2) from error


def _companies(tables: DatasetTables) -> list[str]:
    """The companies the dataset covers (those of its warehouses)."""
    codes = tables.vocab.companies.codes
    return sorted({codes[company] for company in tables.warehouses.company.tolist()})


def _migrate_and_read_or_exit(url: str, folder: Path) -> tuple[DatasetTables, I32 | None]:
    """The database migrated and the folder checked and read as columns (see
    :func:`_read_columns_or_exit`), or exit.

    The fast reader starts on a second thread at once: pyarrow parses without holding
    the interpreter, so the storage modules load and the migrations run meanwhile
    instead of first (about a second of a large import).
    """
    from concurrent.futures import ThreadPoolExecutor

    from controltower.connectors.dataset.fast_reader import FastPathDeclined, read_tables

    with progress_bar() as progress, ThreadPoolExecutor(max_workers=1) as reader:
        reading = reader.submit(read_tables, folder, progress("Reading"))
        from controltower.storage import action_confirmation, repository  # noqa: F401
        from controltower.storage.database import migrate

        with database_problems(url):
            migrate(url)
        try:
            fast = reading.result()
        except FastPathDeclined:
            fast = None
    check_folder_or_exit(folder, outcome="nothing was imported")
    return _read_columns_or_exit(folder, fast)


def _read_columns_or_exit(
    folder: Path, fast: FastReadResult | None
) -> tuple[DatasetTables, I32 | None]:
    """The folder as columns, and the fractions of a second of its picks' times.

    ``fast`` is what the fast reader read, None when it declined the folder: then the
    row reader reads it and reports any problem (exit 1). A value the columns cannot
    hold (more than six decimals) is reported with its file, line and column (exit 1);
    nothing is written.
    """
    import numpy as np

    from controltower.connectors.dataset.column_fit import (
        RowsDoNotLineUp,
        created_at_microseconds,
        first_value_beyond_columns,
    )
    from controltower.domain.columnar import ColumnarPrecisionError
    from controltower.domain.tables import tables_from_dataset

    errors = errors_console()
    if fast is not None:
        try:
            micros = created_at_microseconds(folder, fast.tables.picks.pick_id)
        except RowsDoNotLineUp:
            pass
        else:
            for warning in fast.warnings:
                errors.print(f"warning: {warning}", markup=False)
            return fast.tables, micros
    dataset = read_dataset_or_exit(folder, outcome="nothing was imported")
    try:
        tables = tables_from_dataset(dataset)
    except ColumnarPrecisionError as error:
        problem = first_value_beyond_columns(folder, dataset)
        errors.print(str(problem) if problem is not None else str(error), markup=False)
        errors.print(f"{folder}: 1 problem; nothing was imported.", markup=False)
        raise typer.Exit(code=1) from error
    micros = np.array([pick.created_at.microsecond for pick in dataset.picks], dtype=np.int32)
    return tables, micros if micros.any() else None


def export_dataset(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="Folder to write the dataset CSV files into (created when missing).",
            file_okay=False,
            dir_okay=True,
            show_default=False,
        ),
    ],
    database_url: DatabaseUrlOption = None,
    company: Annotated[
        str | None,
        typer.Option(
            "--company",
            metavar="CODE",
            help="Export the picture covering this company (needed when several are stored).",
            show_default=False,
        ),
    ] = None,
    safe_for_spreadsheets: Annotated[
        bool,
        typer.Option(
            "--safe-for-spreadsheets",
            help="Prefix ' to text cells a spreadsheet would run as a formula (= + - @ tab CR); "
            "the files then no longer read back exactly.",
        ),
    ] = False,
) -> None:
    """Export a stored picture as a dataset folder that import reads back unchanged.

    Text is written exactly as stored, even when it starts like a spreadsheet formula;
    ``--safe-for-spreadsheets`` neutralises such cells for folders opened in a spreadsheet.
    """
    from controltower.connectors.dataset import write_dataset
    from controltower.storage.database import (
        ensure_schema_current,
        make_engine,
        make_session_factory,
    )
    from controltower.storage.repository import (
        load_picture,
        picture_id_for_company,
        picture_summary,
        resolve_picture_id,
    )

    url = _database_url(database_url)
    with database_problems(url):
        engine = make_engine(url)
        try:
            with make_session_factory(engine)() as session:
                ensure_schema_current(engine)
                picture_id = resolve_picture_id(
                    session, picture_id_for_company(session, company) if company else None
                )
                dataset = load_picture(session, picture_id)
                (summary,) = [s for s in picture_summary(session) if s.picture_id == picture_id]
        finally:
            engine.dispose()
    with writing_files(folder):
        write_dataset(dataset, folder, safe_for_spreadsheets=safe_for_spreadsheets)
    _print_summary(f"Exported picture {summary.picture_id} to {folder}", summary)


def upgrade_database(database_url: DatabaseUrlOption = None) -> None:
    """Bring the database schema up to date (creating it in an empty database)."""
    from controltower.storage.database import displayable_url, head_revision, migrate

    url = _database_url(database_url)
    # a revision that moves stored data takes a while on a large database
    with database_problems(url), stage_display() as stage:
        stage("Bringing the schema up to date")
        migrate(url)
    output_console().print(
        f"The database at {displayable_url(url)} is at schema revision {head_revision()} "
        "(the latest).",
        markup=False,
    )


# --- Helpers ---------------------------------------------------------------------------


def _database_url(flag: str | None) -> str:
    return resolve_settings(database_url=flag).database_url


def check_folder_or_exit(folder: Path, *, outcome: str, check: FolderCheck | None = None) -> None:
    """The folder checked against its ``manifest.json``, or for a file cut short.

    A file that differs from the manifest (cut short, rows added, changed) is an error:
    each is printed on standard error and the command exits 1, so nothing of a cut
    folder is used. Without a manifest, a last line with no line break is a warning.
    ``outcome`` completes the closing line, e.g. "nothing was imported"; ``check`` is
    the verdict when the caller already has it (the scan works it out while it reads).
    """
    from controltower.connectors.dataset.manifest import MANIFEST_NAME, check_folder

    errors = errors_console()
    check = check_folder(folder) if check is None else check
    for warning in check.warnings:
        errors.print(f"warning: {warning}", markup=False)
    if not check.problems:
        return
    for problem in check.problems:
        errors.print(str(problem), markup=False)
    errors.print(
        f"(restore the files from the export, or delete {MANIFEST_NAME} to use the folder "
        "as it is)",
        markup=False,
    )
    count = len(check.problems)
    noun = "problem" if count == 1 else "problems"
    errors.print(f"{folder}: {count} {noun}; {outcome}.", markup=False)
    raise typer.Exit(code=1)


def _print_summary(headline: str, summary: PictureSummary) -> None:
    """The headline, the picture's companies, and its row count per entity."""
    output = output_console()
    noun = "company" if len(summary.companies) == 1 else "companies"
    output.print(f"{headline}: {noun} {', '.join(summary.companies)}.", markup=False)
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE, show_edge=False)
    table.add_column("entity")
    table.add_column("rows", justify="right")
    for name, count in summary.counts.items():
        table.add_row(name, str(count))
    output.print(table)
