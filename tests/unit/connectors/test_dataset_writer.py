"""Writing a dataset: the output reads back into an equal dataset and diffs well."""

from __future__ import annotations

import csv
import tempfile
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controltower.connectors.dataset import read_dataset, write_dataset
from controltower.connectors.dataset.columns import FILES, FILES_BY_NAME
from controltower.connectors.dataset.values import (
    INT32_MAX,
    DateOrDateTime,
    DecimalNumber,
    Invalid,
    IsoDate,
    WholeNumber,
    format_decimal,
)
from controltower.domain.model import (
    FIRST_DATE,
    LAST_DATE,
    Customer,
    Dataset,
    Invoice,
    Pick,
    Product,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    Tier,
    Warehouse,
)

FIXTURE = Path(__file__).parents[2] / "fixtures" / "datasets" / "minimal"


def by_key(dataset: Dataset) -> dict[str, list[object]]:
    """Every collection sorted by its file's key: row order is not part of a dataset."""
    return {
        spec.entity: sorted(getattr(dataset, spec.entity), key=attrgetter(*spec.key))
        for spec in FILES
    }


def read_file(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def small_dataset() -> Dataset:
    """A dataset built in code, with the awkward values a writer must get right."""
    return Dataset(
        warehouses=[
            Warehouse("W2", None, "main", None),
            Warehouse("W1", 'North, "big" one', "acme", 250),
        ],
        products=[
            Product("P2", unit_cost=Decimal(".5"), list_price=Decimal("12.500")),
            Product("P1", name="Cable\nmultiline", list_price=Decimal("1E+1"), uom="m"),
        ],
        customers=[Customer("C1", tier=Tier.KEY, credit_limit=Decimal("0.00"), credit_hold=True)],
        suppliers=[Supplier("S1", lead_days=0)],
        stock=[StockLevel("P1", "W1", Decimal("10"), Decimal("2.50"))],
        sales_orders=[
            SalesOrder(
                "SO1", "C1", "W1", date(2026, 1, 5), date(2026, 1, 10), accepts_partial=None
            ),
            SalesOrder(
                "SO2", "C1", "W2", date(2026, 1, 6), date(2026, 1, 9), accepts_partial=False
            ),
        ],
        sales_order_lines=[
            SalesOrderLine("SO1", 10, "P1", Decimal("3")),
            SalesOrderLine("SO1", 2, "P2", Decimal("0.25"), unit_price=Decimal("0")),
        ],
        invoices=[Invoice("I1", "C1", date(2026, 2, 1), Decimal("-0.50"))],
        picks=[
            Pick("K2", "SO2", "W2", datetime(2026, 1, 7, 14, 5, 9, 120_000)),
            Pick("K1", "SO1", "W1", datetime(2026, 1, 6), assigned_to="lee"),
        ],
    )


def test_the_fixture_reads_back_equal_after_a_write(tmp_path: Path) -> None:
    original = read_dataset(FIXTURE).dataset

    write_dataset(original, tmp_path / "out")
    again = read_dataset(tmp_path / "out")

    assert again.warnings == []
    assert by_key(again.dataset) == by_key(original)


def test_the_fixture_is_kept_in_key_order_so_an_export_reads_back_identical(
    tmp_path: Path,
) -> None:
    original = read_dataset(FIXTURE).dataset

    write_dataset(original, tmp_path)

    assert read_dataset(tmp_path).dataset == original


def test_a_second_round_trip_gives_an_identical_dataset_and_identical_files(
    tmp_path: Path,
) -> None:
    write_dataset(read_dataset(FIXTURE).dataset, tmp_path / "first")
    first = read_dataset(tmp_path / "first").dataset
    write_dataset(first, tmp_path / "second")

    assert read_dataset(tmp_path / "second").dataset == first
    for spec in FILES:
        assert (tmp_path / "first" / spec.name).read_bytes() == (
            tmp_path / "second" / spec.name
        ).read_bytes()


def test_a_dataset_built_in_code_reads_back_equal_including_blanks(tmp_path: Path) -> None:
    dataset = small_dataset()

    write_dataset(dataset, tmp_path)
    again = read_dataset(tmp_path).dataset

    assert by_key(again) == by_key(dataset)
    assert again.sales_orders[0].accepts_partial is None
    assert again.sales_orders[1].accepts_partial is False
    assert again.sales_order_lines[1].unit_price is None
    assert again.sales_order_lines[0].unit_price == Decimal(0)
    assert again.warehouses[1].name is None


def test_decimals_are_written_in_plain_notation_without_needless_zeros(tmp_path: Path) -> None:
    write_dataset(small_dataset(), tmp_path)

    products = read_file(tmp_path / "products.csv")
    assert products[1][:4] == ["P1", "Cable\nmultiline", "", "10"]
    assert products[2][:4] == ["P2", "", "0.5", "12.5"]
    assert read_file(tmp_path / "customers.csv")[1][3] == "0"
    assert read_file(tmp_path / "stock.csv")[1] == ["P1", "W1", "10", "2.5"]
    assert read_file(tmp_path / "invoices.csv")[1] == ["I1", "C1", "2026-02-01", "-0.5", "false"]


def test_every_file_is_written_with_every_column_even_when_empty(tmp_path: Path) -> None:
    write_dataset(Dataset(), tmp_path)

    for spec in FILES:
        assert read_file(tmp_path / spec.name) == [[column.name for column in spec.columns]]
    assert read_dataset(tmp_path).dataset == Dataset()


def test_rows_are_sorted_by_key_for_stable_output(tmp_path: Path) -> None:
    write_dataset(small_dataset(), tmp_path)

    assert [row[0] for row in read_file(tmp_path / "warehouses.csv")[1:]] == ["W1", "W2"]
    lines = read_file(tmp_path / "sales_order_lines.csv")[1:]
    assert [(row[0], row[1]) for row in lines] == [("SO1", "2"), ("SO1", "10")]


def test_values_use_the_documented_spellings(tmp_path: Path) -> None:
    write_dataset(small_dataset(), tmp_path)

    assert read_file(tmp_path / "customers.csv")[1] == ["C1", "", "key", "0", "true", "", "false"]
    assert read_file(tmp_path / "sales_orders.csv")[1] == [
        "SO1", "C1", "W1", "2026-01-05", "2026-01-10", "false", "", "open", "",
    ]  # fmt: skip
    assert read_file(tmp_path / "warehouses.csv")[1] == ["W1", 'North, "big" one', "acme", "250"]


def test_a_pick_at_midnight_is_written_as_a_date_and_others_as_datetimes(tmp_path: Path) -> None:
    write_dataset(small_dataset(), tmp_path)

    picks = read_file(tmp_path / "picks.csv")
    assert [row[3] for row in picks[1:]] == ["2026-01-06", "2026-01-07T14:05:09.120000"]


def test_an_existing_folder_keeps_its_other_files(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("keep me")

    write_dataset(Dataset(), tmp_path)

    assert (tmp_path / "README.txt").read_text() == "keep me"


def test_a_non_finite_number_cannot_be_written(tmp_path: Path) -> None:
    dataset = Dataset(products=[Product("P1", unit_cost=Decimal("NaN"))])

    with pytest.raises(ValueError, match="non-finite"):
        write_dataset(dataset, tmp_path)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("12.500"), "12.5"),
        (Decimal("10"), "10"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.000"), "0"),
        (Decimal("-0"), "0"),
        (Decimal(".5"), "0.5"),
        (Decimal("-1.50"), "-1.5"),
        (Decimal("1E-7"), "0.0000001"),
    ],
)
def test_format_decimal_writes_plain_notation(value: Decimal, text: str) -> None:
    assert format_decimal(value) == text


