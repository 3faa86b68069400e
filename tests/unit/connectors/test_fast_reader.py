"""The fast columnar reader: the row reader's tables exactly, or a decline.

``read_tables`` must never accept a folder ``read_dataset`` refuses, and whenever it
accepts one its tables must equal ``tables_from_dataset(read_dataset(folder).dataset)``
array for array, with the same warnings. Every test here compares against that
reference: generated businesses, each class of problem, the ordinary variations a
real export has, and random cells.
"""

from __future__ import annotations

import csv
import io
import random
import tempfile
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from controltower.connectors.dataset import (
    DatasetInvalidError,
    fast_reader,
    read_dataset,
    write_dataset,
)
from controltower.connectors.dataset.columns import FILES
from controltower.connectors.dataset.fast_reader import (
    WHITESPACE,
    FastPathDeclined,
    FastReadResult,
    read_tables,
)
from controltower.demo import generate_business
from controltower.demo.sizes import size_named
from controltower.domain.columnar import ColumnarPrecisionError
from controltower.domain.tables import DatasetTables, tables_from_dataset

# A small dataset touching every file and most spellings: codes of several widths and
# out of order, blanks of every kind, zones, a quoted name, a BOM-free plain layout.
BASELINE: dict[str, str] = {
    "warehouses.csv": """\
code,name,company,pick_capacity_lines_per_day
W1,North,acme,100
WEST,South,,
""",
    "transfer_lanes.csv": """\
from_warehouse,to_warehouse,transit_days
W1,WEST,2
WEST,W1,0
""",
    "products.csv": """\
sku,name,unit_cost,list_price,uom,reorder_point,reorder_qty
P1,"Cable, heavy",1.25,10,m,5,20
LAMP-22,Lampe à pied,3,,,,
P3,Fuse,.5,0.90,unit,,
""",
    "customers.csv": """\
code,name,tier,credit_limit,credit_hold,account_owner,accepts_partial
C2,Corner shop,,,,,
C1,Northwind,strategic,5000,false,ann,yes
""",
    "suppliers.csv": """\
code,name,lead_days
S1,Acme,5
S22,Volt,
""",
    "stock.csv": """\
sku,warehouse,on_hand,quality_hold
P1,W1,10,2
LAMP-22,W1,5,
P3,WEST,7.25,7.25
""",
    "sales_orders.csv": """\
order_id,customer,warehouse,order_date,promised_date,expedite,accepts_partial,status,salesperson
SO1,C1,W1,2026-01-05,2026-01-10,TRUE,,open,sam
SO2,C2,WEST,2026-01-06,2026-01-12,,0,,
SO10,C1,WEST,2026-01-07,2026-01-14,no,yes,done,sam
""",
    "sales_order_lines.csv": """\
order_id,line,sku,qty,qty_shipped,qty_reserved,unit_price,list_price
SO1,1,P1,4,1,0,9.5,
SO1,2,LAMP-22,1,,,,
SO2,1,P3,2.5,,,,
SO10,1,P1,1,1,,9.75,10
""",
    "purchase_orders.csv": """\
po_id,supplier,warehouse,order_date,expected_date,confirmed_date,status,buyer
PO1,S1,W1,2026-01-02,2026-01-09,,open,bea
PO2,S22,WEST,2026-01-03,2026-01-20,2026-01-04,cancelled,
""",
    "purchase_order_lines.csv": """\
po_id,line,sku,qty,qty_received,expected_date,unit_cost
PO1,1,P1,10,3,,1.2
PO1,2,LAMP-22,.5,,2026-01-11,
PO2,1,P3,8,,,
""",
    "receipts.csv": """\
receipt_id,po_id,line,received_date,qty,damaged_qty,put_away
R1,PO1,1,2026-01-07,3,,
R0,PO1,1,2026-01-08,0,,no
""",
    "invoices.csv": """\
invoice_id,customer,due_date,amount_residual,disputed
I1,C1,2026-02-01,-15.5,
I2,C2,2026-02-03,120,yes
""",
    "returns.csv": """\
rma_id,customer,order_id,sku,qty,requested_date,status
RMA1,C1,SO1,P1,1,2026-01-08,
RMA2,C2,,P3,2,2026-01-09,approved
""",
    "picks.csv": """\
pick_id,order_id,warehouse,created_at,assigned_to,status
K1,SO1,W1,2026-01-06T09:15,,
K2,SO2,WEST,2026-01-07,lee,done
K3,SO10,WEST,2026-01-07T23:30:00-02:00,lee,open
K4,SO10,WEST,2026-01-08T06:05:09,,open
""",
}


