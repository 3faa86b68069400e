"""Reading a dataset folder: what is accepted, and every problem a user can make.

Each broken-dataset test starts from the small valid BASELINE below, breaks exactly one
thing, and checks the exact problem the user would read.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import pickle
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from controltower.connectors.dataset import (
    DatasetInvalidError,
    DatasetProblem,
    read_dataset,
)
from controltower.connectors.dataset.columns import FILES, FileSpec
from controltower.domain.model import (
    Customer,
    OrderStatus,
    PickStatus,
    ReturnStatus,
    Tier,
    Warehouse,
)

FIXTURE = Path(__file__).parents[2] / "fixtures" / "datasets" / "minimal"

BASELINE: dict[str, str] = {
    "warehouses.csv": """\
code,name,company,pick_capacity_lines_per_day
W1,North,acme,100
W2,South,,
""",
    "transfer_lanes.csv": """\
from_warehouse,to_warehouse,transit_days
W1,W2,2
""",
    "products.csv": """\
sku,name,unit_cost,list_price,uom,reorder_point,reorder_qty
P1,Cable,1.25,10,m,5,20
P2,Lamp,3,,,,
P3,Fuse,.5,0.90,unit,,
""",
    "customers.csv": """\
code,name,tier,credit_limit,credit_hold,account_owner,accepts_partial
C1,Northwind,strategic,5000,false,ann,yes
C2,Corner shop,,,,,
""",
    "suppliers.csv": """\
code,name,lead_days
S1,Acme,5
""",
    "stock.csv": """\
sku,warehouse,on_hand,quality_hold
P1,W1,10,2
P2,W1,5,
""",
    "sales_orders.csv": """\
order_id,customer,warehouse,order_date,promised_date,expedite,accepts_partial,status,salesperson
SO1,C1,W1,2026-01-05,2026-01-10,TRUE,,open,sam
SO2,C2,W2,2026-01-06,2026-01-12,,0,,
""",
    "sales_order_lines.csv": """\
order_id,line,sku,qty,qty_shipped,qty_reserved,unit_price,list_price
SO1,1,P1,4,1,0,9.5,
SO1,2,P2,1,,,,
SO2,1,P3,2.5,,,,
""",
    "purchase_orders.csv": """\
po_id,supplier,warehouse,order_date,expected_date,confirmed_date,status,buyer
PO1,S1,W1,2026-01-02,2026-01-09,,open,bea
""",
    "purchase_order_lines.csv": """\
po_id,line,sku,qty,qty_received,expected_date,unit_cost
PO1,1,P1,10,3,,1.2
PO1,2,P2,.5,,2026-01-11,
""",
    "receipts.csv": """\
receipt_id,po_id,line,received_date,qty,damaged_qty,put_away
R1,PO1,1,2026-01-07,3,,
""",
    "invoices.csv": """\
invoice_id,customer,due_date,amount_residual,disputed
I1,C1,2026-02-01,-15.5,
""",
    "returns.csv": """\
rma_id,customer,order_id,sku,qty,requested_date,status
RMA1,C1,SO1,P1,1,2026-01-08,
RMA2,C2,,P3,2,2026-01-09,approved
""",
    "picks.csv": """\
