"""Every value of the dataset has a documented range, and both readers hold to it.

Dates lie between ``FIRST_DATE`` and ``LAST_DATE`` (``9999-12-31``, the "no date" of
many ERPs, reads as blank in an optional date column), whole numbers fit their
columns (``line`` and pick capacity 32 bits, lead and transit days a century), text
holds no control character. A value out of range is reported by the row reader with
its file, line and column, and the fast reader declines the folder, so that one
place words every problem; a value in range is read by both to the same columns.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st

from controltower.cli.scan_cmd import parse_as_of
from controltower.connectors.dataset import DatasetInvalidError, read_dataset
from controltower.connectors.dataset.column_fit import first_value_beyond_columns
from controltower.connectors.dataset.columns import FILES
from controltower.connectors.dataset.fast_reader import FastPathDeclined, read_tables
from controltower.connectors.dataset.values import (
    INT32_MAX,
    MAX_DAYS,
    NO_DATE,
    DateOrDateTime,
    IsoDate,
    Text,
    WholeNumber,
)
from controltower.domain.model import FIRST_DATE, LAST_DATE
from controltower.domain.tables import tables_from_dataset
from helpers.tables import assert_tables_equal

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "datasets" / "minimal"

#: (file, column) of every column of a type, from the format table
WHOLE_NUMBERS = [
    (spec.name, column.name)
    for spec in FILES
    for column in spec.columns
    if isinstance(column.type, WholeNumber)
]
DATES = [
    (spec.name, column.name, column.required)
    for spec in FILES
    for column in spec.columns
    if isinstance(column.type, IsoDate)
]
TEXTS = [
    (spec.name, column.name)
    for spec in FILES
    for column in spec.columns
    if isinstance(column.type, Text)
]


def folder_with(tmp_path: Path, file: str, column: str, value: str) -> Path:
    """A copy of the minimal dataset with ``value`` in ``column`` of ``file``'s line 2."""
    folder = tmp_path / "dataset"
    shutil.copytree(MINIMAL, folder)
    edit(folder / file, 2, column, value)
    return folder