# --- building and comparing -------------------------------------------------------


def write_folder(root: Path, files: dict[str, str]) -> Path:
    folder = root / "dataset"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    return folder


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def text_of(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def with_cell(files: dict[str, str], file: str, line: int, column: str, value: str) -> None:
    """Put ``value`` in ``column`` of physical ``line`` (header = 1), quoted as needed."""
    rows = rows_of(files[file])
    rows[line - 1][rows[0].index(column)] = value
    files[file] = text_of(rows)


def with_column(text: str, name: str, value: str) -> str:
    """``text`` with a column ``name`` holding ``value`` inserted after the fourth."""
    rows = rows_of(text)
    return text_of([[*row[:4], name if i == 0 else value, *row[4:]] for i, row in enumerate(rows)])


def assert_tables_equal(fast: DatasetTables, reference: DatasetTables) -> None:
    """Every vocabulary and every array equal, with the same dtype."""
    assert fast.vocab == reference.vocab
    for table_field in fields(reference):
        if table_field.name == "vocab":
            continue
        fast_table = getattr(fast, table_field.name)
        reference_table = getattr(reference, table_field.name)
        for column in fields(reference_table):
            got = getattr(fast_table, column.name)
            expected = getattr(reference_table, column.name)
            where = f"{table_field.name}.{column.name}"
            assert got.dtype == expected.dtype, where
            if expected.dtype == object:
                assert got.tolist() == expected.tolist(), where
            else:
                assert np.array_equal(got, expected), where


def reference_of(folder: Path) -> tuple[DatasetTables, list[str]]:
    result = read_dataset(folder)
    return tables_from_dataset(result.dataset), result.warnings


def assert_read_as_the_reference(folder: Path) -> FastReadResult:
    """The fast reader accepts ``folder`` and reads exactly what the row reader reads."""
    expected, warnings = reference_of(folder)
    fast = read_tables(folder)
    assert_tables_equal(fast.tables, expected)
    assert fast.warnings == warnings
    return fast


def assert_declined_and_refused(folder: Path) -> None:
    """The row reader reports a problem, and the fast reader declines the folder."""
    with pytest.raises(DatasetInvalidError):
        read_dataset(folder)
    with pytest.raises(FastPathDeclined):
        read_tables(folder)


# --- generated businesses ---------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "seed", "as_of"),
    [
        ("small", 7, date(2026, 11, 25)),
        ("small", 1, date(2026, 11, 23)),
        ("small", 2, date(2026, 11, 28)),
        ("small", 11, date(2026, 3, 1)),
        ("medium", 3, date(2026, 11, 25)),
    ],
)
def test_a_generated_business_reads_exactly_as_the_row_reader_reads_it(
    tmp_path: Path, size: str, seed: int, as_of: date
) -> None:
    folder = tmp_path / "dataset"
    write_dataset(generate_business(size_named(size), seed=seed, as_of=as_of), folder)

    fast = assert_read_as_the_reference(folder)

    assert fast.tables.row_counts()["sales_order_lines"] > 0


def test_a_generated_business_with_its_rows_shuffled_reads_as_the_row_reader_reads_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "dataset"
    write_dataset(generate_business(size_named("small"), seed=5, as_of=date(2026, 11, 25)), folder)
    shuffle = random.Random(5).shuffle
    for spec in FILES:
        rows = rows_of((folder / spec.name).read_text(encoding="utf-8"))
        body = rows[1:]
        shuffle(body)
        (folder / spec.name).write_text(text_of([rows[0], *body]), encoding="utf-8")

    assert_read_as_the_reference(folder)


# --- what a real export holds and the fast path must accept --------------------------


def test_the_baseline_is_read_as_the_row_reader_reads_it(tmp_path: Path) -> None:
    fast = assert_read_as_the_reference(write_folder(tmp_path, BASELINE))

    assert fast.warnings == []
    assert fast.tables.vocab.warehouses.codes == ("W1", "WEST")
    assert fast.tables.vocab.orders.codes == ("SO1", "SO10", "SO2")


