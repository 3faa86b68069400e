"""(b) One typical change through the columnar incremental engine: ``python -m bench.incremental``.

The same changes as ``bench.run.bench_incremental`` (``bench.run._changes``: six kinds,
``CHANGES_PER_KIND`` of each, seed 7), applied one after another to
``controltower.domain.kernel_incremental.ColumnarIncrementalEngine`` and timed one by
one (the engine only: the change, as an event through ``apply``, pegging, pick queues,
credit, alternatives, orders).
The same changes are mirrored on a copy of the dataset, and at the end the engine's
picture and analysis are checked equal, array for array, to ``to_columns`` and
``analyse_columns`` of the changed dataset.

From ``bench/run.py``::

    from bench.incremental import bench_columnar_incremental
    report["incremental_columnar"] = stage(
        "(b) single changes, columnar", lambda: bench_columnar_incremental(biggest)
    )

The result has the shape of ``bench_incremental``'s (``build_seconds``, ``all``,
``per_kind`` as ``Timing.as_dict()``) plus ``check``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.run import (
    AS_OF,
    POLICY,
    SEED,
    Timing,
    Workload,
    _changes,
    demo_workload,
    log,
)
from bench.sizes import label, parse_size
from controltower.domain.columnar import to_columns
from controltower.domain.events import (
    InvoiceChanged,
    OrderChanged,
    OrderLineChanged,
    PoLineChanged,
    ReceiptPosted,
    StockCounted,
)
from controltower.domain.kernel import analyse_columns
from controltower.domain.kernel_incremental import (
    ColumnarIncrementalEngine,
    analysis_array_differences,
    picture_array_differences,
)
from controltower.domain.model import (
    Dataset,
    Invoice,
    PurchaseOrderLine,
    Receipt,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
)

#: the key of a row of each collection a change replaces rows of
_KEYS: dict[str, Callable[[Any], object]] = {
    "sales_orders": lambda r: r.order_id,
    "sales_order_lines": lambda r: (r.order_id, r.line),
    "purchase_order_lines": lambda r: (r.po_id, r.line),
    "stock": lambda r: (r.sku, r.warehouse),
    "invoices": lambda r: r.invoice_id,
}


class DatasetMirror:
    """The changes of ``bench.run._changes`` applied to a copy of the dataset's rows.

    It answers the same method names as the engines, so each change can be replayed on
    it, and its dataset is what the engine's picture must equal at the end.
    """

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = Dataset()
        for name, rows in dataset.collections():
            setattr(self.dataset, name, list(rows))
        self._positions: dict[str, dict[object, int]] = {}

    def _position(self, collection: str, key: object) -> int:
        """Where the row with ``key`` is (indexed on first use of a collection)."""
        if collection not in self._positions:
            rows = getattr(self.dataset, collection)
            self._positions[collection] = {_KEYS[collection](r): i for i, r in enumerate(rows)}
        return self._positions[collection][key]

    def _replace(self, collection: str, row: object) -> None:
        getattr(self.dataset, collection)[self._position(collection, _KEYS[collection](row))] = row

    def upsert_order_line(self, line: SalesOrderLine) -> None:
        self._replace("sales_order_lines", line)

    def upsert_order(self, order: SalesOrder) -> None:
        self._replace("sales_orders", order)

    def upsert_purchase_order_line(self, line: PurchaseOrderLine) -> None:
        self._replace("purchase_order_lines", line)

    def set_stock(self, level: StockLevel) -> None:
        self._replace("stock", level)

    def add_receipt(self, receipt: Receipt) -> None:
        rows = self.dataset.purchase_order_lines
        line = rows[self._position("purchase_order_lines", (receipt.po_id, receipt.line))]
        self._replace(
            "purchase_order_lines",
            dataclasses.replace(line, qty_received=line.qty_received + receipt.qty),
        )
        self.dataset.receipts.append(receipt)

    def upsert_invoice(self, invoice: Invoice) -> None:
        self._replace("invoices", invoice)


class EventFeed:
    """The changes of ``bench.run._changes`` handed to the engine as events.

    ``_changes`` speaks the reference ``IncrementalEngine``'s method names (shared with
    :class:`DatasetMirror`); each becomes the event of :mod:`controltower.domain.events`
    that states the changed row, applied with one ``apply``.
    """

    def __init__(self, engine: ColumnarIncrementalEngine) -> None:
        self.engine = engine

    def upsert_order_line(self, line: SalesOrderLine) -> None:
        self.engine.apply(OrderLineChanged.of(line))

    def upsert_order(self, order: SalesOrder) -> None:
        self.engine.apply(OrderChanged.of(order))

    def upsert_purchase_order_line(self, line: PurchaseOrderLine) -> None:
        self.engine.apply(PoLineChanged.of(line))

    def set_stock(self, level: StockLevel) -> None:
        self.engine.apply(StockCounted.of(level))

    def add_receipt(self, receipt: Receipt) -> None:
        self.engine.apply(ReceiptPosted.of(receipt))

    def upsert_invoice(self, invoice: Invoice) -> None:
        self.engine.apply(InvoiceChanged.of(invoice))


def check_against_full_recompute(
    engine: ColumnarIncrementalEngine, dataset: Dataset
) -> dict[str, Any]:
    """Whether the engine's picture and analysis equal those built from ``dataset``."""
    start = time.perf_counter()
    picture = to_columns(dataset, AS_OF, POLICY)
    differences = picture_array_differences(picture, engine.picture)
    differences += analysis_array_differences(analyse_columns(picture), engine.result())
    return {
        "equal": not differences,
        "differences": differences[:10],
        "seconds": time.perf_counter() - start,
    }


