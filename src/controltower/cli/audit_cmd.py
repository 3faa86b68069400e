"""``controltower audit``: check the audit trail's hash chain, and export the trail for
auditors (see ``docs/audit.md``).

``audit verify`` walks every entry in order and recomputes its hash: exit 0 with
``audit trail intact: N entries`` (and the last entry's hash, to keep somewhere else:
the chain alone cannot show that its newest entries were cut off), or exit 1 naming the
first entry altered, removed or inserted.

``audit export`` writes the trail (or the days asked for) as JSON lines or CSV, each
entry with its previous hash and its own so it can be checked again away from the
database; the entries are read a page at a time and written as they come, whatever the
size of the trail. Standard output by default; ``--out FILE`` writes a file, complete
or not at all.

Both read only: the database must be at the current schema (``controltower db
upgrade``). Like every command, a refusal is one line on standard error.
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from controltower.cli.console import (
    database_problems,
    errors_console,
    output_console,
    writing_files,
)
from controltower.cli.options import DatabaseUrlOption, resolve_settings, usage_error

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from controltower.domain.audit import ChainedEntry


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


#: the columns of an export, in order (``old`` and ``new`` as canonical JSON in CSV)
COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "actor_login",
    "actor_role",
    "action",
    "subject_type",
    "subject_id",
    "scope_company",
    "old",
    "new",
    "reason",
    "request_id",
    "prev_hash",
    "entry_hash",
)


def register(app: typer.Typer) -> None:
    """Add the ``audit`` command group to ``app``."""
    audit_app = typer.Typer(
        name="audit",
        help="Check the audit trail's hash chain, or export it for auditors.",
        no_args_is_help=True,
    )
    audit_app.command("verify")(verify_audit)
    audit_app.command("export")(export_audit)
    app.add_typer(audit_app, name="audit")


# --- Commands ---------------------------------------------------------------------------


def verify_audit(database_url: DatabaseUrlOption = None) -> None:
    """Check every entry of the audit trail: exit 0 when the chain is intact, 1 naming
    the first entry altered, removed or inserted."""
    from controltower.storage.audit import verify_chain

    url = resolve_settings(database_url=database_url).database_url
    with reading(url) as session:
        check = verify_chain(session)
    if check.problem is not None:
        errors_console().print(f"Error: {check.problem}", markup=False)
        raise typer.Exit(code=1)
    output = output_console()
    output.print(check.summary(), markup=False)
    if check.count:
        output.print(f"last entry {check.last_seq}: {check.last_hash}", markup=False)


def export_audit(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="Write the export to this file (default: standard output).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    export_format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="jsonl (one JSON object per line, exact) or csv.",
        ),
    ] = "jsonl",
    from_text: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="DATE",
            help="The first day to export, YYYY-MM-DD (UTC).",
            show_default=False,
        ),
    ] = None,
    to_text: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="DATE",
            help="The last day to export, YYYY-MM-DD (UTC), inclusive.",
            show_default=False,
        ),
    ] = None,
    safe_for_spreadsheets: Annotated[
        bool,
        typer.Option(
            "--safe-for-spreadsheets",
            help="With --format csv: prefix ' to text cells a spreadsheet would run as a "
            "formula; the file then no longer checks against the hashes.",
        ),
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Export the audit trail, oldest first, each entry with its hashes."""
    from controltower.storage.audit import AuditFilters, walk_entries

    chosen = _format(export_format)
    from_day, to_day = _day("--from", from_text), _day("--to", to_text)
    if from_day is not None and to_day is not None and from_day > to_day:
        usage_error(f"--to {to_day.isoformat()} is before --from {from_day.isoformat()}")
    if safe_for_spreadsheets and chosen is not ExportFormat.CSV:
        usage_error("--safe-for-spreadsheets goes with --format csv only")
    url = resolve_settings(database_url=database_url).database_url
    filters = AuditFilters(from_day=from_day, to_day=to_day)
    with reading(url) as session, destination(out) as stream:
        entries = walk_entries(session, filters)
        if chosen is ExportFormat.JSONL:
            written = _write_jsonl(entries, stream)
        else:
            written = _write_csv(entries, stream, safe=safe_for_spreadsheets)
    if out is not None:
        noun = "entry" if written == 1 else "entries"
        errors_console().print(f"Wrote {written} audit {noun} to {out}.", markup=False)


# --- Reading what was asked -------------------------------------------------------------


def _format(value: str) -> ExportFormat:
    try:
        return ExportFormat(value.strip().lower())
    except ValueError:
        usage_error(f"--format: {value!r} is not a format; choose jsonl or csv")


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        usage_error(f"{option}: {value!r} is not a date; write it as YYYY-MM-DD")


# --- Working on the database and the output ---------------------------------------------


@contextmanager
def reading(url: str) -> Iterator[Session]:
    """A read-only session on the database at ``url`` (its schema current); a database
    that cannot be used is one line and exit 1."""
    from controltower.storage.database import (
        ensure_schema_current,
        make_engine,
        make_session_factory,
    )

    with database_problems(url):
        engine = make_engine(url)
        try:
            ensure_schema_current(engine)
            with make_session_factory(engine)() as session:
                yield session
        finally:
            engine.dispose()


@contextmanager
def destination(out: Path | None) -> Iterator[IO[str]]:
    """Standard output, or ``out`` written beside it first and moved into place once
    complete (a failure leaves no half file behind)."""
    if out is None:
        yield sys.stdout
        return
    partial = out.with_name(out.name + ".partial")
    with writing_files(out):
        try:
            with partial.open("w", encoding="utf-8", newline="") as stream:
                yield stream
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)


def exported(entry: ChainedEntry) -> dict[str, Any]:
    """One entry as an export holds it: every field, ``at`` as the hash covers it."""
    from controltower.domain.audit import hashed_document

    return {
        "seq": entry.seq,
        **hashed_document(entry.record),
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }


def _write_jsonl(entries: Iterator[ChainedEntry], stream: IO[str]) -> int:
    from controltower.domain.audit import canonical_json

    written = 0
    for entry in entries:
        stream.write(canonical_json(exported(entry)) + "\n")
        written += 1
    return written


def _write_csv(entries: Iterator[ChainedEntry], stream: IO[str], *, safe: bool) -> int:
    from controltower.connectors.dataset.writer import neutralise_formula
    from controltower.domain.audit import stored_json

    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    written = 0
    for entry in entries:
        document = exported(entry)
        document["old"] = stored_json(document["old"])
        document["new"] = stored_json(document["new"])
        cells = ["" if document[name] is None else str(document[name]) for name in COLUMNS]
        writer.writerow([neutralise_formula(cell) for cell in cells] if safe else cells)
        written += 1
    return written