@pytest.mark.parametrize(
    ("file", "line", "column", "value"),
    [
        ("sales_order_lines.csv", 2, "unit_price", "12.50"),
        ("sales_order_lines.csv", 2, "qty", "007"),
        ("sales_order_lines.csv", 2, "qty", "4."),
        ("sales_order_lines.csv", 2, "qty", "4.000000"),
        ("sales_order_lines.csv", 2, "qty", "4.5000000000"),
        ("sales_order_lines.csv", 2, "qty", "123456789012.5"),
        ("sales_order_lines.csv", 2, "qty", "4611686018427.387903"),
        ("sales_order_lines.csv", 2, "unit_price", ""),
        ("sales_order_lines.csv", 2, "qty_shipped", "  "),
        ("sales_order_lines.csv", 2, "line", "0001"),
        ("sales_order_lines.csv", 2, "line", "00000000000000000000001"),
        ("invoices.csv", 2, "amount_residual", "-0"),
        ("invoices.csv", 2, "amount_residual", "-.25"),
        ("products.csv", 2, "name", 'Cable, heavy "duty"\nreel'),
        ("products.csv", 2, "name", "\u3000Cable\xa0"),
        ("products.csv", 2, "sku", " P1\t"),
        ("customers.csv", 3, "credit_hold", "YES"),
        ("customers.csv", 3, "tier", ""),
        ("warehouses.csv", 2, "company", ""),
        ("purchase_orders.csv", 2, "confirmed_date", "2024-02-29"),
        ("picks.csv", 2, "created_at", "2026-01-06 09:15:30.25"),
        ("picks.csv", 2, "created_at", "2026-01-06T09:15:30Z"),
        ("picks.csv", 2, "created_at", "2026-01-06T00:30:00+0530"),
        ("picks.csv", 2, "created_at", "2024-02-29T23:59:59"),
        ("picks.csv", 2, "created_at", "2026-01-06"),
        ("returns.csv", 2, "order_id", ""),
    ],
)
def test_an_ordinary_valid_value_is_accepted_and_read_exactly(
    tmp_path: Path, file: str, line: int, column: str, value: str
) -> None:
    files = dict(BASELINE)
    with_cell(files, file, line, column, value)

    assert_read_as_the_reference(write_folder(tmp_path, files))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda text: "\ufeff" + text, id="byte order mark"),
        pytest.param(lambda text: text.replace("\n", "\r\n"), id="windows line ends"),
        pytest.param(lambda text: text.replace("\n", "\r"), id="old mac line ends"),
        pytest.param(lambda text: text.rstrip("\n"), id="no final line end"),
        pytest.param(lambda text: text + "\n\n", id="blank lines at the end"),
        pytest.param(lambda text: text + ",,,,,,,\n , ,\t,,,,,\n", id="rows of bare separators"),
        pytest.param(lambda text: text.replace("\nSO1,2,", "\n\nSO1,2,"), id="a blank line"),
        pytest.param(lambda text: text + "SO2,2,P1,1\n", id="a short row"),
        pytest.param(lambda text: text + "SO2,2,P1,1,,,,,,\n", id="trailing separators"),
        pytest.param(
            lambda text: text.replace("order_id,line", " order_id , line"), id="padded header"
        ),
        pytest.param(lambda text: with_column(text, "colour", "red"), id="unknown column"),
        pytest.param(lambda text: with_column(text, " ", "x"), id="unnamed column"),
        pytest.param(
            lambda text: text_of([row[:6] + row[7:] for row in rows_of(text)]),
            id="an optional column left out",
        ),
    ],
)
def test_an_ordinary_layout_is_accepted_and_read_exactly(
    tmp_path: Path, change: Callable[[str], str]
) -> None:
    files = dict(BASELINE)
    files["sales_order_lines.csv"] = change(files["sales_order_lines.csv"])

    assert_read_as_the_reference(write_folder(tmp_path, files))


def test_a_skipped_row_leaves_nothing_in_the_vocabularies(tmp_path: Path) -> None:
    files = dict(BASELINE)
    files["warehouses.csv"] = files["warehouses.csv"].replace(",,\n", ",beta,\n") + ",, ,\n"

    fast = assert_read_as_the_reference(write_folder(tmp_path, files))

    assert fast.tables.vocab.companies.codes == ("acme", "beta")