def _timings(kinds: list[str], seconds: list[float]) -> dict[str, Any]:
    """``all`` and ``per_kind`` Timing dicts of one sample per change."""
    per_kind: dict[str, list[float]] = {}
    for kind, elapsed in zip(kinds, seconds, strict=True):
        per_kind.setdefault(kind, []).append(elapsed)
    return {
        "all": Timing(tuple(seconds)).as_dict(),
        "per_kind": {kind: Timing(tuple(v)).as_dict() for kind, v in sorted(per_kind.items())},
    }


def bench_columnar_incremental(
    work: Workload, *, check: bool = True, rounds: int = 1
) -> dict[str, Any]:
    """p50/p99 of one typical change through ``ColumnarIncrementalEngine``.

    Built from the workload's cached picture (its full analysis is part of the build).
    ``all`` and ``per_kind`` time the first pass of the changes, as
    ``bench_incremental`` does, in wall-clock time; ``cpu`` times the same pass in CPU
    time of the thread, which leaves out time the process spent waiting for a core (on a
    shared machine, a wall-clock sample can include milliseconds of other processes).
    With ``rounds`` > 1 the same changes are replayed on fresh engines and
    ``best_of_rounds`` holds each change's fastest wall-clock time. With ``check``, the
    final state is compared with a full recompute of the changed dataset (not timed).
    """
    changes: list[tuple[str, Callable[[Any], None]]] = list(
        _changes(work.dataset, random.Random(SEED))
    )
    kinds = [kind for kind, _ in changes]
    passes: list[list[float]] = []
    cpu: list[float] = []
    build_seconds: list[float] = []
    mirror = DatasetMirror(work.dataset)
    verdict: dict[str, Any] = {}
    for round_number in range(max(rounds, 1)):
        log(f"{work.name}: building the ColumnarIncrementalEngine (a full kernel analysis)")
        start = time.perf_counter()
        engine = ColumnarIncrementalEngine(work.picture, dataset=work.dataset)
        build_seconds.append(time.perf_counter() - start)
        feed = EventFeed(engine)
        seconds = []
        for _, change in changes:
            start, start_cpu = time.perf_counter(), time.thread_time()
            change(feed)
            seconds.append(time.perf_counter() - start)
            if round_number == 0:
                cpu.append(time.thread_time() - start_cpu)
                if check:
                    change(mirror)
        passes.append(seconds)
        log(f"{work.name}: {len(seconds)} changes applied (round {round_number + 1})")
        if check and round_number == 0:
            log(f"{work.name}: checking the final state against a full recompute")
            verdict = check_against_full_recompute(engine, mirror.dataset)
        del feed, engine
    result: dict[str, Any] = {
        "engine": "controltower.domain.kernel_incremental.ColumnarIncrementalEngine",
        "build_seconds": build_seconds[0],
        **_timings(kinds, passes[0]),
        "cpu": _timings(kinds, cpu),
    }
    if rounds > 1:
        result["best_of_rounds"] = {"rounds": rounds} | _timings(
            kinds, [min(samples) for samples in zip(*passes, strict=True)]
        )
    if check:
        result["check"] = verdict
    return result


def render(result: dict[str, Any]) -> str:
    """The result as Markdown tables of milliseconds (p50, p99, max per kind)."""
    tables = [("first pass, wall clock", result), ("first pass, CPU time", result["cpu"])]
    if "best_of_rounds" in result:
        best = result["best_of_rounds"]
        tables.append((f"each change's best of {best['rounds']} rounds", best))
    lines = []
    for title, timings in tables:
        lines += [f"\n{title}:\n", "| change | p50 | p99 | max |", "|---|---:|---:|---:|"]
        for kind, timing in [("**all**", timings["all"]), *timings["per_kind"].items()]:
            lines.append(
                f"| {kind} | {timing['median'] * 1e3:.2f} ms | {timing['p99'] * 1e3:.2f} ms "
                f"| {timing['max'] * 1e3:.2f} ms |"
            )
    check = result.get("check")
    if check is not None:
        verdict = "equal" if check["equal"] else f"DIFFERENT: {check['differences']}"
        lines.append(f"\nFinal state against a full recompute: {verdict}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.incremental", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--size", type=parse_size, default=parse_size("1m"))
    parser.add_argument("--no-check", action="store_true", help="skip the final equality check")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the changes")
    args = parser.parse_args(argv)
    work = demo_workload(args.size)
    result = bench_columnar_incremental(work, check=not args.no_check, rounds=args.rounds)
    print(f"## Single changes at {label(args.size)}, columnar incremental engine\n")
    print(f"Build (copy + full kernel analysis): {result['build_seconds']:.2f} s\n")
    print(render(result))
    print(json.dumps(result, indent=2), file=sys.stderr)
    return 0 if result.get("check", {"equal": True})["equal"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
