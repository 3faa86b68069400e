"""No value ``import`` accepts can crash a scan, an export or a page.

The edges of every column (its smallest and largest value, the first and last date of
the calendar, ``9999-12-31`` and ``0001-01-01``, long and unicode text) are put into a
small business; whatever ``import`` accepts then goes through both scans, an export
and a page, and whatever it refuses is refused in one located line, never a
traceback. The crashes once seen with such values have their own tests first.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
import typer
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from controltower.cli import dataset_cmds, scan_cmd
from controltower.connectors.dataset.columns import FILES, Column
from controltower.connectors.dataset.values import (
    INT32_MAX,
    MAX_DAYS,
    NO_DATE,
    Boolean,
    Choice,
    DateOrDateTime,
    DecimalNumber,
    IsoDate,
    Text,
    WholeNumber,
)
from controltower.domain.model import FIRST_DATE, LAST_DATE
from helpers.scanned_demo import api_client

pytestmark = pytest.mark.database

MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "minimal"
AS_OF = "2026-11-20"
#: the largest quantity the columns hold (2**62 - 1 millionths)
LARGEST = "4611686018427.387903"
#: a refusal as users read it: ``file:line:column: message``
LOCATED = re.compile(r"^[a-z_]+\.csv:\d+(?::[a-z_]+)?: \S", re.MULTILINE)
#: the scan's refusal of open quantities adding up beyond what the engine sums exactly
BEYOND_THE_SUMS = "more than the engine can sum exactly"


def run(*args: str | Path) -> Result:
    app = typer.Typer()
    dataset_cmds.register(app)
    scan_cmd.register(app)
    return CliRunner().invoke(app, [str(arg) for arg in args], env={"COLUMNS": "200"})


def copy_of_minimal(root: Path) -> Path:
    folder = root / "dataset"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(MINIMAL, folder)
    return folder


def edit(folder: Path, file: str, line: int, column: str, value: str) -> None:
    """Put ``value`` in ``column`` of physical ``line`` of ``file`` (the header is line 1)."""
    path = folder / file
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[line - 1][rows[0].index(column)] = value
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def assert_no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------------ the crashes once seen


def test_no_date_as_a_purchase_order_line_s_expected_date_is_scanned_as_blank(
    tmp_path: Path, database_url: str
) -> None:
    folder = copy_of_minimal(tmp_path)
    edit(folder, "purchase_order_lines.csv", 3, "expected_date", NO_DATE)  # PO77 line 1

    imported = run("import", folder, "--no-scan", "--database-url", database_url)
    stored = run("scan", "--db", "--as-of", AS_OF, "--database-url", database_url)
    stateless = run("scan", folder, "--json", "--as-of", AS_OF)
    edit(folder, "purchase_order_lines.csv", 3, "expected_date", "")
    blank = run("scan", folder, "--json", "--as-of", AS_OF)

    assert imported.exit_code == 0, imported.output
    assert stored.exit_code == 0, stored.output
    assert stateless.exit_code == 0, stateless.output
    assert stateless.stdout == blank.stdout


def test_no_date_as_a_purchase_order_s_expected_date_is_refused_at_import(
    tmp_path: Path, database_url: str
) -> None:
    folder = copy_of_minimal(tmp_path)
    edit(folder, "purchase_orders.csv", 3, "expected_date", NO_DATE)

    result = run("import", folder, "--database-url", database_url)

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert (
        f"purchase_orders.csv:3:expected_date: '{NO_DATE}' is outside the dates Control "
        f"Tower reads ({FIRST_DATE} to {LAST_DATE}); {NO_DATE} often stands for 'no date', "
        "but this column needs a real date"
    ) in result.output


@pytest.mark.parametrize("as_of", ["9999-12-30", "0001-01-01"])
def test_an_as_of_date_beyond_the_calendar_is_refused_by_both_scans(
    database_url: str, as_of: str
) -> None:
    assert run("import", MINIMAL, "--database-url", database_url).exit_code == 0

    stateless = run("scan", MINIMAL, "--json", "--as-of", as_of)
    stored = run("scan", "--db", "--as-of", as_of, "--database-url", database_url)

    for result in (stateless, stored):
        assert result.exit_code == 2, result.output
        assert_no_traceback(result)
        assert "is outside the dates Control Tower scans" in result.output


@pytest.mark.parametrize(
    ("file", "line", "column", "value", "message"),
    [
        (
            "purchase_order_lines.csv",
            3,
            "line",
            "3000000000",
            f"must be {INT32_MAX} or less: '3000000000'",
        ),
        (
            "warehouses.csv",
            2,
            "pick_capacity_lines_per_day",
            "12345678901234567890",
            f"must be {INT32_MAX} or less: '12345678901234567890'",
        ),
        (
            "transfer_lanes.csv",
            2,
            "transit_days",
            "12345678901234567890",
            f"must be {MAX_DAYS} or less: '12345678901234567890'",
        ),
        (
            "products.csv",
            2,
            "name",
            "Circuit breaker\x00",
            "holds the control character U+0000 at character 16; "
            "control characters other than tab and line breaks are not accepted",
        ),
    ],
)
def test_a_value_beyond_its_column_is_refused_at_import_in_one_located_line(
    tmp_path: Path, database_url: str, file: str, line: int, column: str, value: str, message: str
) -> None:
    folder = copy_of_minimal(tmp_path)
    edit(folder, file, line, column, value)

    imported = run("import", folder, "--database-url", database_url)
    scanned = run("scan", folder, "--json", "--as-of", AS_OF)

    for result in (imported, scanned):
        assert result.exit_code == 1
        assert_no_traceback(result)
        assert f"{file}:{line}:{column}: {message}" in result.output
    assert "nothing was imported" in imported.output
    nothing = run("export", tmp_path / "out", "--database-url", database_url)
    assert nothing.exit_code != 0  # no picture was stored


def test_a_quantity_of_ten_to_the_308_is_refused_at_import_in_one_located_line(
    tmp_path: Path, database_url: str
) -> None:
    folder = copy_of_minimal(tmp_path)
    edit(folder, "sales_order_lines.csv", 3, "qty", "1" + "0" * 308)

    result = run("import", folder, "--database-url", database_url)

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert LOCATED.search(result.output), result.output
    assert "sales_order_lines.csv:3:qty: 10000000000000000000... (309 characters) is too large" in (
        result.output
    )


# ------------------------------------------------------- every column at its edges


def _edges(column: Column) -> list[str]:
    """The values at the edges of ``column``'s type (some of them beyond it)."""
    kind = column.type
    if isinstance(kind, Text):
        long = "Ω/#?é " * 40 + "😀"
        return [
            long.strip(),
            "x",
            "漢字 / ʕ•ᴥ•ʔ",
            *(["two\nlines\tand a tab"] if kind.free_text else []),
        ]
    if isinstance(kind, DecimalNumber):
        return ["0", "0.000001", LARGEST, *(["-" + LARGEST] if kind.allow_negative else [])]
    if isinstance(kind, WholeNumber):
        return [str(kind.minimum), str(kind.maximum), str(kind.maximum + 1)]
    if isinstance(kind, IsoDate):
        return [FIRST_DATE.isoformat(), LAST_DATE.isoformat(), NO_DATE, "0001-01-01"]
    if isinstance(kind, DateOrDateTime):
        return ["1900-01-01T00:00:00", "9000-12-31T23:59:59", "9999-12-31T23:59:59", "0001-01-01"]
    if isinstance(kind, Boolean):
        return ["true", "false"]
    assert isinstance(kind, Choice)
    return [member.value for member in kind.enumeration]


