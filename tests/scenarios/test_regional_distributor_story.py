"""A regional distributor's Wednesday morning, told as a story.

Volta Electrical Supply runs two branches, North and South, with a one-day transfer
lane from South to North. Harbor Contracting, a strategic contractor, ordered cable,
breakers and four panel boards from North for Friday. Cable and breakers are on the
shelf; the panel boards wait on PO-7741 from Voltex, which was never confirmed and
now says next Sunday, after the promise. Harbor's account is on credit review: a
15,000 invoice is forty days overdue, and Harbor disputes it. South has ten panel
boards nobody needs.

The control tower must see all of it, explain it in words people can act on, group it
by root cause, keep one case per problem however often it looks, and resolve exactly
the right cases once the supplier confirms and pulls the PO in.

The story is told twice: by the product (the kernel, the detectors over its arrays and
the document written from them) and by the test oracle's reference engine, detectors
and document.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from controltower.domain.analysis import Analysis, Blocker
from controltower.domain.cases import CaseState, EventKind, ExceptionType, Severity, reconcile
from controltower.domain.columnar import to_columns
from controltower.domain.incidents import group_incidents
from controltower.domain.kernel import analyse_columns, to_analysis
from controltower.domain.model import (
    Customer,
    Dataset,
    Invoice,
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
from controltower.domain.tables import tables_from_dataset
from controltower.policy import Policy, load_policy
from controltower.policy.routing import start_of_business_day
from controltower.workflow.columnar_scan import columnar_scan, scan_to_json
from controltower.workflow.exceptions import ExceptionRecord
from controltower_oracle.engine import analyse
from controltower_oracle.exceptions import evaluate_exceptions
from controltower_oracle.scan import build_scan_document

WEDNESDAY = date(2026, 11, 25)
FRIDAY = WEDNESDAY + timedelta(days=2)


def volta(*, po_confirmed: bool = False) -> Dataset:
    """The picture; with ``po_confirmed`` Voltex has confirmed PO-7741 for tomorrow."""
    po = PurchaseOrder(
        "PO-7741",
        "SUP-VOLTEX",
        "WH-NORTH",
        order_date=WEDNESDAY - timedelta(days=12),
        expected_date=WEDNESDAY + timedelta(days=4),
        buyer="marco",
    )
    if po_confirmed:
        po = dataclasses.replace(
            po, expected_date=WEDNESDAY + timedelta(days=1), confirmed_date=WEDNESDAY
        )
    return Dataset(
        warehouses=[
            Warehouse("WH-NORTH", "North branch", company="volta"),
            Warehouse("WH-SOUTH", "South branch", company="volta"),
        ],
        transfer_lanes=[TransferLane("WH-SOUTH", "WH-NORTH", transit_days=1)],
        products=[
            Product("CBL-2X14", "Cable 2x14", Decimal(6), Decimal(12)),
            Product("BRK-20A", "Breaker 20A", Decimal(25), Decimal(45)),
            Product("PNL-400", "Panel board 400A", Decimal(500), Decimal(850)),
        ],
        customers=[
            Customer(
                "C-HARBOR",
                "Harbor Contracting",
                tier=Tier.STRATEGIC,
                credit_limit=Decimal(50000),
                account_owner="lena",
            ),
            Customer("C-BRIGHT", "Brightline Electric"),
        ],
        suppliers=[Supplier("SUP-VOLTEX", "Voltex Panels", lead_days=10)],
        stock=[
            StockLevel("CBL-2X14", "WH-NORTH", Decimal(300)),
            StockLevel("BRK-20A", "WH-NORTH", Decimal(50)),
            StockLevel("PNL-400", "WH-SOUTH", Decimal(10)),
        ],
        sales_orders=[
            SalesOrder("SO-5001", "C-HARBOR", "WH-NORTH", WEDNESDAY - timedelta(days=5), FRIDAY),
            SalesOrder(
                "SO-5002",
                "C-BRIGHT",
                "WH-NORTH",
                WEDNESDAY - timedelta(days=1),
                WEDNESDAY + timedelta(days=10),
            ),
        ],
        sales_order_lines=[
            SalesOrderLine("SO-5001", 1, "CBL-2X14", Decimal(100)),
            SalesOrderLine("SO-5001", 2, "BRK-20A", Decimal(20)),
            SalesOrderLine("SO-5001", 3, "PNL-400", Decimal(4)),
            SalesOrderLine("SO-5002", 1, "PNL-400", Decimal(2)),
        ],
        purchase_orders=[po],
        purchase_order_lines=[PurchaseOrderLine("PO-7741", 1, "PNL-400", Decimal(8))],
        invoices=[
            Invoice("INV-881", "C-HARBOR", WEDNESDAY - timedelta(days=40), Decimal(15000), True)
        ],
    )


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@dataclass(frozen=True)
class Teller:
    """One way of telling the story: an analysis, the routed exceptions, the document."""

    analyse: Callable[[Dataset, Policy], Analysis]
    exceptions: Callable[[Dataset, Policy], list[ExceptionRecord]]
    document: Callable[[Dataset, Policy], dict[str, Any]]


def _product_document(dataset: Dataset, policy: Policy) -> dict[str, Any]:
    out = io.StringIO()
    scan_to_json(dataset, WEDNESDAY, policy, out)
    parsed: dict[str, Any] = json.loads(out.getvalue())
    return parsed


PRODUCT = Teller(
    analyse=lambda dataset, policy: to_analysis(
        analyse_columns(to_columns(dataset, WEDNESDAY, policy.allocation.to_domain())), dataset
    ),
    exceptions=lambda dataset, policy: columnar_scan(
        tables_from_dataset(dataset), WEDNESDAY, policy
    ).exceptions(),
    document=_product_document,
)
ORACLE = Teller(
    analyse=lambda dataset, policy: analyse(dataset, WEDNESDAY, policy.allocation.to_domain()),
    exceptions=lambda dataset, policy: evaluate_exceptions(
        dataset,
        analyse(dataset, WEDNESDAY, policy.allocation.to_domain()),
        policy,
        detected_at=start_of_business_day(WEDNESDAY, policy.clock),
    ),
    document=lambda dataset, policy: build_scan_document(dataset, WEDNESDAY, policy),
)


@pytest.fixture(scope="module", params=[PRODUCT, ORACLE], ids=["product", "oracle"])
def teller(request: pytest.FixtureRequest) -> Teller:
    chosen: Teller = request.param
    return chosen


def _morning(
    teller: Teller, policy: Policy, *, po_confirmed: bool = False
) -> list[ExceptionRecord]:
    return teller.exceptions(volta(po_confirmed=po_confirmed), policy)


def _by_key(records: list[ExceptionRecord]) -> dict[tuple[str, str], ExceptionRecord]:
    return {(r.type.value, r.subject): r for r in records}


def test_the_engine_sees_the_order_blocked_by_credit_and_waiting_on_the_late_po(
    teller: Teller, policy: Policy
) -> None:
    analysis = teller.analyse(volta(), policy)
    order = analysis.order("SO-5001")
    assert order is not None
    assert order.blockers == (Blocker.CREDIT, Blocker.INBOUND)
    assert order.at_risk
    panels = order.lines[2]
    assert [alt.from_warehouse for alt in panels.alternatives] == ["WH-SOUTH"]
    assert panels.alternatives[0].makes_promise


def test_the_morning_scan_raises_each_problem_once_routed_to_its_owner(
    teller: Teller, policy: Policy
) -> None:
    records = _morning(teller, policy)
    assert records == sorted(records, key=lambda r: (r.type, r.subject))
    found = _by_key(records)
    assert set(found) == {
        ("credit_hold", "customer:C-HARBOR"),
        ("invoice_blocked", "invoice:INV-881"),
        ("order_at_risk", "sales_order:SO-5001"),
        ("supplier_confirmation_overdue", "purchase_order:PO-7741"),
        ("supplier_delay", "purchase_order:PO-7741"),
    }
    owners = {key[0]: record.owner for key, record in found.items()}
    assert owners == {
        "credit_hold": "finance@volta",
        "invoice_blocked": "finance@volta",
        "order_at_risk": "customer_service@WH-NORTH",
        "supplier_confirmation_overdue": "purchasing@WH-NORTH",
        "supplier_delay": "purchasing@WH-NORTH",
    }
    for record in found.values():
        assert record.due_at.date() == WEDNESDAY


def test_the_order_at_risk_names_both_blockers_the_value_and_the_transfer(
    teller: Teller, policy: Policy
) -> None:
    order = _by_key(_morning(teller, policy))[("order_at_risk", "sales_order:SO-5001")]
    order_value = Decimal(100 * 12 + 20 * 45 + 4 * 850)
    assert order.value_at_risk == order_value
    assert order.cause == "customer:C-HARBOR"
    assert order.severity is Severity.CRITICAL  # strategic, and 3 days late
    text = order.explanation
    for fact in (
        "Harbor Contracting, strategic customer",
        "worth 5,500.00",
        "promised 2026-11-27",
        "blockers: credit, inbound",
        "PO-7741",
        "SUP-VOLTEX",
        "not confirmed",
        "review the credit block on C-HARBOR",
        "transfer PNL-400 from WH-SOUTH (arrives 2026-11-26, in time)",
    ):
        assert fact in text, fact


def test_the_supplier_delay_is_one_incident_naming_the_order_it_hurts(
    teller: Teller, policy: Policy
) -> None:
    records = _morning(teller, policy)
    delay = _by_key(records)[("supplier_delay", "purchase_order:PO-7741")]
    assert delay.related == ("sales_order:SO-5001",)
    for fact in ("Voltex Panels", "expected 2026-11-29", "never confirmed", "SO-5001", "marco"):
        assert fact in delay.explanation, fact
    incidents = {i.cause: i for i in group_incidents(records)}
    po_incident = incidents["purchase_order:PO-7741"]
    assert po_incident.root_type is ExceptionType.SUPPLIER_DELAY
    assert po_incident.impacts == ("sales_order:SO-5001",)
    assert len(po_incident.members) == 2  # the delay and the missing confirmation
    account = incidents["customer:C-HARBOR"]
    assert account.root_type is ExceptionType.CREDIT_HOLD
    assert account.impacts == ("invoice:INV-881", "sales_order:SO-5001")


def test_the_credit_hold_and_the_blocked_invoice_carry_the_amounts(
    teller: Teller, policy: Policy
) -> None:
    found = _by_key(_morning(teller, policy))
    credit = found[("credit_hold", "customer:C-HARBOR")]
    assert "invoice INV-881 of 15,000.00 is 40 days overdue (limit 30)" in credit.explanation
    assert "Disputed invoices: INV-881" in credit.explanation
    assert "account owner: lena" in credit.explanation
    invoice = found[("invoice_blocked", "invoice:INV-881")]
    assert invoice.value_at_risk == Decimal(15000)
    assert "40 days past its due date" in invoice.explanation
    assert "is disputed" in invoice.explanation


def test_the_stateless_scan_document_carries_the_same_exceptions(
    teller: Teller, policy: Policy
) -> None:
    document = teller.document(volta(), policy)
    rendered = {(e["type"], e["subject"]): e for e in document["exceptions"]}
    order = rendered[("order_at_risk", "sales_order:SO-5001")]
    assert order["owner"] == "customer_service@WH-NORTH"
    assert order["value_at_risk"] == 5500
    assert order["due_at"] == "2026-11-25T10:00:00"  # critical: two business hours


def test_an_unchanged_picture_evaluated_again_changes_no_case(
    teller: Teller, policy: Policy
) -> None:
    first_run = datetime(2026, 11, 25, 8, 0)
    opened = reconcile((), _morning(teller, policy), now=first_run, policy=policy)
    assert len(opened.cases) == 5
    again = reconcile(
        opened.cases, _morning(teller, policy), now=first_run + timedelta(hours=1), policy=policy
    )
    assert again.changed == ()
    assert again.events == ()


def test_the_po_confirmed_and_pulled_in_resolves_exactly_its_cases_after_hysteresis(
    teller: Teller, policy: Policy
) -> None:
    start = datetime(2026, 11, 25, 8, 0)
    cases = reconcile((), _morning(teller, policy), now=start, policy=policy).cases
    confirmed = _morning(teller, policy, po_confirmed=True)
    first_miss = reconcile(cases, confirmed, now=start + timedelta(hours=1), policy=policy)
    assert all(case.state is CaseState.OPEN for case in first_miss.cases)
    second_miss = reconcile(
        first_miss.cases, confirmed, now=start + timedelta(hours=2), policy=policy
    )
    resolved = {c.key for c in second_miss.cases if c.state is CaseState.RESOLVED}
    assert resolved == {
        (ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE, "purchase_order:PO-7741"),
        (ExceptionType.SUPPLIER_DELAY, "purchase_order:PO-7741"),
    }
    notes = [
        e.event.note for e in second_miss.events if e.event.kind is EventKind.RESOLVED_AUTOMATICALLY
    ]
    assert len(notes) == 2
    assert all(n.startswith("condition cleared: ") for n in notes)
    still_open = {c.key for c in second_miss.cases if c.state is CaseState.OPEN}
    assert (ExceptionType.ORDER_AT_RISK, "sales_order:SO-5001") in still_open
