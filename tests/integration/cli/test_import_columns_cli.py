"""``controltower import`` reads a folder as columns and writes it in bulk.

The fast reader reads what it can; the row reader reads (and reports on) the rest. A
quantity with more than six decimals is valid in the format but refused by ``import``
with its file, line and column; fractions of a second of a pick's time are kept.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from controltower.cli.dataset_cmds import register
from controltower.connectors.dataset import read_dataset, write_dataset
from controltower.connectors.dataset.fast_reader import FastPathDeclined, read_tables
from controltower.demo import generate_business
from controltower.domain.model import Dataset
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.repository import StoredPicture, list_pictures, load_picture

pytestmark = pytest.mark.database

MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "minimal"
RULE = "Control Tower keeps quantities and money to six decimals"


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine: Engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def run(app: typer.Typer, *args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args])


def stored(sessions: sessionmaker[Session]) -> tuple[list[StoredPicture], Dataset]:
    with sessions() as session:
        return list_pictures(session), load_picture(session)


def copy_of_minimal(tmp_path: Path, name: str = "dataset") -> Path:
    folder = tmp_path / name
    shutil.copytree(MINIMAL, folder)
    return folder


def set_cell(path: Path, line: int, column: str, value: str) -> None:
    """Put ``value`` in ``column`` of the row on physical ``line`` (no quoted newlines)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[line - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_a_generated_business_is_stored_as_the_row_reader_reads_it(
    app: typer.Typer, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = tmp_path / "demo"
    write_dataset(generate_business("small", seed=7, as_of=date(2026, 11, 25)), folder)
    result = run(app, "import", folder, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    _, dataset = stored(sessions)
    assert dataset == read_dataset(folder).dataset


def test_a_quantity_with_more_than_six_decimals_is_refused_naming_file_line_column_and_rule(
    app: typer.Typer, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    assert run(app, "import", MINIMAL, "--database-url", database_url).exit_code == 0
    before = stored(sessions)
    folder = copy_of_minimal(tmp_path)
    set_cell(folder / "sales_order_lines.csv", 3, "qty", "40.1234567")

    result = run(app, "import", folder, "--database-url", database_url)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"sales_order_lines.csv:3:qty: 40.1234567 has more than six decimals; {RULE}",
        f"{folder}: 1 problem; nothing was imported.",
    ]
    assert result.stdout == ""
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert stored(sessions) == before


def test_the_refused_line_is_where_its_row_starts_after_a_value_spanning_lines(
    app: typer.Typer, database_url: str, tmp_path: Path
) -> None:
    folder = copy_of_minimal(tmp_path)
    products = folder / "products.csv"
    lines = products.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Circuit breaker 10A", '"Circuit breaker\n10A, two lines"')
    lines.append("FUSE-99,Fuse,0.1,2.0000001,unit,,")
    products.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad_line = len(lines) + 1  # the name spanning two lines adds a physical line

    result = run(app, "import", folder, "--database-url", database_url)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"products.csv:{bad_line}:list_price: 2.0000001 has more than six decimals; {RULE}"
    )


def test_trailing_zeros_beyond_six_decimals_are_not_more_decimals(
    app: typer.Typer, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = copy_of_minimal(tmp_path)
    set_cell(folder / "sales_order_lines.csv", 3, "qty", "40.50000000")
    result = run(app, "import", folder, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    _, dataset = stored(sessions)
    assert dataset == read_dataset(folder).dataset


def test_a_quantity_too_large_for_the_columns_is_refused_the_same_way(
    app: typer.Typer, database_url: str, tmp_path: Path
) -> None:
    folder = copy_of_minimal(tmp_path)
    set_cell(folder / "stock.csv", 2, "on_hand", "98765432109876543")
    result = run(app, "import", folder, "--database-url", database_url)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "stock.csv:2:on_hand: 98765432109876543 is too large; "
        "Control Tower keeps quantities and money below 4,611,686,018,427\n"
    )
    assert "nothing was imported" in result.stderr


def test_fractions_of_a_second_of_pick_times_are_kept(
    app: typer.Typer, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = copy_of_minimal(tmp_path)
    set_cell(folder / "picks.csv", 2, "created_at", "2026-11-24T08:30:15.25+02:00")
    result = run(app, "import", folder, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    _, dataset = stored(sessions)
    assert dataset.picks[0].created_at == datetime(2026, 11, 24, 6, 30, 15, 250000)
    assert dataset == read_dataset(folder).dataset


def test_a_folder_the_fast_reader_declines_is_read_by_rows_and_stored_the_same(
    app: typer.Typer, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = copy_of_minimal(tmp_path)
    picks = folder / "picks.csv"  # an optional file starting with a blank line: no header
    picks.write_text("\n" + picks.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(FastPathDeclined):
        read_tables(folder)
    result = run(app, "import", folder, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    assert "warning: picks.csv: file is empty and was read as having no rows" in result.stderr
    _, dataset = stored(sessions)
    assert dataset == read_dataset(folder).dataset
    assert dataset.picks == []
