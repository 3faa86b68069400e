"""``scan --json`` gives the test oracle's reference document, whichever reader read it.

The command reads a folder with the fast columnar reader and scans it with the kernel
and the detectors; a folder the fast reader declines is read by the row reader and
scanned the same way. The document must be the one the oracle's reference scan
(:func:`controltower_oracle.scan.build_scan_document`) builds for the same folder. A
picture the columns cannot hold exactly is refused, naming what is too precise or too
large; it is never scanned another way.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from controltower.cli.scan_cmd import scan_folder_to_json
from controltower.connectors.dataset import read_dataset, write_dataset
from controltower.connectors.dataset.fast_reader import FastPathDeclined, read_tables
from controltower.demo import generate_business
from controltower.demo.sizes import size_named
from controltower.domain.columnar import ColumnarPrecisionError
from controltower.domain.tables import tables_from_dataset
from controltower.policy import load_policy
from controltower.workflow.columnar_scan import scan_to_json
from controltower_oracle.scan import build_scan_document

BUSINESSES = (
    ("small", 7, date(2026, 11, 25)),
    ("small", 1, date(2026, 11, 23)),
    ("medium", 3, date(2026, 11, 25)),
)


def reference_document(folder: Path, as_of: date) -> dict[str, Any]:
    document = build_scan_document(read_dataset(folder).dataset, as_of, load_policy(None))
    parsed: dict[str, Any] = json.loads(json.dumps(document, ensure_ascii=False))
    return parsed


def scanned(folder: Path, as_of: date) -> dict[str, Any]:
    out = io.StringIO()
    scan_folder_to_json(folder, as_of, load_policy(None), out)
    parsed: dict[str, Any] = json.loads(out.getvalue())
    return parsed


def first_difference(expected: Any, actual: Any, where: str = "document") -> str | None:
    """Where two JSON values first differ, for a readable failure."""
    if type(expected) is not type(actual):
        return f"{where}: {expected!r} != {actual!r}"
    if isinstance(expected, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in expected or key not in actual:
                return f"{where}.{key}: only on one side"
            found = first_difference(expected[key], actual[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if len(expected) != len(actual):
            return f"{where}: {len(expected)} items != {len(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found = first_difference(e, a, f"{where}[{i}]")
            if found:
                return found
        return None
    return None if expected == actual else f"{where}: {expected!r} != {actual!r}"


@pytest.mark.parametrize(("size", "seed", "as_of"), BUSINESSES)
def test_the_fast_scan_prints_the_reference_document(
    tmp_path: Path, size: str, seed: int, as_of: date
) -> None:
    folder = tmp_path / "dataset"
    write_dataset(generate_business(size_named(size), seed=seed, as_of=as_of), folder)
    read_tables(folder)  # the fast path really is the one taken

    document = scanned(folder, as_of)

    expected = reference_document(folder, as_of)
    assert document["orders"]
    assert document["exceptions"]
    assert first_difference(expected, document) is None


def _with_a_seven_decimal_quantity(folder: Path) -> None:
    path = folder / "sales_order_lines.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    qty = rows[0].index("qty")
    for row in rows[1:]:
        row[qty] = f"{row[qty]}.0000001" if "." not in row[qty] else f"{row[qty]}000001"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_a_quantity_beyond_six_decimals_is_refused_naming_it_and_the_rule(
    tmp_path: Path,
) -> None:
    as_of = date(2026, 11, 25)
    folder = tmp_path / "dataset"
    write_dataset(generate_business(size_named("small"), seed=5, as_of=as_of), folder)
    _with_a_seven_decimal_quantity(folder)
    with pytest.raises(FastPathDeclined):
        read_tables(folder)
    dataset = read_dataset(folder).dataset  # the row reader holds it exactly
    out = io.StringIO()

    with pytest.raises(ColumnarPrecisionError) as refused:
        scan_to_json(dataset, as_of, load_policy(None), out)

    assert out.getvalue() == ""
    assert re.match(
        r"sales order \S+ line \d+: qty: \d+\.\d{7,} has more than 6 decimals", str(refused.value)
    )
    assert refused.value.detail in str(refused.value)
    assert "Control Tower keeps quantities and money to six decimals" in str(refused.value)


def test_quantities_adding_up_beyond_what_the_kernel_sums_are_refused_before_any_output() -> None:
    as_of = date(2026, 11, 25)
    dataset = generate_business(size_named("small"), seed=5, as_of=as_of)
    huge = Decimal(3_000_000_000_000)  # each value fits; together they do not
    dataset.stock[0] = dataclasses.replace(dataset.stock[0], on_hand=huge)
    dataset.stock[1] = dataclasses.replace(dataset.stock[1], on_hand=huge)
    out = io.StringIO()

    with pytest.raises(ColumnarPrecisionError) as refused:
        scan_to_json(tables_from_dataset(dataset), as_of, load_policy(None), out)

    assert out.getvalue() == ""
    assert "more than the engine can sum exactly" in refused.value.detail
    assert str(refused.value).endswith(ColumnarPrecisionError.RULE)


def test_orders_written_by_a_second_process_give_the_same_document(tmp_path: Path) -> None:
    as_of = date(2026, 11, 25)
    folder = tmp_path / "dataset"
    write_dataset(generate_business(size_named("small"), seed=4, as_of=as_of), folder)
    tables = read_tables(folder).tables
    policy = load_policy(None)
    texts = {}
    for parallel in (False, True):
        out = io.StringIO()
        scan_to_json(tables, as_of, policy, out, parallel=parallel)
        texts[parallel] = out.getvalue()

    assert texts[True] == texts[False]
    assert first_difference(reference_document(folder, as_of), json.loads(texts[True])) is None


def test_a_scan_written_to_a_real_file_by_two_processes_is_one_whole_document(
    tmp_path: Path,
) -> None:
    as_of = date(2026, 11, 25)
    folder = tmp_path / "dataset"
    write_dataset(generate_business(size_named("small"), seed=6, as_of=as_of), folder)
    target = tmp_path / "scan.json"
    with target.open("w", encoding="utf-8") as out:
        out.write("")  # an empty buffer before the fork, as on a fresh standard output
        scan_to_json(read_tables(folder).tables, as_of, load_policy(None), out, parallel=True)

    document = json.loads(target.read_text(encoding="utf-8"))
    assert first_difference(reference_document(folder, as_of), document) is None