def test_an_optional_file_may_be_absent_or_empty_with_the_row_readers_warning(
    tmp_path: Path,
) -> None:
    files = dict(BASELINE)
    del files["receipts.csv"]
    files["transfer_lanes.csv"] = ""
    files["picks.csv"] = "pick_id,order_id,warehouse,created_at,assigned_to,status\n"
    files["notes.txt"] = "remember the milk\n"
    files[".hidden"] = "x"

    fast = assert_read_as_the_reference(write_folder(tmp_path, files))

    assert fast.warnings == [
        "notes.txt: file is not part of the format and was ignored",
        "transfer_lanes.csv: file is empty and was read as having no rows",
    ]
    assert fast.tables.row_counts()["receipts"] == 0
    assert fast.tables.picks.created_at.dtype == np.int64


def test_progress_is_reported_once_per_file_in_format_order_with_its_rows(
    tmp_path: Path,
) -> None:
    files = dict(BASELINE)
    del files["returns.csv"]
    calls: list[tuple[str, int, int]] = []

    read_tables(write_folder(tmp_path, files), progress=lambda *call: calls.append(call))

    assert [call[0] for call in calls] == [s.name for s in FILES if s.name != "returns.csv"]
    assert ("sales_order_lines.csv", 4, 4) in calls
    assert ("picks.csv", 4, 4) in calls


def test_only_files_pyarrow_could_misread_are_parsed_by_the_csv_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed_by_csv: list[str] = []
    by_csv = fast_reader._cells_by_csv

    def recorded(data: np.ndarray, name: str) -> object:
        parsed_by_csv.append(name)
        return by_csv(data, name)

    monkeypatch.setattr(fast_reader, "_cells_by_csv", recorded)
    files = dict(BASELINE)
    files["stock.csv"] += "P3,W1,1\n"  # a short row: pyarrow refuses it, csv pads it
    files["customers.csv"] = respelled(files["customers.csv"], True, "\r\n", True, " ")

    assert_read_as_the_reference(write_folder(tmp_path, files))
    assert parsed_by_csv == ["stock.csv"]


def test_trimming_removes_exactly_what_str_strip_removes() -> None:
    stripped = "".join(c for c in map(chr, range(0x110000)) if c.isspace())

    assert sorted(WHITESPACE) == sorted(stripped)


# --- every class of problem: the fast path declines ---------------------------------