def edit(path: Path, line: int, column: str, value: str) -> None:
    """Put ``value`` in ``column`` of physical ``line`` (the header is line 1)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[line - 1][rows[0].index(column)] = value
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def refused_by_both(folder: Path, file: str, column: str) -> str:
    """The row reader's one problem, located at line 2 of ``column``; the fast reader
    declines."""
    with pytest.raises(FastPathDeclined):
        read_tables(folder)
    with pytest.raises(DatasetInvalidError) as refused:
        read_dataset(folder)
    problem = refused.value.problems[0]  # a changed code may leave references dangling
    assert (problem.file, problem.line, problem.column) == (file, 2, column)
    assert str(problem).startswith(f"{file}:2:{column}: ")
    return problem.message


def read_alike_by_both(folder: Path) -> None:
    """The fast reader accepts ``folder`` and reads what the row reader reads."""
    reference = tables_from_dataset(read_dataset(folder).dataset)
    assert_tables_equal(read_tables(folder).tables, reference)


# ------------------------------------------------------------------ whole numbers


@pytest.mark.parametrize(("file", "column"), WHOLE_NUMBERS)
def test_a_whole_number_beyond_its_column_is_refused_where_it_stands(
    tmp_path: Path, file: str, column: str
) -> None:
    maximum = MAX_DAYS if column.endswith("_days") else INT32_MAX
    folder = folder_with(tmp_path, file, column, str(maximum + 1))

    message = refused_by_both(folder, file, column)

    assert message == f"must be {maximum} or less: '{maximum + 1}'"


@pytest.mark.parametrize(("file", "column"), WHOLE_NUMBERS)
def test_the_largest_whole_number_of_a_column_is_read_alike_by_both_readers(
    tmp_path: Path, file: str, column: str
) -> None:
    maximum = str(MAX_DAYS if column.endswith("_days") else INT32_MAX)
    folder = folder_with(tmp_path, file, column, maximum)
    if file == "receipts.csv":  # the purchase order line it refers to (PO78, line 1)
        folder = folder_with(tmp_path / "po", file, column, maximum)
        edit(folder / "purchase_order_lines.csv", 5, "line", maximum)

    read_alike_by_both(folder)


def test_a_number_of_thousands_of_digits_is_refused_in_words_not_a_traceback(
    tmp_path: Path,
) -> None:
    folder = folder_with(tmp_path, "transfer_lanes.csv", "transit_days", "9" * 5_000)

    message = refused_by_both(folder, "transfer_lanes.csv", "transit_days")

    assert message == f"must be {MAX_DAYS} or less: '99999999999999999999'... (5000 digits)"


def test_a_quantity_of_thousands_of_digits_is_located_for_import(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "sales_order_lines.csv", "qty", "1" + "0" * 5_000)

    problem = first_value_beyond_columns(folder, read_dataset(folder).dataset)

    assert problem is not None
    assert (problem.file, problem.line, problem.column) == ("sales_order_lines.csv", 2, "qty")
    assert "is too large" in problem.message
    assert len(str(problem)) < 200


def test_a_quantity_of_thousands_of_decimals_is_located_for_import(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "sales_order_lines.csv", "qty", "1." + "0" * 4_999 + "1")

    problem = first_value_beyond_columns(folder, read_dataset(folder).dataset)

    assert problem is not None
    assert "has more than six decimals" in problem.message


def test_trailing_zeros_of_thousands_of_decimals_are_not_decimals(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "sales_order_lines.csv", "qty", "10." + "0" * 5_000)

    assert first_value_beyond_columns(folder, read_dataset(folder).dataset) is None


# ------------------------------------------------------------------------- dates


@pytest.mark.parametrize(("file", "column"), [date_column[:2] for date_column in DATES])
@pytest.mark.parametrize("day", [FIRST_DATE - timedelta(days=1), LAST_DATE + timedelta(days=1)])
def test_a_date_outside_the_calendar_is_refused_where_it_stands(
    tmp_path: Path, file: str, column: str, day: date
) -> None:
    folder = folder_with(tmp_path, file, column, day.isoformat())

    message = refused_by_both(folder, file, column)

    assert message == (
        f"'{day.isoformat()}' is outside the dates Control Tower reads "
        f"({FIRST_DATE} to {LAST_DATE})"
    )


@pytest.mark.parametrize(("file", "column"), [date_column[:2] for date_column in DATES])
@pytest.mark.parametrize("day", [FIRST_DATE, LAST_DATE])
def test_the_first_and_last_dates_of_the_calendar_are_read_alike_by_both_readers(
    tmp_path: Path, file: str, column: str, day: date
) -> None:
    read_alike_by_both(folder_with(tmp_path, file, column, day.isoformat()))


@pytest.mark.parametrize(("file", "column", "required"), DATES)
def test_no_date_reads_as_blank_where_a_blank_is_allowed_and_is_refused_elsewhere(
    tmp_path: Path, file: str, column: str, required: bool
) -> None:
    folder = folder_with(tmp_path, file, column, NO_DATE)

    if required:
        message = refused_by_both(folder, file, column)
        assert message.endswith(
            f"; {NO_DATE} often stands for 'no date', but this column needs a real date"
        )
        return
    blank = folder_with(tmp_path / "blank", file, column, "")
    read_alike_by_both(folder)
    assert read_dataset(folder).dataset == read_dataset(blank).dataset


def test_the_optional_date_columns_are_a_purchase_order_line_s_and_the_confirmation() -> None:
    assert {(file, column) for file, column, required in DATES if not required} == {
        ("purchase_orders.csv", "confirmed_date"),
        ("purchase_order_lines.csv", "expected_date"),
    }


@pytest.mark.parametrize(
    "moment",
    ["1899-12-31T23:59:59", "9001-01-01", "9000-12-31T23:30:00-02:00", "0001-01-01"],
)
def test_a_pick_time_outside_the_calendar_is_refused(tmp_path: Path, moment: str) -> None:
    folder = folder_with(tmp_path, "picks.csv", "created_at", moment)

    message = refused_by_both(folder, "picks.csv", "created_at")

    assert "is outside the dates Control Tower reads" in message


@pytest.mark.parametrize("moment", ["1900-01-01T00:00:00", "9000-12-31T23:59:59", "9000-12-31"])
def test_a_pick_time_at_the_edge_of_the_calendar_is_read_alike(tmp_path: Path, moment: str) -> None:
    read_alike_by_both(folder_with(tmp_path, "picks.csv", "created_at", moment))


@given(st.dates())
def test_a_date_parses_exactly_when_it_lies_in_the_calendar(day: date) -> None:
    parsed = IsoDate().parse(day.isoformat())
    moment = DateOrDateTime().parse(day.isoformat())

    inside = FIRST_DATE <= day <= LAST_DATE
    assert (parsed == day) == inside
    assert (getattr(moment, "date", lambda: None)() == day) == inside


@pytest.mark.parametrize("text", ["9999-12-30", "0001-01-01", "1899-12-31", "9001-01-01"])
def test_an_as_of_date_outside_the_calendar_is_refused_with_a_message(text: str) -> None:
    with pytest.raises(typer.BadParameter) as refused:
        parse_as_of(text)

    assert refused.value.message == (
        f"'{text}' is outside the dates Control Tower scans ({FIRST_DATE} to {LAST_DATE})"
    )


@pytest.mark.parametrize("text", ["1900-01-01", "9000-12-31"])
def test_the_edges_of_the_calendar_are_as_of_dates(text: str) -> None:
    assert parse_as_of(text) == date.fromisoformat(text)


# -------------------------------------------------------------- control characters


@pytest.mark.parametrize(("file", "column"), TEXTS)
def test_a_nul_in_any_text_is_refused_where_it_stands(
    tmp_path: Path, file: str, column: str
) -> None:
    folder = folder_with(tmp_path, file, column, "A\x00B")

    message = refused_by_both(folder, file, column)

    assert message.startswith("holds the control character U+0000 at character 2;")


@pytest.mark.parametrize("character", ["\x01", "\x08", "\x0b", "\x1b", "\x1f", "\x7f"])
def test_a_control_character_in_a_name_is_refused(tmp_path: Path, character: str) -> None:
    folder = folder_with(tmp_path, "products.csv", "name", f"Cable{character}reel")

    message = refused_by_both(folder, "products.csv", "name")

    assert message == (
        f"holds the control character U+{ord(character):04X} at character 6; "
        "control characters other than tab and line breaks are not accepted"
    )


@pytest.mark.parametrize("character", ["\t", "\n", "\r\n"])
def test_a_name_may_hold_tabs_and_line_breaks(tmp_path: Path, character: str) -> None:
    read_alike_by_both(folder_with(tmp_path, "products.csv", "name", f"Cable{character}reel"))


@pytest.mark.parametrize("character", ["\t", "\n", "\x1b"])
def test_a_code_holds_no_control_character_not_even_a_tab(tmp_path: Path, character: str) -> None:
    folder = folder_with(tmp_path, "invoices.csv", "invoice_id", f"INV{character}1")

    message = refused_by_both(folder, "invoices.csv", "invoice_id")

    assert message == (
        f"holds the control character U+{ord(character):04X} at character 4; "
        "control characters are not accepted"
    )


def test_whitespace_around_a_code_is_still_trimmed_by_both_readers(tmp_path: Path) -> None:
    read_alike_by_both(folder_with(tmp_path, "invoices.csv", "invoice_id", "\tINV-1 "))