# --- properties: whatever the writer formats, the reader parses back ---------------

plain_decimals = st.builds(
    lambda digits, exponent, negative: Decimal((int(negative), tuple(digits), exponent)),
    st.lists(st.integers(0, 9), min_size=1, max_size=18),
    st.integers(-12, 8),
    st.booleans(),
)


@given(plain_decimals)
def test_any_decimal_formats_to_text_that_parses_back_to_an_equal_value(value: Decimal) -> None:
    text = format_decimal(value)

    parsed = DecimalNumber(allow_negative=True).parse(text)

    assert "e" not in text.lower()
    assert "," not in text
    assert parsed == value
    if value >= 0:
        assert DecimalNumber().parse(text) == value


calendar_dates = st.dates(min_value=FIRST_DATE, max_value=LAST_DATE)


@given(calendar_dates)
def test_any_date_formats_to_text_that_parses_back(value: date) -> None:
    date_type = IsoDate()

    assert date_type.parse(date_type.format(value)) == value


@given(
    st.datetimes(
        min_value=datetime.combine(FIRST_DATE, datetime.min.time()),
        max_value=datetime.combine(LAST_DATE, datetime.max.time()),
        timezones=st.none(),
    )
)
def test_any_naive_datetime_formats_to_text_that_parses_back(value: datetime) -> None:
    moment = DateOrDateTime()

    assert moment.parse(moment.format(value)) == value


@given(st.integers(min_value=1, max_value=INT32_MAX))
def test_any_line_number_formats_to_text_that_parses_back(value: int) -> None:
    line_number = WholeNumber(minimum=1, maximum=INT32_MAX)

    assert line_number.parse(line_number.format(value)) == value


@given(st.text(alphabet="0123456789.-+eE, ", max_size=8))
def test_the_decimal_parser_accepts_exactly_the_plain_notation(text: str) -> None:
    parsed = DecimalNumber(allow_negative=True).parse(text.strip())
    body = text.strip().removeprefix("-")
    plain = (
        body != ""
        and body.count(".") <= 1
        and body != "."
        and all(character in "0123456789." for character in body)
    )

    assert isinstance(parsed, Decimal) == plain
    if not plain:
        assert isinstance(parsed, Invalid)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(plain_decimals, calendar_dates), min_size=1, max_size=5))
def test_decimals_and_dates_survive_a_write_and_a_read(
    values: list[tuple[Decimal, date]],
) -> None:
    dataset = Dataset(
        warehouses=[Warehouse("W1")],
        customers=[Customer("C1")],
        invoices=[
            Invoice(f"I{number}", "C1", due_date, amount)
            for number, (amount, due_date) in enumerate(values)
        ],
        products=[
            Product(f"P{number}", unit_cost=abs(amount))
            for number, (amount, _) in enumerate(values)
        ],
    )

    with tempfile.TemporaryDirectory() as folder:
        write_dataset(dataset, Path(folder))
        again = read_dataset(Path(folder)).dataset

    assert by_key(again) == by_key(dataset)


def test_the_format_has_exactly_the_documented_files() -> None:
    assert set(FILES_BY_NAME) == {
        "warehouses.csv",
        "transfer_lanes.csv",
        "products.csv",
        "customers.csv",
        "suppliers.csv",
        "stock.csv",
        "sales_orders.csv",
        "sales_order_lines.csv",
        "purchase_orders.csv",
        "purchase_order_lines.csv",
        "receipts.csv",
        "invoices.csv",
        "returns.csv",
        "picks.csv",
    }