@pytest.mark.parametrize(
    ("file", "line", "column", "value"),
    [
        ("purchase_orders.csv", 2, "expected_date", "05/01/2026"),
        ("purchase_orders.csv", 2, "expected_date", "2026-1-5"),
        ("purchase_orders.csv", 2, "expected_date", "2026-02-30"),
        ("purchase_orders.csv", 2, "expected_date", "2026-13-01"),
        ("purchase_orders.csv", 2, "expected_date", "2026-01-05T10:00"),
        ("picks.csv", 2, "created_at", "tomorrow"),
        ("picks.csv", 2, "created_at", "2026-01-06T25:00"),
        ("picks.csv", 2, "created_at", "2026-02-30T10:00:00"),
        ("picks.csv", 2, "created_at", "0000-01-06T10:00:00"),
        ("picks.csv", 2, "created_at", "2026-01-06T09:15+2"),
        ("sales_order_lines.csv", 2, "qty", "+1"),
        ("sales_order_lines.csv", 2, "qty", "1e3"),
        ("sales_order_lines.csv", 2, "qty", "1,5"),
        ("sales_order_lines.csv", 2, "qty", "-1"),
        ("sales_order_lines.csv", 2, "qty", "ten"),
        ("sales_order_lines.csv", 2, "qty", "NaN"),
        ("sales_order_lines.csv", 2, "qty", "١٢"),
        ("stock.csv", 2, "quality_hold", "-0"),
        ("invoices.csv", 2, "amount_residual", "+5"),
        ("sales_order_lines.csv", 2, "line", "2.0"),
        ("sales_order_lines.csv", 2, "line", "0"),
        ("warehouses.csv", 2, "pick_capacity_lines_per_day", "0"),
        ("transfer_lanes.csv", 2, "transit_days", "-1"),
        ("suppliers.csv", 2, "lead_days", "+3"),
        ("sales_orders.csv", 3, "promised_date", "  "),
        ("sales_orders.csv", 3, "customer", ""),
        ("receipts.csv", 2, "receipt_id", ""),
        ("customers.csv", 2, "credit_hold", "maybe"),
        ("customers.csv", 2, "tier", "gold"),
        ("sales_orders.csv", 2, "status", "Open"),
        ("returns.csv", 2, "status", "lost"),
        ("picks.csv", 2, "status", "DONE"),
        ("stock.csv", 2, "quality_hold", "10.5"),
        ("sales_order_lines.csv", 2, "sku", "XYZ"),
        ("sales_order_lines.csv", 2, "sku", "p1"),
        ("sales_orders.csv", 2, "customer", "C9"),
        ("sales_order_lines.csv", 2, "order_id", "SO9"),
        ("purchase_order_lines.csv", 2, "po_id", "PO9"),
        ("returns.csv", 2, "order_id", "SO3"),
        ("picks.csv", 2, "warehouse", "W9"),
        ("receipts.csv", 2, "line", "9"),
        ("products.csv", 3, "sku", "P1"),
        ("receipts.csv", 3, "receipt_id", "R1"),
        ("receipts.csv", 3, "receipt_id", " R1 "),
        ("sales_order_lines.csv", 3, "line", "1"),
    ],
)
def test_a_problem_the_row_reader_reports_makes_the_fast_path_decline(
    tmp_path: Path, file: str, line: int, column: str, value: str
) -> None:
    files = dict(BASELINE)
    with_cell(files, file, line, column, value)

    assert_declined_and_refused(write_folder(tmp_path, files))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda files: files.pop("products.csv"), id="missing required file"),
        pytest.param(lambda files: files.update({"suppliers.csv": ""}), id="empty required"),
        pytest.param(
            lambda files: files.update({"stock.csv": "sku,warehouse\nP1,W1\n"}),
            id="missing required column",
        ),
        pytest.param(
            lambda files: files.update({"suppliers.csv": "code,name,code\nS1,Acme,S1\n"}),
            id="column named twice",
        ),
        pytest.param(
            lambda files: files.update({"suppliers.csv": "code,name,lead_days\nS1,Acme,5,x\n"}),
            id="long row",
        ),
        pytest.param(
            lambda files: files.update({"stock.csv": files["stock.csv"] + "P3,W1\n"}),
            id="short row missing a required value",
        ),
        pytest.param(
            lambda files: files.update({"suppliers.csv": 'code,name\nS1,"Acme" Wire\n'}),
            id="text after a closing quote",
        ),
        pytest.param(
            lambda files: files.update({"suppliers.csv": 'code,name\nS1,"Acme\n'}),
            id="quote never closed",
        ),
        pytest.param(
            lambda files: files.update({"stock.csv": files["stock.csv"] + "P1,W1,3,\n"}),
            id="duplicate composite key",
        ),
    ],
)
def test_a_broken_file_makes_the_fast_path_decline(
    tmp_path: Path, change: Callable[[dict[str, str]], object]
) -> None:
    files = dict(BASELINE)
    change(files)

    assert_declined_and_refused(write_folder(tmp_path, files))


def test_bytes_that_are_not_utf8_make_the_fast_path_decline(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, BASELINE)
    (folder / "suppliers.csv").write_bytes(b"code,name\nS1,Acme\nS22,Caf\xe9 Supplies\n")

    assert_declined_and_refused(folder)


def test_a_surrogate_encoded_as_utf8_makes_the_fast_path_decline(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, BASELINE)
    (folder / "suppliers.csv").write_bytes(b"code,name\nS1,Acme\nS22,\xed\xa0\x80\n")

    assert_declined_and_refused(folder)


def test_a_missing_or_wrong_folder_is_declined(tmp_path: Path) -> None:
    with pytest.raises(FastPathDeclined):
        read_tables(tmp_path / "nowhere")
    (tmp_path / "file.csv").write_text("code\n")
    with pytest.raises(FastPathDeclined):
        read_tables(tmp_path / "file.csv")


def test_a_quantity_with_seven_decimals_is_declined_for_the_reference_engine(
    tmp_path: Path,
) -> None:
    files = dict(BASELINE)
    with_cell(files, "sales_order_lines.csv", 2, "qty", "4.0000001")
    folder = write_folder(tmp_path, files)

    dataset = read_dataset(folder).dataset
    with pytest.raises(ColumnarPrecisionError):
        tables_from_dataset(dataset)
    with pytest.raises(FastPathDeclined):
        read_tables(folder)


