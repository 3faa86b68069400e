"""The ``controltower`` command line as the tests run it, and what a database holds.

:func:`run_cli` runs the real application (``controltower.cli.main.app``) in the test's
process; :func:`database_dump` reads every row of every table, so a test can say that a
refused command changed nothing; :func:`assert_refused` checks a refusal the way a
person reads it: one line on standard error naming what was wrong, the exit status, no
traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

import sqlalchemy as sa
from typer.testing import CliRunner, Result

from controltower.cli.main import app
from controltower.storage.database import make_engine

MINIMAL: Final = Path(__file__).resolve().parents[1] / "fixtures" / "datasets" / "minimal"
#: the date the minimal dataset is drawn around
MINIMAL_AS_OF: Final = "2026-11-25"


def run_cli(
    *args: str | Path, env: Mapping[str, str | None] | None = None, stdin: str | None = None
) -> Result:
    """``controltower ARGS`` in a wide terminal (lines are not wrapped)."""
    environment = {"COLUMNS": "200", **(env or {})}
    return CliRunner().invoke(app, [str(arg) for arg in args], env=environment, input=stdin)


def database_dump(url: str) -> dict[str, list[str]]:
    """Every table's rows, each as text, sorted: equal dumps, equal databases."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            names = sorted(sa.inspect(connection).get_table_names())
            return {
                name: sorted(
                    repr(tuple(row))
                    for row in connection.exec_driver_sql(f'SELECT * FROM "{name}"')
                )
                for name in names
            }
    finally:
        engine.dispose()


def stderr_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_refused(result: Result, exit_code: int, *named: str) -> str:
    """``result`` exited ``exit_code`` with one line on standard error that names each of
    ``named`` and no traceback; that line."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}"
    )
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == exit_code, result.output
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    for name in named:
        assert name in lines[0], (name, lines[0])
    return lines[0]
