"""``scan --json`` gives the reference scan's document, whichever path computed it.

The command reads a folder with the fast columnar reader and scans it with the kernel
and the columnar detectors; a folder the fast reader declines is read by the row reader,
and a picture the columns cannot hold exactly is scanned by the reference path. Each
path must print the document :func:`~controltower.workflow.scan.build_scan_document`
builds for the same folder.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
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
from controltower.workflow.scan import build_scan_document

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
    assert document["orders"] and document["exceptions"]
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


def test_a_quantity_beyond_six_decimals_is_scanned_exactly_by_the_reference_path(
    tmp_path: Path,
) -> None:
    as_of = date(2026, 11, 25)
    folder = tmp_path / "dataset"
    write_dataset(generate_business(size_named("small"), seed=5, as_of=as_of), folder)
    _with_a_seven_decimal_quantity(folder)
    with pytest.raises(FastPathDeclined):
        read_tables(folder)
    with pytest.raises(ColumnarPrecisionError):
        tables_from_dataset(read_dataset(folder).dataset)

    document = scanned(folder, as_of)

    assert first_difference(reference_document(folder, as_of), document) is None
    assert any(
        isinstance(line["open_qty"], float)
        for order in document["orders"]
        for line in order["lines"]
    )


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
