"""The stateless scan document: the ``scan --json`` contract of ``docs/dataset-format.md``.

Every document test runs on the product's scan (the columnar scan, as written) and on
the oracle's reference scan (``build_scan_document``).
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from controltower.connectors.dataset import read_dataset
from controltower.demo.generator import generate_business
from controltower.domain.model import (
    Customer,
    Dataset,
    Invoice,
    Product,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    TransferLane,
    Warehouse,
)
from controltower.policy import Policy, load_policy
from controltower.schemas import load_scan_schema
from controltower.workflow.columnar_scan import scan_to_json
from controltower.workflow.scan_document import json_number, scan_detected_at
from controltower_oracle.scan import build_scan_document

D = date(2026, 11, 25)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "datasets"
POLICY = load_policy()

#: (dataset, as_of, policy) -> the scan document, as parsed JSON
Scan = Callable[[Dataset, date, Policy], dict[str, Any]]


def product_scan(dataset: Dataset, as_of: date, policy: Policy) -> dict[str, Any]:
    """The document the product writes for ``dataset``, parsed."""
    out = io.StringIO()
    scan_to_json(dataset, as_of, policy, out, parallel=False)
    parsed: dict[str, Any] = json.loads(out.getvalue())
    return parsed


@pytest.fixture(params=[product_scan, build_scan_document], ids=["product", "oracle"])
def scan(request: pytest.FixtureRequest) -> Scan:
    """The product's scan, and the oracle's reference scan."""
    chosen: Scan = request.param
    return chosen


def worked_example() -> Dataset:
    return read_dataset(FIXTURES / "worked_example").dataset


def validate(document: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(
        load_scan_schema(), format_checker=jsonschema.FormatChecker()
    ).validate(document)


def troubled_business() -> Dataset:
    """Half units, a shortage, a transfer alternative, credit trouble and a capacity queue."""
    return Dataset(
        warehouses=[
            Warehouse("WH-EAST", pick_capacity_lines_per_day=1),
            Warehouse("WH-WEST"),
        ],
        transfer_lanes=[TransferLane("WH-WEST", "WH-EAST", 2)],
        products=[Product("CBL", list_price=Decimal("2.25")), Product("LUG")],
        customers=[Customer("C1", credit_limit=Decimal(0)), Customer("C2"), Customer("C3")],
        stock=[
            StockLevel("CBL", "WH-EAST", Decimal("3.5")),
            StockLevel("CBL", "WH-WEST", Decimal(40)),
            StockLevel("LUG", "WH-EAST", Decimal(9)),
        ],
        sales_orders=[
            SalesOrder("SO1", "C1", "WH-EAST", date(2026, 11, 1), date(2026, 11, 26)),
            SalesOrder("SO2", "C2", "WH-EAST", date(2026, 11, 2), date(2026, 11, 26)),
            SalesOrder("SO3", "C3", "WH-EAST", date(2026, 11, 3), date(2026, 11, 30)),
        ],
        sales_order_lines=[
            SalesOrderLine("SO1", 1, "CBL", Decimal("2.5")),
            SalesOrderLine("SO2", 1, "CBL", Decimal(5)),
            SalesOrderLine("SO3", 1, "LUG", Decimal(1), unit_price=Decimal("7.10")),
            SalesOrderLine("SO3", 2, "LUG", Decimal(1)),
        ],
        invoices=[Invoice("INV1", "C3", date(2026, 10, 1), Decimal("12.5"))],
    )


def test_worked_example_document_carries_every_field_of_the_contract(scan: Scan) -> None:
    document = scan(worked_example(), D, POLICY)
    assert document["as_of"] == "2026-11-25"
    so1, so2 = document["orders"]
    expected_so1 = {
        "order_id": "SO1",
        "customer": "C-KEY",
        "warehouse": "WH-EAST",
        "promised_date": "2026-11-26",
        "status": "dependent_on_inbound",
        "allocation": "partial",
        "blockers": ["inbound"],
        "projected_ship_date": "2026-11-27",
        "at_risk": True,
        "days_late": 1,
    }
    assert {k: so1[k] for k in expected_so1} == expected_so1
    (line,) = so1["lines"]
    assert {k: line[k] for k in ("line", "sku", "open_qty", "from_stock", "short_qty")} == {
        "line": 1,
        "sku": "CBL-2X14",
        "open_qty": 20,
        "from_stock": 10,
        "short_qty": 0,
    }
    assert line["from_quality_hold"] == []
    assert line["from_inbound"] == [
        {"po_id": "PO77", "line": 2, "qty": 10, "available_date": "2026-11-27"}
    ]
    assert line["projected_date"] == "2026-11-27"
    assert line["alternatives"] == []
    assert so1["explanation"][1].startswith("Line 1: 10 of 20 CBL-2X14 wait on PO77 from SUP-ACME")

    assert (so2["status"], so2["allocation"], so2["blockers"]) == (
        "waiting_on_quality",
        "partial",
        ["quality"],
    )
    assert so2["lines"][0]["from_quality_hold"] == [{"qty": 5, "available_date": "2026-11-27"}]
    assert (so2["at_risk"], so2["days_late"]) == (False, 0)
    validate(document)


def test_quantities_and_money_are_json_numbers_integers_when_whole() -> None:
    assert json_number(Decimal("40.000")) == 40
    assert isinstance(json_number(Decimal("40.0")), int)
    assert json_number(Decimal("0.5")) == 0.5
    assert json_number(Decimal("-12.25")) == -12.25


def test_short_orders_have_null_dates_and_alternatives_on_the_line(scan: Scan) -> None:
    document = scan(troubled_business(), D, POLICY)
    so1, so2, so3 = document["orders"]
    assert so1["status"] == "blocked_by_credit"
    assert so1["lines"][0]["from_stock"] == 2.5
    assert so1["explanation"][0].startswith("Credit: C1 exposure 5.63")

    assert so2["status"] == "short"
    assert (so2["projected_ship_date"], so2["days_late"]) == (None, None)
    line = so2["lines"][0]
    assert (line["from_stock"], line["short_qty"], line["projected_date"]) == (1, 4, None)
    assert line["alternatives"] == [
        {
            "warehouse": "WH-WEST",
            "free_qty": 40,
            "transit_days": 2,
            "arrival_date": "2026-11-27",
            "makes_promise": False,
        }
    ]

    assert so3["status"] == "blocked_by_credit"
    assert so3["blockers"] == ["credit", "warehouse_capacity"]
    assert [line["projected_date"] for line in so3["lines"]] == ["2026-11-26", "2026-11-27"]
    validate(document)


def test_exceptions_are_listed_with_every_required_field(scan: Scan) -> None:
    document = scan(troubled_business(), D, POLICY)
    assert document["exceptions"], "a business in trouble raises exceptions"
    for item in document["exceptions"]:
        assert set(item) >= {
            "type",
            "subject",
            "severity",
            "owner",
            "due_at",
            "value_at_risk",
            "explanation",
        }
        assert datetime.fromisoformat(item["due_at"]) >= datetime(2026, 11, 25, 8, 0)
    assert "credit_hold" in {item["type"] for item in document["exceptions"]}


def test_stateless_scan_detects_at_the_start_of_the_policy_business_day() -> None:
    assert scan_detected_at(D, POLICY) == datetime(2026, 11, 25, 8, 0)
    early = Policy.model_validate({"clock": {"business_day_start": "06:30:00"}})
    assert early.clock.business_day_start == time(6, 30)
    assert scan_detected_at(D, early) == datetime(2026, 11, 25, 6, 30)


def test_document_is_plain_json_and_identical_under_any_row_order(scan: Scan) -> None:
    dataset = troubled_business()
    reshuffled = Dataset()
    rng = random.Random(4)
    for name, rows in dataset.collections():
        rows = list(rows)
        rng.shuffle(rows)
        setattr(reshuffled, name, rows)
    first = json.dumps(scan(dataset, D, POLICY), sort_keys=True)
    assert json.dumps(scan(reshuffled, D, POLICY), sort_keys=True) == first


@pytest.mark.parametrize("seed", [3, 11])
def test_scan_of_a_generated_business_matches_the_schema(scan: Scan, seed: int) -> None:
    document = scan(generate_business("small", seed=seed, as_of=D), D, POLICY)
    assert document["orders"]
    assert document["exceptions"]
    validate(document)
    order_ids = [order["order_id"] for order in document["orders"]]
    assert order_ids == sorted(order_ids)
    for order in document["orders"]:
        numbers = [line["line"] for line in order["lines"]]
        assert numbers == sorted(numbers)


def test_schema_rejects_a_document_missing_a_required_order_field(scan: Scan) -> None:
    document = scan(worked_example(), D, POLICY)
    del document["orders"][0]["days_late"]
    with pytest.raises(jsonschema.ValidationError, match="days_late"):
        validate(document)
