"""The crisis day: the demo business on its worst day, deterministic, valid and in trouble.

A small crisis business is generated once per module and scanned through the command a
user runs (``controltower scan DIR --json``); the tests read the document it prints.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from controltower.cli.main import app
from controltower.connectors.dataset import write_dataset
from controltower.demo.generator import generate_business
from controltower.demo.scenario import CRISIS, NORMAL, SCENARIOS, Scenario, scenario_named
from controltower.demo.story import find_story_order
from controltower.domain.model import Dataset, OrderStatus, po_line_expected_date
from helpers.dataset_validity import dataset_problems

AS_OF = date(2026, 11, 25)


def digest(dataset: Dataset) -> str:
    text = "\n".join(repr(row) for _, rows in dataset.collections() for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def scan_document(dataset: Dataset, folder: Path) -> dict[str, Any]:
    write_dataset(dataset, folder)
    result = CliRunner().invoke(app, ["scan", str(folder), "--as-of", AS_OF.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.fixture(scope="module")
def normal() -> Dataset:
    return generate_business("small", seed=7, as_of=AS_OF)


@pytest.fixture(scope="module")
def crisis() -> Dataset:
    return generate_business("small", seed=7, as_of=AS_OF, scenario="crisis")


@pytest.fixture(scope="module")
def documents(
    normal: Dataset, crisis: Dataset, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    return {
        "normal": scan_document(normal, tmp_path_factory.mktemp("normal")),
        "crisis": scan_document(crisis, tmp_path_factory.mktemp("crisis")),
    }


def open_lines(dataset: Dataset) -> int:
    open_ids = {o.order_id for o in dataset.sales_orders if o.status is OrderStatus.OPEN}
    return sum(
        1 for line in dataset.sales_order_lines if line.order_id in open_ids and line.open_qty > 0
    )


# --- what a scenario is ------------------------------------------------------------------


def test_scenarios_are_named_and_only_the_crisis_is_disrupted() -> None:
    assert scenario_named("normal") is NORMAL
    assert scenario_named("crisis") is CRISIS
    assert set(SCENARIOS) == {"normal", "crisis"}
    assert not NORMAL.disrupted
    assert CRISIS.disrupted
    with pytest.raises(ValueError, match="unknown demo scenario 'panic'"):
        scenario_named("panic")


def test_the_normal_scenario_is_the_business_as_it_always_was(normal: Dataset) -> None:
    again = generate_business("small", seed=7, as_of=AS_OF, scenario="normal")
    assert digest(again) == digest(normal)
    assert digest(generate_business("small", seed=7, as_of=AS_OF, scenario=Scenario("calm"))) == (
        digest(normal)
    )


# --- the crisis business -----------------------------------------------------------------


def test_the_crisis_is_deterministic_valid_and_different_from_the_normal_day(
    normal: Dataset, crisis: Dataset
) -> None:
    again = generate_business("small", seed=7, as_of=AS_OF, scenario=CRISIS)
    assert digest(again) == digest(crisis)
    assert digest(crisis) != digest(normal)
    assert dataset_problems(crisis) == []


def test_the_crisis_keeps_the_size_and_the_story(normal: Dataset, crisis: Dataset) -> None:
    assert open_lines(crisis) == open_lines(normal) == 800
    assert len(crisis.customers) == len(normal.customers)
    assert len(crisis.products) == len(normal.products)
    assert find_story_order(crisis) is not None


def test_the_crisis_is_what_a_bad_day_looks_like(normal: Dataset, crisis: Dataset) -> None:
    def troubles(dataset: Dataset) -> Counter[str]:
        counted: Counter[str] = Counter()
        pos = {p.po_id: p for p in dataset.purchase_orders if p.status is OrderStatus.OPEN}
        counted["unconfirmed POs"] = sum(1 for p in pos.values() if p.confirmed_date is None)
        counted["PO lines past due or due after a week"] = sum(
            1
            for line in dataset.purchase_order_lines
            if line.po_id in pos
            and line.open_qty > 0
            and abs((po_line_expected_date(line, pos[line.po_id]) - AS_OF).days) > 0
            and not 0 < (po_line_expected_date(line, pos[line.po_id]) - AS_OF).days <= 7
        )
        counted["accounts on hold"] = sum(1 for c in dataset.customers if c.credit_hold)
        counted["disputed invoices"] = sum(1 for i in dataset.invoices if i.disputed)
        counted["expedited orders"] = sum(
            1 for o in dataset.sales_orders if o.status is OrderStatus.OPEN and o.expedite
        )
        counted["empty pools"] = sum(1 for s in dataset.stock if s.on_hand == 0)
        return counted

    calm, hit = troubles(normal), troubles(crisis)
    for trouble in calm:
        assert hit[trouble] > 1.5 * calm[trouble], (trouble, calm[trouble], hit[trouble])


def test_on_a_crisis_day_most_orders_are_at_risk(documents: dict[str, dict[str, Any]]) -> None:
    def share_at_risk(document: dict[str, Any]) -> float:
        orders = document["orders"]
        return sum(1 for o in orders if o["at_risk"]) / len(orders)

    assert share_at_risk(documents["normal"]) < 0.25
    assert share_at_risk(documents["crisis"]) > 0.6


def test_a_crisis_day_raises_many_exceptions_per_order_line(
    documents: dict[str, dict[str, Any]],
) -> None:
    def per_line(document: dict[str, Any]) -> float:
        lines = sum(len(o["lines"]) for o in document["orders"])
        return len(document["exceptions"]) / lines

    assert per_line(documents["normal"]) < 0.3
    assert per_line(documents["crisis"]) > 0.5
    raised = Counter(e["type"] for e in documents["crisis"]["exceptions"])
    for kind in (
        "order_at_risk",
        "supplier_delay",
        "supplier_confirmation_overdue",
        "stock_shortage",
        "replenishment_overdue",
        "credit_hold",
        "invoice_blocked",
        "expedite_request",
    ):
        assert (
            raised[kind] > 2 * Counter(e["type"] for e in documents["normal"]["exceptions"])[kind]
        )
