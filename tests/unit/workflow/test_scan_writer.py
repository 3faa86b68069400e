"""The orders of the scan document written from the kernel read as the reference writes them.

``write_orders_json`` formats the orders straight from the kernel's arrays; after
``json.loads`` it must equal ``[order_document(o) for o in analysis.orders]`` for the
reference analysis, field for field and explanation sentence for sentence. Checked on
generated businesses (and that they hold every kind of situation an explanation words),
on random small businesses, on a hand-made business with the rarer sentences, awkward
codes and amounts beyond float precision, and on the worked example of ``allocation.md``.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controltower.connectors.dataset import read_dataset
from controltower.domain.analysis import AllocationPolicy
from controltower.domain.columnar import DECIMALS, from_units
from controltower.domain.columnar_tables import picture_from_tables
from controltower.domain.kernel import ColumnarAnalysis, analyse_columns
from controltower.domain.model import (
    Customer,
    Dataset,
    Invoice,
    OrderStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    Tier,
    TransferLane,
    Warehouse,
)
from controltower.domain.tables import DatasetTables, tables_from_dataset
from controltower.policy import load_policy
from controltower.workflow.scan_document import json_number
from controltower.workflow.scan_writer import (
    fragments,
    number_text,
    order_texts,
    orders_json_chunks,
    write_orders_json,
)
from controltower_oracle.engine import analyse
from controltower_oracle.scan import build_scan_document, order_document
from helpers.columnar_detection import BUSINESS_NAMES, seen_both_ways
from helpers.random_business import businesses, policies

D = date(2026, 11, 25)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "datasets"


def written(result: ColumnarAnalysis, tables: DatasetTables) -> str:
    out = io.StringIO()
    write_orders_json(result, tables, out)
    return out.getvalue()


def reference_orders(dataset: Dataset, as_of: date, policy: AllocationPolicy) -> list[Any]:
    return [order_document(order) for order in analyse(dataset, as_of, policy).orders]


def columnar_text(dataset: Dataset, as_of: date, policy: AllocationPolicy) -> str:
    """The orders as the columnar scan writes them: tables, picture, kernel, text."""
    tables = tables_from_dataset(dataset)
    return written(analyse_columns(picture_from_tables(tables, as_of, policy)), tables)


def first_difference(expected: list[Any], actual: list[Any]) -> str:
    """The first order (and field) where two lists of order documents differ."""
    if len(expected) != len(actual):
        return f"{len(expected)} orders expected, {len(actual)} written"
    for want, got in zip(expected, actual, strict=True):
        if want != got:
            fields = [key for key in want.keys() | got.keys() if want.get(key) != got.get(key)]
            return f"order {want['order_id']}: " + "; ".join(
                f"{key}: expected {want.get(key)!r}, got {got.get(key)!r}" for key in fields
            )
    return ""


def assert_same_orders(expected: list[Any], text: str) -> None:
    actual = json.loads(text)
    assert actual == expected, first_difference(expected, actual)


def assert_texts_as_the_orders(
    result: ColumnarAnalysis, tables: DatasetTables, expected: list[Any]
) -> None:
    """``order_texts`` (what a stored scan keeps per order) reads as each order's
    ``lines`` and ``explanation``."""
    lines, explanations = order_texts(result, tables)
    actual = [
        {"lines": json.loads(line), "explanation": json.loads(explanation)}
        for line, explanation in zip(lines, explanations, strict=True)
    ]
    wanted = [{"lines": o["lines"], "explanation": o["explanation"]} for o in expected]
    assert actual == wanted


# ----------------------------------------------------------------- generated businesses


@pytest.mark.parametrize("name", BUSINESS_NAMES)
def test_orders_written_from_the_kernel_read_as_the_reference_orders(name: str) -> None:
    business = seen_both_ways(name)
    text = written(business.result, business.tables)
    expected = [order_document(o) for o in business.analysis.orders]
    assert_same_orders(expected, text)
    assert_texts_as_the_orders(business.result, business.tables, expected)


@pytest.mark.parametrize("orders_per_chunk", [1, 7])
def test_each_orders_texts_are_cut_whole_across_chunks(
    orders_per_chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    business = seen_both_ways(BUSINESS_NAMES[0])
    monkeypatch.setattr(fragments, "CHUNK_ORDERS", orders_per_chunk)
    expected = [order_document(o) for o in business.analysis.orders]
    assert_texts_as_the_orders(business.result, business.tables, expected)


def situations(orders: list[Any]) -> Counter[str]:
    """How many orders of a scan show each situation an explanation has words for."""
    found: Counter[str] = Counter()
    marks = {
        "partly from stock": "come from stock in",
        "quality hold": "held by quality",
        "purchase order": " wait on ",
        "overdue purchase order": "overdue), ",
        "confirmed purchase order": "confirmed by the supplier on",
        "unconfirmed purchase order": "not confirmed by the supplier",
        "no supply": "have no supply",
        "capacity": "so the line is picked",
        "lines named as in stock": "Lines ",
        "transfer": "a transfer takes",
        "transfer too late": "too late for the promise",
        "no ship date": "No ship date until",
        "credit": "Credit: ",
        "credit limit": "exceeds its limit",
        "overdue invoice": "days overdue (limit",
        "ships once credit is released": "once credit is released",
        "late": "after the promised",
    }
    for order in orders:
        text = "\n".join(order["explanation"])
        found.update(kind for kind, mark in marks.items() if mark in text)
        lines = order["lines"]
        found["quality blocker"] += bool(any(line["from_quality_hold"] for line in lines))
        found["inbound blocker"] += bool(any(line["from_inbound"] for line in lines))
        found["shortage"] += bool(any(line["short_qty"] for line in lines))
        found["alternatives"] += bool(any(line["alternatives"] for line in lines))
        found["fractional quantity"] += any(isinstance(line["open_qty"], float) for line in lines)
        found["fractional price"] += any(isinstance(line["unit_price"], float) for line in lines)
        found["credit blocker"] += "credit" in order["blockers"]
        found["capacity blocker"] += "warehouse_capacity" in order["blockers"]
    return found


def test_the_generated_businesses_show_every_situation_the_orders_can_be_in() -> None:
    found: Counter[str] = Counter()
    for name in BUSINESS_NAMES:
        found += situations(json.loads(written(*both(name))))
    missing = [kind for kind in KINDS if found[kind] == 0]
    assert not missing, f"no generated order shows: {missing}"


def both(name: str) -> tuple[ColumnarAnalysis, DatasetTables]:
    business = seen_both_ways(name)
    return business.result, business.tables


KINDS = (
    "partly from stock",
    "quality hold",
    "purchase order",
    "overdue purchase order",
    "confirmed purchase order",
    "unconfirmed purchase order",
    "no supply",
    "capacity",
    "lines named as in stock",
    "transfer",
    "transfer too late",
    "no ship date",
    "credit",
    "credit limit",
    "overdue invoice",
    "ships once credit is released",
    "late",
    "quality blocker",
    "inbound blocker",
    "shortage",
    "alternatives",
    "fractional quantity",
    "fractional price",
    "credit blocker",
    "capacity blocker",
)


def test_the_text_has_one_order_per_line_and_chunks_add_up_to_it() -> None:
    result, tables = both("small-seed7")
    text = written(result, tables)
    lines = text.split("\n")
    assert (lines[0], lines[-1]) == ("[", "]")
    assert len(lines) == result.picture.n_orders + 2
    assert all(json.loads(line.rstrip(","))["order_id"] for line in lines[1:-1])
    assert "".join(orders_json_chunks(result, tables, orders_per_chunk=7)) == text


# -------------------------------------------------------------------- the worked example


def test_the_worked_example_reads_as_the_reference_scan_document() -> None:
    dataset = read_dataset(FIXTURES / "worked_example").dataset
    policy = load_policy()
    document = build_scan_document(dataset, D, policy)
    text = columnar_text(dataset, D, policy.allocation.to_domain())
    assert_same_orders(document["orders"], text)
    so1 = json.loads(text)[0]
    assert so1["explanation"][1].startswith("Line 1: 10 of 20 CBL-2X14 wait on PO77")


def test_a_business_without_open_orders_writes_an_empty_array() -> None:
    dataset = Dataset(warehouses=[Warehouse("W1")], stock=[StockLevel("S1", "W1", Decimal(3))])
    assert columnar_text(dataset, D, AllocationPolicy()) == "[]"


# ------------------------------------------------------------------ a hand-made business

NORD = 'WH "Nord"'
#: a tab, which JSON escapes, in a code with nothing else to escape
OK_CUSTOMER = "C\tOK"
SUD = "WH-Süd\\2"
CABLE = "CBL\\2X"


def awkward_business() -> Dataset:
    """The rarer sentences: a pick queue behind lines that wait for supply ("ready D"),
    more overdue invoices than are named, a supplier with a name, a huge order value;
    and codes JSON must escape."""
    day = D.toordinal()
    return Dataset(
        warehouses=[Warehouse(NORD, pick_capacity_lines_per_day=1), Warehouse(SUD)],
        transfer_lanes=[TransferLane(SUD, NORD, 2), TransferLane(NORD, SUD, 9)],
        products=[
            Product(CABLE, list_price=Decimal("2.25")),
            Product("LUG"),
            Product("BIG", list_price=Decimal("999999.999999")),
        ],
        customers=[
            Customer("Café", credit_hold=True),
            Customer("C-LATE", tier=Tier.STRATEGIC),
            Customer(OK_CUSTOMER, tier=Tier.KEY, credit_limit=Decimal("100.005")),
        ],
        suppliers=[Supplier("SUP", name='Acme "Best" Ltd'), Supplier("SUP2")],
        stock=[
            StockLevel(CABLE, NORD, Decimal("3.5"), quality_hold=Decimal(1)),
            StockLevel(CABLE, SUD, Decimal(40)),
            StockLevel("LUG", NORD, Decimal(9)),
            StockLevel("BIG", SUD, Decimal(1)),
        ],
        sales_orders=[
            SalesOrder("SO-1", "Café", NORD, D - timedelta(days=3), D + timedelta(days=1)),
            SalesOrder("SO-2", "C-LATE", NORD, D - timedelta(days=2), D),
            SalesOrder("SO-3", OK_CUSTOMER, NORD, D - timedelta(days=1), D + timedelta(days=6)),
            SalesOrder("SO-4", OK_CUSTOMER, SUD, D, D + timedelta(days=3), expedite=True),
            SalesOrder("SO-5", OK_CUSTOMER, NORD, D, D, status=OrderStatus.DONE),
        ],
        sales_order_lines=[
            SalesOrderLine("SO-1", 1, CABLE, Decimal(10)),
            SalesOrderLine("SO-1", 2, "LUG", Decimal(1), unit_price=Decimal("7.10")),
            SalesOrderLine("SO-2", 1, "LUG", Decimal(3)),
            SalesOrderLine("SO-2", 3, CABLE, Decimal("0.5")),
            SalesOrderLine("SO-2", 4, "LUG", Decimal(1), qty_shipped=Decimal(1)),
            *(SalesOrderLine("SO-3", n, "LUG", Decimal(1)) for n in range(1, 5)),
            SalesOrderLine("SO-3", 5, CABLE, Decimal(4)),
            SalesOrderLine("SO-4", 1, "BIG", Decimal(9_000_000_000)),
            SalesOrderLine("SO-4", 2, CABLE, Decimal("1.5"), unit_price=Decimal("0.1")),
            SalesOrderLine("SO-5", 1, "LUG", Decimal(2)),
        ],
        purchase_orders=[
            PurchaseOrder(
                "PO-1",
                "SUP",
                NORD,
                D - timedelta(days=20),
                D - timedelta(days=2),
                confirmed_date=D - timedelta(days=10),
            ),
            PurchaseOrder("PO-2", "SUP2", NORD, D - timedelta(days=5), D + timedelta(days=1)),
        ],
        purchase_order_lines=[
            PurchaseOrderLine("PO-1", 1, CABLE, Decimal(3)),
            PurchaseOrderLine("PO-1", 2, CABLE, Decimal(2), expected_date=D + timedelta(days=3)),
            PurchaseOrderLine("PO-2", 1, CABLE, Decimal("2.5")),
        ],
        invoices=[
            Invoice(f"INV-{n}", "C-LATE", date.fromordinal(day - 40 - n), Decimal("10.5"))
            for n in range(5)
        ]
        + [Invoice("INV-OK", OK_CUSTOMER, D, Decimal("0.004"))],
    )


def test_a_hand_made_business_with_the_rarer_sentences_reads_as_the_reference() -> None:
    dataset = awkward_business()
    policy = AllocationPolicy()
    expected = reference_orders(dataset, D, policy)
    text = "\n".join(sentence for order in expected for sentence in order["explanation"])
    for sentence in (
        ": ready ",
        "2 more invoices of C-LATE are more than 30 days overdue.",
        'from SUP (Acme "Best" Ltd)',
        "from SUP2, expected",
        "on credit hold",
        "exceeds its limit 100.01",
        "2 days overdue",
    ):
        assert sentence in text, f"the reference explanations lack {sentence!r}"
    # 8999999999991000.15: more digits than a float holds, so it is rounded once
    assert max(order["open_value"] for order in expected) > 10**15

    actual = columnar_text(dataset, D, policy)
    assert_same_orders(expected, actual)
    tables = tables_from_dataset(dataset)
    result = analyse_columns(picture_from_tables(tables, D, policy))
    assert_texts_as_the_orders(result, tables, expected)
    assert "Café" in actual, "non-ASCII text is written as it is"
    assert "Süd" in actual, "non-ASCII text is written as it is"
    assert "C\\tOK" in actual
    assert "\t" not in actual


# ---------------------------------------------------------------- random small businesses


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(businesses(), policies)
def test_orders_of_any_small_business_read_as_the_reference_orders(
    dataset: Dataset, policy: AllocationPolicy
) -> None:
    expected = reference_orders(dataset, D, policy)
    assert_same_orders(expected, columnar_text(dataset, D, policy))
    tables = tables_from_dataset(dataset)
    assert_texts_as_the_orders(
        analyse_columns(picture_from_tables(tables, D, policy)), tables, expected
    )


# ---------------------------------------------------------------------------- numbers


@given(
    st.one_of(
        st.integers(min_value=-(2**62), max_value=2**62),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.integers(min_value=-(10**7), max_value=10**7),
    ),
    st.integers(min_value=0, max_value=12),
)
def test_a_number_is_written_as_json_number_writes_its_decimal(units: int, decimals: int) -> None:
    expected = json_number(from_units(units, decimals))
    text = number_text(units, decimals)
    assert json.loads(text) == expected
    assert type(json.loads(text)) is type(expected)
    assert text == json.dumps(expected)


def test_a_whole_number_of_millionths_is_an_integer_and_a_fraction_the_nearest_float() -> None:
    assert number_text(40 * 10**DECIMALS) == "40"
    assert number_text(2_500_000) == "2.5"
    assert number_text(-1) == "-1e-06"
    assert number_text(100_005, 3) == "100.005"
