"""What every command shares at the edge: consoles, progress, and turning failures
into one clear message and an exit status.

Storage, the dataset reader and the policy are imported only by the helpers that need
them, so that a command starts quickly and ``scan DIR --json`` can start reading its
folder before the rest of the product is loaded.

Standard output carries results only (so ``scan --json`` can be piped); progress bars,
warnings and errors go to standard error.

What is printed is data (codes, names, messages quoting values), never Rich markup or
emoji codes: the consoles read neither, so ``SO[/]1`` cannot crash a line or a table and
``CBL:x:2X:warning:14`` is not turned into an emoji. Style goes through ``style=``
arguments and ``Text`` objects, never through markup.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from controltower.domain.model import Dataset
    from controltower.policy import Policy
    from controltower.policy.diagnostics import PolicyProblem

ProgressCallback = Callable[[str, int, int], None]
ProgressFactory = Callable[[str], ProgressCallback]


def errors_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


def output_console() -> Console:
    return Console(highlight=False, soft_wrap=True, markup=False, emoji=False)


def table_console() -> Console:
    """Standard output for a table: wrapped to the terminal, data read as plain text."""
    return Console(highlight=False, markup=False, emoji=False)


@contextmanager
def database_problems(url: str) -> Iterator[None]:
    """Turn refusals, malformed URLs and databases that cannot be used into one clear
    line: exit 2 for a URL that is wrong as written, 1 for everything else.

    The wording lives with storage (:func:`~controltower.storage.database.unavailable_error`):
    the URL without its password, and what is wrong (a folder that does not exist, a
    permission denied, a server that cannot be reached at host:port, a full disk). A
    transaction open inside the block has been rolled back by the time the line is
    printed, so nothing of it is stored. Errors that say nothing about the database
    being usable are faults of the program and propagate.
    """
    from sqlalchemy.exc import DBAPIError

    from controltower.storage.database import (
        DatabaseUrlError,
        StorageError,
        unavailable_error,
    )

    try:
        yield
    except DatabaseUrlError as exc:
        errors_console().print(f"Error: {exc}", markup=False)
        raise typer.Exit(code=2) from exc
    except StorageError as exc:
        errors_console().print(f"Error: {exc}", markup=False)
        raise typer.Exit(code=1) from exc
    except DBAPIError as exc:
        unavailable = unavailable_error(url, exc)
        if unavailable is None:
            raise
        errors_console().print(f"Error: {unavailable}", markup=False)
        raise typer.Exit(code=1) from exc


def disk_full(error: OSError) -> bool:
    """Whether ``error`` says the disk (or the quota) is full."""
    return error.errno in (errno.ENOSPC, errno.EDQUOT)


@contextmanager
def writing_files(where: Path | str) -> Iterator[None]:
    """A file under ``where`` that cannot be written (a full disk, a permission denied,
    a file where a folder should be): one line naming it and why, exit 1."""
    try:
        yield
    except OSError as exc:
        target = exc.filename or where
        reason = (
            "no space left on the device" if disk_full(exc) else (exc.strerror or str(exc)).lower()
        )
        errors_console().print(f"Error: cannot write {target}: {reason}", markup=False)
        raise typer.Exit(code=1) from exc


def progress_display() -> Progress:
    """A progress display on standard error, shown only when it is a terminal."""
    console = errors_console()
    return Progress(
        TextColumn("{task.description:<40}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


@contextmanager
def progress_bar() -> Iterator[ProgressFactory]:
    """A progress bar for ``(name, done, total)`` reports.

    Yields ``progress(verb)``, which makes a ``(name, done, total)`` callback that
    shows "<verb> <name>" with its count.
    """
    bar = progress_display()
    task = bar.add_task("", total=None)

    def factory(verb: str) -> ProgressCallback:
        def report(name: str, done: int, total: int) -> None:
            bar.update(task, description=f"{verb} {name}", completed=done, total=total)

        return report

    with bar:
        yield factory


@contextmanager
def stage_display() -> Iterator[Callable[[str], None]]:
    """A spinner on standard error naming the step a long computation is in.

    Yields ``stage(description)``; shown only when standard error is a terminal.
    """
    bar = progress_display()
    task = bar.add_task("", total=None)

    def stage(description: str) -> None:
        bar.update(task, description=description)

    with bar:
        yield stage


def read_dataset_or_exit(folder: Path, *, outcome: str) -> Dataset:
    """The dataset in ``folder``; on any problem, every one on standard error and exit 1.

    ``outcome`` completes the closing line, e.g. "nothing was imported".
    """
    from controltower.connectors.dataset import DatasetInvalidError, read_dataset

    errors = errors_console()
    try:
        with progress_bar() as progress:
            result = read_dataset(folder, progress=progress("Reading"))
    except DatasetInvalidError as exc:
        for warning in exc.warnings:
            errors.print(f"warning: {warning}", markup=False)
        for problem in exc.problems:
            errors.print(str(problem), markup=False)
        left_out = exc.total - len(exc.problems)
        if left_out > 0:
            errors.print(f"... and {left_out} more", markup=False)
        noun = "problem" if exc.total == 1 else "problems"
        errors.print(f"{folder}: {exc.total} {noun}; {outcome}.", markup=False)
        raise typer.Exit(code=1) from exc
    for warning in result.warnings:
        errors.print(f"warning: {warning}", markup=False)
    return result.dataset


def policy_or_exit(path: Path | None) -> Policy:
    """The policy (defaults overlaid by ``path``, else by the file
    ``CONTROLTOWER_POLICY_FILE`` names). A file that cannot be used is refused before the
    command does anything: every problem in it as ``FILE:LINE: key: message`` on standard
    error (:func:`print_policy_problems`), exit 2."""
    import os

    from controltower.domain.errors import PolicyError
    from controltower.policy import load_policy
    from controltower.policy.diagnostics import PolicyInvalidError

    if path is None and os.environ.get("CONTROLTOWER_POLICY_FILE", "").strip():
        path = Path(os.environ["CONTROLTOWER_POLICY_FILE"].strip())
    try:
        return load_policy(path)
    except PolicyInvalidError as exc:
        source = "the default policy" if path is None else str(path)
        print_policy_problems(exc.problems, source, outcome="nothing was done")
        raise typer.Exit(code=2) from exc
    except PolicyError as exc:
        errors_console().print(f"Error: {exc}", markup=False)
        raise typer.Exit(code=2) from exc


def print_policy_problems(problems: Sequence[PolicyProblem], source: str, *, outcome: str) -> None:
    """Each problem of a policy file on its own line, then ``Error: FILE: N problems;
    <outcome>.``; a file that cannot be read at all is the one ``Error:`` line."""
    errors = errors_console()
    if len(problems) == 1 and problems[0].line is None and problems[0].key is None:
        errors.print(f"Error: {problems[0]}", markup=False)
        return
    for problem in problems:
        errors.print(str(problem), markup=False)
    noun = "problem" if len(problems) == 1 else "problems"
    errors.print(f"Error: {source}: {len(problems)} {noun}; {outcome}.", markup=False)