#: (file, column, edge values) of every column of the format
_CELLS = [(spec.name, column.name, _edges(column)) for spec in FILES for column in spec.columns]


def _rows(file: str) -> int:
    with (MINIMAL / file).open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


@st.composite
def edits(draw: st.DrawFn) -> list[tuple[str, int, str, str]]:
    """A few cells of the minimal business set to edge values."""
    chosen = draw(st.lists(st.sampled_from(_CELLS), min_size=1, max_size=6))
    made = []
    for file, column, values in chosen:
        line = draw(st.integers(min_value=2, max_value=_rows(file) + 1))
        value = draw(st.sampled_from(values))
        made.append((file, line, column, value))
    return made


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=edits())
def test_whatever_import_accepts_scans_exports_and_shows(
    tmp_path: Path, migrated_database_url: str, changes: list[tuple[str, int, str, str]]
) -> None:
    folder = copy_of_minimal(tmp_path)
    for file, line, column, value in changes:
        edit(folder, file, line, column, value)
    url = migrated_database_url

    imported = run("import", folder, "--no-scan", "--database-url", url, "--replace-all")
    stateless = run("scan", folder, "--json", "--as-of", AS_OF)

    assert_no_traceback(imported)
    assert_no_traceback(stateless)
    event("refused at import" if imported.exit_code else "imported")
    if imported.exit_code != 0:
        assert imported.exit_code == 1
        assert LOCATED.search(imported.output), imported.output
        assert stateless.exit_code == 1
        return
    stored = run("scan", "--db", "--as-of", AS_OF, "--database-url", url)
    shutil.rmtree(tmp_path / "export", ignore_errors=True)
    exported = run("export", tmp_path / "export", "--database-url", url)
    for result in (stored, exported):
        assert_no_traceback(result)
    assert exported.exit_code == 0, exported.output
    if BEYOND_THE_SUMS in stateless.output:
        assert stored.exit_code == 1
        assert BEYOND_THE_SUMS in stored.output
        return
    assert stateless.exit_code == 0, stateless.output
    assert stored.exit_code == 0, stored.output
    with api_client(url) as client:
        assert client.get("/orders", params={"show": "all"}).status_code == 200
        assert client.get("/exceptions").status_code == 200