def test_a_quantity_too_large_for_the_columns_is_declined(tmp_path: Path) -> None:
    files = dict(BASELINE)
    with_cell(files, "sales_order_lines.csv", 2, "qty", "9999999999999")
    folder = write_folder(tmp_path, files)

    with pytest.raises(ColumnarPrecisionError):
        tables_from_dataset(read_dataset(folder).dataset)
    with pytest.raises(FastPathDeclined):
        read_tables(folder)


def test_a_file_parsed_in_many_blocks_is_read_exactly_and_one_bad_cell_declines_it(
    tmp_path: Path,
) -> None:
    files = dict(BASELINE)
    rows = [
        f"S{number:06d},Supplier number {number} of a file too big for one block,{number % 30}"
        for number in range(90_000)
    ]
    files["suppliers.csv"] = "code,name,lead_days\n" + "\n".join(rows) + "\n"
    files["purchase_orders.csv"] = (
        files["purchase_orders.csv"].replace("S22,", "S000022,").replace("S1,", "S089999,")
    )
    folder = write_folder(tmp_path, files)

    assert (folder / "suppliers.csv").stat().st_size > 4 << 20
    fast = assert_read_as_the_reference(folder)
    assert len(fast.tables.vocab.suppliers) == 90_000

    rows[84_321] = "S084321,Supplier,3.5"
    (folder / "suppliers.csv").write_text("code,name,lead_days\n" + "\n".join(rows) + "\n")
    assert_declined_and_refused(folder)


# --- random cells --------------------------------------------------------------------

#: (file, physical line, column) of every data cell of the baseline
CELLS: list[tuple[str, int, str]] = [
    (name, line, column)
    for name, text in BASELINE.items()
    for line, row in enumerate(rows_of(text)[1:], start=2)
    for column in rows_of(text)[0]
]

SPELLINGS = st.sampled_from(
    [
        "12.50",
        ".5",
        "5.",
        "0",
        "-0",
        "-1",
        "+1",
        "1e3",
        "1,5",
        "1 000",
        "00012",
        "1.1234567",
        "1.5000000",
        "99999999999999",
        "4611686018427",
        "NaN",
        "Infinity",
        "2026-02-29",
        "2024-02-29",
        "2026-13-01",
        "2026-1-5",
        "0001-01-01",
        "9999-12-31",
        "2026-01-06T09:15",
        "2026-01-06T09:15:30",
        "2026-01-06T09:15:30Z",
        "2026-01-06 09:15:30.25+05:30",
        "2026-01-06T24:00:00",
        "2026-01-06T09:15:60",
        "2026-01-06T09:15:30.1234567",
        "0001-01-01T00:30:00+01:00",
        "true",
        "TRUE",
        "Yes",
        "no",
        "1",
        "2",
        "open",
        "Open",
        "done",
        "cancelled",
        "requested",
        "approved",
        "key",
        "strategic",
        "standard",
        "P1",
        "P3",
        "LAMP-22",
        "p1",
        "C1",
        "C2",
        "S1",
        "S22",
        "SO1",
        "SO10",
        "SO2",
        "PO1",
        "PO2",
        "W1",
        "WEST",
        "R1",
        "K1",
        "I1",
        "RMA1",
        "main",
        "é",
        "Ω",
        '"',
        '""',
        '"a"',
        "a,b",
        "a\nb",
        "a\r\nb",
        "\r",
        " ",
        "",
        "\t",
        "\u3000",
        "\xa0",
    ]
)
PADDING = st.sampled_from(["", "", "", " ", "\t", "\xa0", "\u2003", "\u3000", "\ufeff"])
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=10) | st.text(
    alphabet='0123456789.-+eE:TZ, "\n\r\tabc', max_size=12
)
PLACEHOLDER = "\ue000cell\ue000"
#: values of the baseline itself: right for their column, a duplicate key or a reference
BASELINE_VALUES = st.sampled_from(
    sorted({cell for text in BASELINE.values() for row in rows_of(text) for cell in row})
)
VALUES = st.builds(
    lambda before, value, after: before + value + after,
    PADDING,
    SPELLINGS | BASELINE_VALUES,
    PADDING,
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    cell=st.sampled_from(CELLS),
    value=VALUES | TEXT,
    raw=st.booleans(),
)
def test_a_random_cell_is_either_refused_by_both_or_read_identically(
    cell: tuple[str, int, str], value: str, raw: bool
) -> None:
    """Replace one cell, written through ``csv`` (quoted as needed) or spliced in raw."""
    file, line, column = cell
    files = dict(BASELINE)
    if raw:
        rows = rows_of(files[file])
        rows[line - 1][rows[0].index(column)] = PLACEHOLDER
        files[file] = text_of(rows).replace(PLACEHOLDER, value)
    else:
        with_cell(files, file, line, column, value)
    with tempfile.TemporaryDirectory() as root:
        folder = write_folder(Path(root), files)
        try:
            expected, warnings = reference_of(folder)
        except (DatasetInvalidError, ColumnarPrecisionError, OverflowError):
            event("refused by the row reader (or too precise for the columns)")
            with pytest.raises(FastPathDeclined):
                read_tables(folder)
            return
        try:
            fast = read_tables(folder)
        except FastPathDeclined as declined:
            event(f"valid, but declined: {declined.reason.split(':')[0]}")
            return
    event("valid and read identically")
    assert_tables_equal(fast.tables, expected)
    assert fast.warnings == warnings