pick_id,order_id,warehouse,created_at,assigned_to,status
K1,SO1,W1,2026-01-06T09:15,,
K2,SO2,W2,2026-01-07,lee,done
""",
}


# --- building datasets -------------------------------------------------------------


def baseline() -> dict[str, str]:
    return dict(BASELINE)


def write_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "dataset"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def set_cell(files: dict[str, str], file: str, line: int, column: str, value: str) -> None:
    """Put ``value`` in ``column`` of physical ``line`` (header = 1) of ``file``."""
    rows = _rows(files[file])
    rows[line - 1][rows[0].index(column)] = value
    files[file] = _text(rows)


def drop_column(files: dict[str, str], file: str, column: str) -> None:
    rows = _rows(files[file])
    index = rows[0].index(column)
    files[file] = _text([row[:index] + row[index + 1 :] for row in rows])


def append_line(files: dict[str, str], file: str, line: str) -> None:
    files[file] += line + "\n"


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(DatasetInvalidError) as caught:
        read_dataset(folder)
    return [str(problem) for problem in caught.value.problems]


# --- the happy path ----------------------------------------------------------------


def test_the_baseline_is_a_valid_dataset_without_warnings(tmp_path: Path) -> None:
    result = read_dataset(write_folder(tmp_path, baseline()))

    assert result.warnings == []
    assert result.dataset.entity_counts() == {
        "warehouses": 2,
        "transfer_lanes": 1,
        "products": 3,
        "customers": 2,
        "suppliers": 1,
        "stock": 2,
        "sales_orders": 2,
        "sales_order_lines": 3,
        "purchase_orders": 1,
        "purchase_order_lines": 2,
        "receipts": 1,
        "invoices": 1,
        "returns": 2,
        "picks": 2,
    }


def test_the_shared_minimal_fixture_is_a_valid_dataset() -> None:
    result = read_dataset(FIXTURE)

    assert result.warnings == []
    assert len(result.dataset.warehouses) == 2
    assert result.dataset.companies() == ["main"]
    assert result.dataset.transfer_lanes
    assert result.dataset.receipts
    assert result.dataset.invoices
    assert result.dataset.returns
    assert result.dataset.picks


def test_blank_optional_values_take_the_documented_defaults(tmp_path: Path) -> None:
    dataset = read_dataset(write_folder(tmp_path, baseline())).dataset

    assert dataset.warehouses[1] == Warehouse(code="W2", name="South")
    assert dataset.warehouses[1].company == "main"
    assert dataset.customers[1] == Customer(code="C2", name="Corner shop")
    assert dataset.customers[1].tier is Tier.STANDARD
    assert dataset.products[1].uom == "unit"
    assert dataset.stock[1].quality_hold == Decimal(0)
    order = dataset.sales_orders[1]
    assert (order.expedite, order.status, order.salesperson) == (False, OrderStatus.OPEN, None)
    line = dataset.sales_order_lines[1]
    assert (line.qty_shipped, line.qty_reserved) == (Decimal(0), Decimal(0))
    assert dataset.purchase_order_lines[1].qty_received == Decimal(0)
    receipt = dataset.receipts[0]
    assert (receipt.damaged_qty, receipt.put_away) == (Decimal(0), True)
    assert dataset.invoices[0].disputed is False
    assert dataset.returns[0].status is ReturnStatus.REQUESTED
    assert dataset.picks[0].status is PickStatus.OPEN


def test_blanks_that_mean_not_given_stay_none(tmp_path: Path) -> None:
    dataset = read_dataset(write_folder(tmp_path, baseline())).dataset

    assert dataset.warehouses[1].pick_capacity_lines_per_day is None
    assert dataset.products[1].list_price is None
    assert dataset.customers[1].credit_limit is None
    assert dataset.sales_orders[0].accepts_partial is None
    assert dataset.sales_order_lines[1].unit_price is None
    assert dataset.sales_order_lines[0].list_price is None
    assert dataset.purchase_orders[0].confirmed_date is None
    assert dataset.purchase_order_lines[0].expected_date is None
    assert dataset.returns[1].order_id is None
    assert dataset.picks[0].assigned_to is None


def test_values_are_parsed_into_their_types(tmp_path: Path) -> None:
    dataset = read_dataset(write_folder(tmp_path, baseline())).dataset

    assert dataset.warehouses[0].pick_capacity_lines_per_day == 100
    assert dataset.transfer_lanes[0].transit_days == 2
    assert dataset.products[2].unit_cost == Decimal("0.5")
    assert dataset.customers[0].accepts_partial is True  # "yes"
    assert dataset.sales_orders[0].expedite is True  # "TRUE"
    assert dataset.sales_orders[1].accepts_partial is False  # "0"
    assert dataset.sales_orders[0].promised_date == date(2026, 1, 10)
    assert dataset.sales_order_lines[2].qty == Decimal("2.5")
    assert dataset.invoices[0].amount_residual == Decimal("-15.5")
    assert dataset.picks[0].created_at == datetime(2026, 1, 6, 9, 15)
    assert dataset.picks[1].created_at == datetime(2026, 1, 7)
    assert dataset.returns[1].status is ReturnStatus.APPROVED


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, baseline())
    path = folder / "products.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    assert [product.sku for product in read_dataset(folder).dataset.products] == ["P1", "P2", "P3"]


def test_values_and_header_names_are_trimmed(tmp_path: Path) -> None:
    files = baseline()
    files["stock.csv"] = " sku , warehouse ,on_hand, quality_hold\n  P1 ,W1 , 10 ,  2\n"
    set_cell(files, "products.csv", 2, "sku", "  P1\t")

    dataset = read_dataset(write_folder(tmp_path, files)).dataset

    assert dataset.products[0].sku == "P1"
    assert dataset.stock[0].sku == "P1"
    assert dataset.stock[0].on_hand == Decimal(10)


def test_windows_line_endings_are_read_like_any_other(tmp_path: Path) -> None:
    files = {name: text.replace("\n", "\r\n") for name, text in baseline().items()}
    set_cell(files, "products.csv", 3, "unit_cost", "x")

    assert problems_of(write_folder(tmp_path, files)) == [
        "products.csv:3:unit_cost: not a plain decimal number: 'x'"
    ]


def test_optional_files_may_be_absent(tmp_path: Path) -> None:
    files = baseline()
    for name in ("transfer_lanes.csv", "receipts.csv", "invoices.csv", "returns.csv", "picks.csv"):
        del files[name]

    dataset = read_dataset(write_folder(tmp_path, files)).dataset

    assert dataset.picks == []
    assert dataset.receipts == []
    assert dataset.transfer_lanes == []


def test_optional_columns_may_be_absent_and_take_their_defaults(tmp_path: Path) -> None:
    files = baseline()
    files["customers.csv"] = "code\nC1\nC2\n"

    customers = read_dataset(write_folder(tmp_path, files)).dataset.customers

    assert customers == [Customer(code="C1"), Customer(code="C2")]


def test_an_empty_optional_file_reads_as_no_rows_with_a_warning(tmp_path: Path) -> None:
    files = baseline()
    files["picks.csv"] = ""

    result = read_dataset(write_folder(tmp_path, files))

    assert result.dataset.picks == []
    assert result.warnings == ["picks.csv: file is empty and was read as having no rows"]


def test_blank_lines_and_rows_of_bare_separators_are_skipped(tmp_path: Path) -> None:
    files = baseline()
    files["products.csv"] = files["products.csv"].replace("P2,", "\n,,,,,,\n , ,,,,,\nP2,", 1)

    products = read_dataset(write_folder(tmp_path, files)).dataset.products

    assert [product.sku for product in products] == ["P1", "P2", "P3"]


def test_a_short_row_reads_its_missing_trailing_values_as_blank(tmp_path: Path) -> None:
    files = baseline()
    append_line(files, "products.csv", "P4,Switch")

    products = read_dataset(write_folder(tmp_path, files)).dataset.products

    assert products[-1].sku == "P4"
    assert products[-1].uom == "unit"
    assert products[-1].reorder_qty is None


def test_trailing_empty_separators_beyond_the_header_are_ignored(tmp_path: Path) -> None:
    files = baseline()
    append_line(files, "suppliers.csv", "S2,Volt,3,,")

    suppliers = read_dataset(write_folder(tmp_path, files)).dataset.suppliers

    assert [supplier.code for supplier in suppliers] == ["S1", "S2"]


def test_a_quoted_value_may_contain_separators_quotes_and_newlines(tmp_path: Path) -> None:
    files = baseline()
    set_cell(files, "products.csv", 2, "name", 'Cable, "heavy"\nduty')
    set_cell(files, "products.csv", 4, "unit_cost", "x")

    folder = write_folder(tmp_path, files)

    assert problems_of(folder) == ["products.csv:5:unit_cost: not a plain decimal number: 'x'"]
    set_cell(files, "products.csv", 4, "unit_cost", "1")
    (folder / "products.csv").write_text(files["products.csv"], encoding="utf-8")
    assert read_dataset(folder).dataset.products[0].name == 'Cable, "heavy"\nduty'


def test_progress_is_reported_for_each_file_with_the_final_count(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []

    read_dataset(write_folder(tmp_path, baseline()), progress=lambda *call: calls.append(call))

    assert ("sales_order_lines.csv", 3, 3) in calls
    assert ("products.csv", 3, 3) in calls
    assert [call[0] for call in calls] == [spec.name for spec in FILES]


def test_progress_is_reported_along_the_way_in_a_large_file(tmp_path: Path) -> None:
    files = baseline()
    files["suppliers.csv"] = "code\n" + "".join(f"S{number}\n" for number in range(25_000))
    calls: list[tuple[str, int, int]] = []

    read_dataset(write_folder(tmp_path, files), progress=lambda *call: calls.append(call))

    supplier_calls = [call for call in calls if call[0] == "suppliers.csv"]
    assert supplier_calls == [
        ("suppliers.csv", 10_000, 25_000),
        ("suppliers.csv", 20_000, 25_000),
        ("suppliers.csv", 25_000, 25_000),
    ]


# --- warnings ----------------------------------------------------------------------


def test_extra_columns_are_ignored_with_a_warning(tmp_path: Path) -> None:
    files = baseline()
    files["products.csv"] = files["products.csv"].replace("reorder_qty\n", "reorder_qty,colour\n")

    result = read_dataset(write_folder(tmp_path, files))

    assert result.warnings == [
        "products.csv: column 'colour' is not part of the format and was ignored"
    ]


def test_unknown_files_are_ignored_with_a_warning_and_hidden_ones_silently(
    tmp_path: Path,
) -> None:
    files = baseline()
    files["notes.txt"] = "remember the milk\n"
    files["Products.csv"] = "sku\n"
    files[".DS_Store"] = "x"

    result = read_dataset(write_folder(tmp_path, files))

    assert result.warnings == [
        "Products.csv: file is not part of the format and was ignored",
        "notes.txt: file is not part of the format and was ignored",
    ]


# --- the folder itself -------------------------------------------------------------


def test_a_missing_folder_is_one_problem(tmp_path: Path) -> None:
    folder = tmp_path / "nowhere"

    assert problems_of(folder) == [f"{folder}: folder not found"]


def test_a_file_given_as_the_folder_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "dataset.csv"
    path.write_text("code\n")

    assert problems_of(path) == [f"{path}: not a folder (give the dataset folder)"]


# --- one test per class of error ---------------------------------------------------


def test_a_missing_required_file_is_reported_without_a_flood_of_references(
    tmp_path: Path,
) -> None:
    files = baseline()
    del files["products.csv"]

    assert problems_of(write_folder(tmp_path, files)) == ["products.csv: required file is missing"]


def test_a_required_file_without_a_header_is_reported(tmp_path: Path) -> None:
    files = baseline()
    files["suppliers.csv"] = ""

    assert problems_of(write_folder(tmp_path, files)) == [
        "suppliers.csv:1: file is empty (expected a header row naming the columns)"
    ]


def test_a_missing_required_column_is_reported_once_on_the_header(tmp_path: Path) -> None:
    files = baseline()
    drop_column(files, "stock.csv", "on_hand")

    assert problems_of(write_folder(tmp_path, files)) == [
        "stock.csv:1:on_hand: required column is missing"
    ]


def test_a_missing_key_column_does_not_make_every_reference_dangle(tmp_path: Path) -> None:
    files = baseline()
    drop_column(files, "sales_orders.csv", "order_id")

    assert problems_of(write_folder(tmp_path, files)) == [
        "sales_orders.csv:1:order_id: required column is missing"
    ]


def test_a_column_named_twice_in_the_header_is_reported(tmp_path: Path) -> None:
    files = baseline()
    files["suppliers.csv"] = "code,name,code\nS1,Acme,S1\n"

    assert problems_of(write_folder(tmp_path, files)) == [
        "suppliers.csv:1:code: column appears more than once in the header (columns 1 and 3)"
    ]


def test_a_blank_required_value_is_reported(tmp_path: Path) -> None:
    files = baseline()
    set_cell(files, "sales_orders.csv", 3, "promised_date", "  ")

    assert problems_of(write_folder(tmp_path, files)) == [
        "sales_orders.csv:3:promised_date: required value is blank"
    ]


def test_a_short_row_missing_a_required_value_is_reported_as_blank(tmp_path: Path) -> None:
    files = baseline()
    append_line(files, "stock.csv", "P3,W2")

    assert problems_of(write_folder(tmp_path, files)) == [
        "stock.csv:4:on_hand: required value is blank"
    ]


def test_a_row_longer_than_the_header_is_reported_by_line(tmp_path: Path) -> None:
    files = baseline()
    append_line(files, "suppliers.csv", "S2,Volt,3,oops")

    assert problems_of(write_folder(tmp_path, files)) == [
        "suppliers.csv:3: row has 4 values but the header names 3 columns"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e3", "not a plain decimal number: '1e3' (exponent notation is not accepted)"),
        (
            "1,200",
            "not a plain decimal number: '1,200' "
            "(thousands separators and decimal commas are not accepted; write 1234.5)",
        ),
        (
            "2,5",
            "not a plain decimal number: '2,5' "
            "(thousands separators and decimal commas are not accepted; write 1234.5)",
        ),
        ("ten", "not a plain decimal number: 'ten'"),
        ("+4", "not a plain decimal number: '+4' (a leading '+' is not accepted)"),
        ("1.2.3", "not a plain decimal number: '1.2.3'"),
        (".", "not a plain decimal number: '.'"),
        ("NaN", "not a plain decimal number: 'NaN'"),
        ("-4", "must not be negative: '-4'"),
    ],
)
def test_a_bad_quantity_is_reported_with_the_reason(
    tmp_path: Path, value: str, message: str
) -> None:
    files = baseline()
    set_cell(files, "sales_order_lines.csv", 3, "qty", value)

    assert problems_of(write_folder(tmp_path, files)) == [f"sales_order_lines.csv:3:qty: {message}"]


@pytest.mark.parametrize(
    ("file", "line", "column"),
    [
        ("products.csv", 2, "list_price"),
        ("customers.csv", 2, "credit_limit"),
        ("stock.csv", 2, "quality_hold"),
        ("purchase_order_lines.csv", 2, "unit_cost"),
        ("receipts.csv", 2, "damaged_qty"),
        ("returns.csv", 2, "qty"),
    ],
)
def test_quantities_and_prices_are_never_negative(
    tmp_path: Path, file: str, line: int, column: str
) -> None:
    files = baseline()
    set_cell(files, file, line, column, "-1")

    assert problems_of(write_folder(tmp_path, files)) == [
        f"{file}:{line}:{column}: must not be negative: '-1'"
    ]


def test_an_invoice_residual_may_be_negative_for_a_credit_note(tmp_path: Path) -> None:
    files = baseline()
    set_cell(files, "invoices.csv", 2, "amount_residual", "-.25")

    invoices = read_dataset(write_folder(tmp_path, files)).dataset.invoices

    assert invoices[0].amount_residual == Decimal("-0.25")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "not a real date: '2026-02-30' (day is out of range for month)"),
        ("2026-13-01", "not a real date: '2026-13-01' (month must be in 1..12)"),
        ("2026-1-5", "not a date in the form YYYY-MM-DD: '2026-1-5'"),
        ("05/01/2026", "not a date in the form YYYY-MM-DD: '05/01/2026'"),
        ("20260105", "not a date in the form YYYY-MM-DD: '20260105'"),
        ("2026-01-05T10:00", "not a date in the form YYYY-MM-DD: '2026-01-05T10:00'"),
    ],
)
def test_a_bad_date_is_reported(tmp_path: Path, value: str, message: str) -> None:
    files = baseline()
    set_cell(files, "purchase_orders.csv", 2, "expected_date", value)

    assert problems_of(write_folder(tmp_path, files)) == [
        f"purchase_orders.csv:2:expected_date: {message}"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "tomorrow",
            "not a date (YYYY-MM-DD) or datetime (YYYY-MM-DDTHH:MM[:SS][zone]): 'tomorrow'",
        ),
        (
            "2026-01-06T09:15+2",
            "not a date (YYYY-MM-DD) or datetime (YYYY-MM-DDTHH:MM[:SS][zone]): "
            "'2026-01-06T09:15+2'",
        ),
        ("2026-01-06T25:00", "not a real date or time: '2026-01-06T25:00' (hour must be in 0..23)"),
        (
            "0001-01-01T00:30+01:00",
            "not a representable moment in UTC: '0001-01-01T00:30+01:00'",
        ),
    ],
)
def test_a_bad_datetime_is_reported(tmp_path: Path, value: str, message: str) -> None:
    files = baseline()
    set_cell(files, "picks.csv", 2, "created_at", value)

    assert problems_of(write_folder(tmp_path, files)) == [f"picks.csv:2:created_at: {message}"]


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        ("2026-01-06T09:15:00Z", datetime(2026, 1, 6, 9, 15)),
        ("2026-01-06T09:15+02:00", datetime(2026, 1, 6, 7, 15)),
        ("2026-01-06T00:30:00-05:00", datetime(2026, 1, 6, 5, 30)),
    ],
)
def test_a_datetime_with_a_time_zone_is_read_as_its_utc_time(
    tmp_path: Path, value: str, utc: datetime
) -> None:
    files = baseline()
    set_cell(files, "picks.csv", 2, "created_at", value)

    picks = read_dataset(write_folder(tmp_path, files)).dataset.picks

    assert picks[0].created_at == utc


def test_a_datetime_may_use_a_space_seconds_and_fractions(tmp_path: Path) -> None:
    files = baseline()
    set_cell(files, "picks.csv", 2, "created_at", "2026-01-06 09:15:30.25")

    picks = read_dataset(write_folder(tmp_path, files)).dataset.picks

    assert picks[0].created_at == datetime(2026, 1, 6, 9, 15, 30, 250_000)


def test_a_bad_boolean_is_reported(tmp_path: Path) -> None:
    files = baseline()
    set_cell(files, "customers.csv", 2, "credit_hold", "maybe")

    assert problems_of(write_folder(tmp_path, files)) == [
        "customers.csv:2:credit_hold: not a boolean: 'maybe' (use true/false, 1/0 or yes/no)"
    ]


@pytest.mark.parametrize(
    ("file", "line", "column", "value", "message"),
    [
        ("sales_order_lines.csv", 2, "line", "2.0", "not a whole number: '2.0' (digits only)"),
        ("sales_order_lines.csv", 2, "line", "0", "must be 1 or more: '0'"),
        ("purchase_order_lines.csv", 2, "line", "-1", "must not be negative: '-1'"),
        ("receipts.csv", 2, "line", "one", "not a whole number: 'one' (digits only)"),
        ("warehouses.csv", 2, "pick_capacity_lines_per_day", "0", "must be 1 or more: '0'"),
        (
            "warehouses.csv",
            2,
            "pick_capacity_lines_per_day",
            "12.5",
            "not a whole number: '12.5' (digits only)",
        ),
        ("transfer_lanes.csv", 2, "transit_days", "-1", "must not be negative: '-1'"),
        ("suppliers.csv", 2, "lead_days", "1.5", "not a whole number: '1.5' (digits only)"),
        ("suppliers.csv", 2, "lead_days", "+3", "not a whole number: '+3' (digits only)"),
    ],
)
def test_a_bad_whole_number_is_reported(
    tmp_path: Path, file: str, line: int, column: str, value: str, message: str
) -> None:
    files = baseline()
    set_cell(files, file, line, column, value)

    problems = problems_of(write_folder(tmp_path, files))

    assert problems[0] == f"{file}:{line}:{column}: {message}"


def test_zero_days_are_allowed_for_transit_and_lead_times(tmp_path: Path) -> None:
    files = baseline()
    set_cell(files, "transfer_lanes.csv", 2, "transit_days", "0")
    set_cell(files, "suppliers.csv", 2, "lead_days", "000")

    dataset = read_dataset(write_folder(tmp_path, files)).dataset

    assert dataset.transfer_lanes[0].transit_days == 0
    assert dataset.suppliers[0].lead_days == 0


@pytest.mark.parametrize(
    ("file", "line", "column", "value", "allowed"),
    [
        ("customers.csv", 2, "tier", "gold", "strategic, key, standard"),
        ("sales_orders.csv", 2, "status", "Open", "open, done, cancelled"),
        ("purchase_orders.csv", 2, "status", "closed", "open, done, cancelled"),
        ("returns.csv", 2, "status", "lost", "requested, approved, received, closed, rejected"),
        ("picks.csv", 2, "status", "started", "open, done"),
    ],
)
def test_an_unknown_enumerated_value_lists_the_allowed_ones(
    tmp_path: Path, file: str, line: int, column: str, value: str, allowed: str
) -> None:
    files = baseline()
    set_cell(files, file, line, column, value)

    assert problems_of(write_folder(tmp_path, files)) == [
        f"{file}:{line}:{column}: not an allowed value: {value!r} (allowed: {allowed})"
    ]


def test_quality_hold_above_on_hand_is_reported(tmp_path: Path) -> None:
    files = baseline()
    set_cell(files, "stock.csv", 2, "quality_hold", "10.5")

    assert problems_of(write_folder(tmp_path, files)) == [
        "stock.csv:2:quality_hold: quality_hold 10.5 exceeds on_hand 10"
    ]


def test_a_duplicate_key_names_the_line_of_the_first_occurrence(tmp_path: Path) -> None:
    files = baseline()
    append_line(files, "products.csv", "P2,Lamp again,,,,,")

    assert problems_of(write_folder(tmp_path, files)) == [
        "products.csv:5:sku: duplicate sku 'P2' (first seen on line 3)"
    ]


def test_a_duplicate_composite_key_names_every_part(tmp_path: Path) -> None:
    files = baseline()
    append_line(files, "stock.csv", "P1,W1,3,")
    append_line(files, "sales_order_lines.csv", "SO1,2,P3,1,,,,")

    assert problems_of(write_folder(tmp_path, files)) == [
        "stock.csv:4: duplicate key sku 'P1', warehouse 'W1' (first seen on line 2)",
        "sales_order_lines.csv:5: duplicate key order_id 'SO1', line 2 (first seen on line 3)",
    ]


def test_codes_are_compared_exactly(tmp_path: Path) -> None:
    files = baseline()
    append_line(files, "products.csv", "p1,lower-case twin,,,,,")

    assert len(read_dataset(write_folder(tmp_path, files)).dataset.products) == 4


def test_a_dangling_sku_names_the_file_it_should_be_in(tmp_path: Path) -> None:
    files = baseline()
    set_cell(files, "sales_order_lines.csv", 3, "sku", "XYZ")

    assert problems_of(write_folder(tmp_path, files)) == [
        "sales_order_lines.csv:3:sku: unknown SKU 'XYZ' (no such sku in products.csv)"
    ]


@pytest.mark.parametrize(
    ("file", "line", "column", "value", "message"),
    [
        (
            "transfer_lanes.csv",
            2,
            "to_warehouse",
            "W9",
            "unknown warehouse 'W9' (no such code in warehouses.csv)",
        ),
        (
            "stock.csv",
            2,
            "warehouse",
            "W9",
            "unknown warehouse 'W9' (no such code in warehouses.csv)",
        ),
        (
            "sales_orders.csv",
            2,
            "customer",
            "C9",
            "unknown customer 'C9' (no such code in customers.csv)",
        ),
        (
            "purchase_orders.csv",
            2,
            "supplier",
            "S9",
            "unknown supplier 'S9' (no such code in suppliers.csv)",
        ),
        (
            "sales_order_lines.csv",
            2,
            "order_id",
            "SO9",
            "unknown sales order 'SO9' (no such order_id in sales_orders.csv)",
        ),
        (
            "purchase_order_lines.csv",
            3,
            "po_id",
            "PO9",
            "unknown purchase order 'PO9' (no such po_id in purchase_orders.csv)",
        ),
        (
            "invoices.csv",
            2,
            "customer",
            "C9",
            "unknown customer 'C9' (no such code in customers.csv)",
        ),
        (
            "returns.csv",
            2,
            "order_id",
            "SO9",
            "unknown sales order 'SO9' (no such order_id in sales_orders.csv)",
        ),
        (
            "picks.csv",
            3,
            "order_id",
            "SO9",
            "unknown sales order 'SO9' (no such order_id in sales_orders.csv)",
        ),
        (
            "picks.csv",
            2,
            "warehouse",
            "W9",
            "unknown warehouse 'W9' (no such code in warehouses.csv)",
        ),
    ],
)
def test_a_dangling_reference_is_reported(
    tmp_path: Path, file: str, line: int, column: str, value: str, message: str
) -> None:
    files = baseline()
    set_cell(files, file, line, column, value)

    assert problems_of(write_folder(tmp_path, files)) == [f"{file}:{line}:{column}: {message}"]


def test_a_receipt_must_name_an_existing_purchase_order_line(tmp_path: Path) -> None:
    files = baseline()
    set_cell(files, "receipts.csv", 2, "line", "9")

    assert problems_of(write_folder(tmp_path, files)) == [
        "receipts.csv:2: unknown purchase order line po_id 'PO1', line 9 "
        "(no such (po_id, line) in purchase_order_lines.csv)"
    ]


def test_a_file_that_is_not_utf8_is_reported_at_the_offending_line(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, baseline())
    (folder / "suppliers.csv").write_bytes(b"code,name\nS1,Acme\nS2,Caf\xe9 Supplies\n")

    assert problems_of(folder) == ["suppliers.csv:3: not valid UTF-8 text (save the file as UTF-8)"]


def test_broken_quoting_is_reported_where_the_reader_stopped(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, baseline())
    (folder / "suppliers.csv").write_text('code,name\nS1,"Acme" Wire\n', encoding="utf-8")

    assert problems_of(folder) == ["suppliers.csv:2: not readable as CSV: ',' expected after '\"'"]


# --- reporting everything at once --------------------------------------------------


def test_every_problem_is_reported_at_once_in_file_then_line_order(tmp_path: Path) -> None:
    files = baseline()
    set_cell(files, "picks.csv", 3, "status", "started")
    set_cell(files, "sales_order_lines.csv", 4, "sku", "XYZ")
    set_cell(files, "sales_order_lines.csv", 2, "qty", "1e2")
    set_cell(files, "sales_order_lines.csv", 2, "unit_price", "")
    set_cell(files, "sales_order_lines.csv", 2, "qty_shipped", "-1")
    set_cell(files, "warehouses.csv", 3, "code", "")
    del files["suppliers.csv"]

    assert problems_of(write_folder(tmp_path, files)) == [
        "warehouses.csv:3:code: required value is blank",
        "transfer_lanes.csv:2:to_warehouse: unknown warehouse 'W2' (no such code in warehouses.csv)",
        "suppliers.csv: required file is missing",
        "sales_orders.csv:3:warehouse: unknown warehouse 'W2' (no such code in warehouses.csv)",
        "sales_order_lines.csv:2:qty: not a plain decimal number: '1e2' "
        "(exponent notation is not accepted)",
        "sales_order_lines.csv:2:qty_shipped: must not be negative: '-1'",
        "sales_order_lines.csv:4:sku: unknown SKU 'XYZ' (no such sku in products.csv)",
        "picks.csv:3:status: not an allowed value: 'started' (allowed: open, done)",
        "picks.csv:3:warehouse: unknown warehouse 'W2' (no such code in warehouses.csv)",
    ]


def test_problems_are_capped_with_the_total_count(tmp_path: Path) -> None:
    files = baseline()
    files["suppliers.csv"] = "code,lead_days\n" + "".join(f"S{n},soon\n" for n in range(50))
    folder = write_folder(tmp_path, files)

    with pytest.raises(DatasetInvalidError) as caught:
        read_dataset(folder, max_problems=3)

    error = caught.value
    assert error.total == 50
    assert [str(problem) for problem in error.problems] == [
        "suppliers.csv:2:lead_days: not a whole number: 'soon' (digits only)",
        "suppliers.csv:3:lead_days: not a whole number: 'soon' (digits only)",
        "suppliers.csv:4:lead_days: not a whole number: 'soon' (digits only)",
    ]
    assert str(error).splitlines()[-2:] == ["... and 47 more", "50 problems; nothing was imported."]


def test_the_error_report_lists_every_problem_then_the_verdict() -> None:
    error = DatasetInvalidError(
        [
            DatasetProblem("stock.csv", None, None, "required file is missing"),
            DatasetProblem("products.csv", 4, "sku", "required value is blank"),
            DatasetProblem("stock.csv", 3, None, "row has 5 values but the header names 4 columns"),
        ]
    )

    assert str(error) == (
        "stock.csv: required file is missing\n"
        "products.csv:4:sku: required value is blank\n"
        "stock.csv:3: row has 5 values but the header names 4 columns\n"
        "3 problems; nothing was imported."
    )
    assert str(DatasetInvalidError(error.problems[:1])).endswith(
        "\n1 problem; nothing was imported."
    )


def test_the_error_survives_pickling_with_its_problems() -> None:
    error = DatasetInvalidError(
        [DatasetProblem("stock.csv", None, None, "required file is missing")], 7, ["w"]
    )

    copy = pickle.loads(pickle.dumps(error))

    assert (copy.problems, copy.total, copy.warnings) == (error.problems, 7, ["w"])


def test_the_error_carries_the_warnings_gathered_before_it(tmp_path: Path) -> None:
    files = baseline()
    files["notes.txt"] = "x"
    del files["stock.csv"]

    with pytest.raises(DatasetInvalidError) as caught:
        read_dataset(write_folder(tmp_path, files))

    assert caught.value.warnings == ["notes.txt: file is not part of the format and was ignored"]


# --- the format table itself -------------------------------------------------------


@pytest.mark.parametrize("spec", FILES, ids=lambda spec: spec.name)
def test_every_column_matches_its_model_field_and_default(spec: FileSpec) -> None:
    fields = {field.name: field for field in dataclasses.fields(spec.model)}
    assert set(fields) == {column.name for column in spec.columns}
    for column in spec.columns:
        model_default = fields[column.name].default
        if column.required:
            assert model_default is dataclasses.MISSING, column.name
        else:
            assert model_default == column.default, column.name


def test_references_only_point_to_files_read_earlier() -> None:
    order = [spec.name for spec in FILES]
    for spec in FILES:
        for reference in spec.references:
            assert order.index(reference.target) < order.index(spec.name)