def respelled(text: str, quote_all: bool, line_end: str, bom: bool, padding: str) -> str:
    """``text`` with the same cells, written another way a spreadsheet might write it."""
    rows = [[padding + cell + padding if cell else cell for cell in row] for row in rows_of(text)]
    out = io.StringIO()
    if quote_all:
        csv.writer(out, lineterminator=line_end, quoting=csv.QUOTE_ALL).writerows(rows)
    else:
        csv.writer(out, lineterminator=line_end).writerows(rows)
    return ("\ufeff" if bom else "") + out.getvalue()


@settings(max_examples=30, deadline=None)
@given(
    file=st.sampled_from(sorted(BASELINE)),
    quote_all=st.booleans(),
    line_end=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    padding=st.sampled_from(["", " ", "\t", "\xa0", "\u3000"]),
)
def test_a_file_written_another_valid_way_is_accepted_and_read_identically(
    file: str, quote_all: bool, line_end: str, bom: bool, padding: str
) -> None:
    files = dict(BASELINE)
    files[file] = respelled(files[file], quote_all, line_end, bom, padding)
    with tempfile.TemporaryDirectory() as root:
        assert_read_as_the_reference(write_folder(Path(root), files))


#: (file, physical line) of every data row of the baseline
ROWS: list[tuple[str, int]] = sorted({(file, line) for file, line, _ in CELLS})


def edited(rows: list[list[str]], line: int, edit: str, blank: str) -> list[list[str]]:
    """``rows`` with one row edited the way hands and spreadsheets edit rows."""
    index = line - 1
    row = rows[index]
    if edit == "blank the row":
        rows[index] = [blank for _ in row]
    elif edit == "drop the row":
        del rows[index]
    elif edit == "repeat the row":
        rows.insert(index, list(row))
    elif edit == "move the row first":
        rows.insert(1, rows.pop(index))
    elif edit == "cut the row short":
        rows[index] = row[: len(row) // 2]
    elif edit == "add blank cells":
        rows[index] = [*row, blank, blank]
    elif edit == "add a blank row after":
        rows.insert(index + 1, [blank for _ in row])
    return rows


@settings(max_examples=40, deadline=None)
@given(
    row=st.sampled_from(ROWS),
    edit=st.sampled_from(
        [
            "blank the row",
            "drop the row",
            "repeat the row",
            "move the row first",
            "cut the row short",
            "add blank cells",
            "add a blank row after",
        ]
    ),
    blank=st.sampled_from(["", " ", "\t", "\xa0"]),
)
def test_a_random_row_edit_is_either_refused_by_both_or_read_identically(
    row: tuple[str, int], edit: str, blank: str
) -> None:
    file, line = row
    files = dict(BASELINE)
    files[file] = text_of(edited(rows_of(files[file]), line, edit, blank))
    with tempfile.TemporaryDirectory() as root:
        folder = write_folder(Path(root), files)
        try:
            expected, warnings = reference_of(folder)
        except DatasetInvalidError:
            with pytest.raises(FastPathDeclined):
                read_tables(folder)
            return
        fast = read_tables(folder)
    assert_tables_equal(fast.tables, expected)
    assert fast.warnings == warnings
