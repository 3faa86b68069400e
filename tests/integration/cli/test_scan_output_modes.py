"""The two-process scan writes one whole document wherever it goes, or nothing.

A large scan has its orders written by a forked child while the parent detects the
exceptions: in place when the document goes to a regular file, into a temporary file
and copied otherwise (a pipe, a terminal, a file standard error also writes to). These
tests drive each mode on a real business and break each process in turn. On a crisis
day, when most orders are at risk, a large scan writes its orders first in one process,
the same two ways.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from controltower.connectors.dataset import write_dataset
from controltower.connectors.dataset.fast_reader import read_tables
from controltower.demo import generate_business
from controltower.demo.sizes import size_named
from controltower.domain.tables import DatasetTables
from controltower.policy import load_policy
from controltower.workflow import columnar_scan
from controltower.workflow.columnar_scan import _in_place_target, scan_to_json

AS_OF = date(2026, 11, 25)


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> DatasetTables:
    folder = tmp_path_factory.mktemp("business") / "dataset"
    write_dataset(generate_business(size_named("small"), seed=8, as_of=AS_OF), folder)
    return read_tables(folder).tables


@pytest.fixture(scope="module")
def expected(tables: DatasetTables) -> str:
    """The document as the one-process scan writes it."""
    out = io.StringIO()
    scan_to_json(tables, AS_OF, load_policy(None), out, parallel=False)
    return out.getvalue()


def _scan_into_file(tables: DatasetTables, target: Path, before: str = "") -> None:
    with target.open("w", encoding="utf-8") as out:
        out.write(before)
        scan_to_json(tables, AS_OF, load_policy(None), out, parallel=True)


def test_a_regular_file_is_written_in_place_and_reads_as_the_one_process_document(
    tables: DatasetTables, expected: str, tmp_path: Path
) -> None:
    target = tmp_path / "scan.json"
    with target.open("w", encoding="utf-8") as out:
        assert _in_place_target(out) == out.fileno()
    _scan_into_file(tables, target, before="kept\n")
    assert target.read_text(encoding="utf-8") == "kept\n" + expected


def test_a_pipe_gets_the_orders_copied_and_the_same_document(
    tables: DatasetTables, expected: str
) -> None:
    read_end, write_end = os.pipe()
    received: list[bytes] = []

    def drain() -> None:
        with open(read_end, "rb") as pipe:
            received.append(pipe.read())

    reader = threading.Thread(target=drain)
    reader.start()
    with open(write_end, "w", encoding="utf-8") as out:
        assert _in_place_target(out) is None
        scan_to_json(tables, AS_OF, load_policy(None), out, parallel=True)
    reader.join()
    assert received[0].decode("utf-8") == expected


def test_a_file_standard_error_also_writes_to_is_not_written_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "both.log"
    with target.open("w", encoding="utf-8") as out, target.open("a", encoding="utf-8") as err:
        monkeypatch.setattr(sys, "stderr", err)
        assert _in_place_target(out) is None


def test_a_text_buffer_has_no_place_to_write_in() -> None:
    assert _in_place_target(io.StringIO()) is None


def test_a_failed_detection_leaves_the_file_as_it_was_before_the_scan(
    tables: DatasetTables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("detector failed")

    monkeypatch.setattr(columnar_scan, "detect_exceptions", broken)
    target = tmp_path / "scan.json"
    with pytest.raises(RuntimeError, match="detector failed"):
        _scan_into_file(tables, target, before="kept\n")
    assert target.read_text(encoding="utf-8") == "kept\n"


def test_a_failure_after_the_orders_are_in_leaves_the_file_as_it_was(
    tables: DatasetTables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_lines: Any, out: Any) -> None:
        out.write(',\n"exceptions":[')
        raise KeyboardInterrupt  # an interrupt while the exceptions are written

    monkeypatch.setattr(columnar_scan, "_write_exceptions", broken)
    target = tmp_path / "scan.json"
    with pytest.raises(KeyboardInterrupt):
        _scan_into_file(tables, target, before="kept\n")
    assert target.read_text(encoding="utf-8") == "kept\n"


def _failing_writer(_result: Any, _tables: Any, out: BinaryIO) -> None:
    """Half an order, then a failure (a full disk, a killed child)."""
    out.write(b'[\n{"order_id":"SO')
    out.flush()
    raise OSError("the child could not write")


@pytest.mark.parametrize("mode", ["in place", "aside"])
def test_when_the_child_fails_the_parent_writes_the_orders_itself(
    tables: DatasetTables,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    # the child runs the patched writer (it is forked after the patch); the parent's
    # own fallback writes through write_orders_json, which is left alone
    monkeypatch.setattr(columnar_scan, "write_orders_bytes", _failing_writer)
    if mode == "aside":
        monkeypatch.setattr(columnar_scan, "_in_place_target", lambda _: None)
    target = tmp_path / "scan.json"
    _scan_into_file(tables, target)
    text = target.read_text(encoding="utf-8")
    assert text == expected
    assert json.loads(text)["orders"]


@pytest.mark.parametrize("mode", ["in place", "aside"])
def test_exceptions_worded_while_the_child_still_writes_follow_its_orders(
    tables: DatasetTables,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    # the child is taken as still writing whenever the parent asks, so every piece of
    # the exceptions is held aside and written after the orders once the child is done
    asked: list[bool] = []

    def still_writing(_self: columnar_scan.OrdersAside) -> bool:
        asked.append(False)
        return False

    monkeypatch.setattr(columnar_scan.OrdersAside, "done", still_writing)
    monkeypatch.setattr(columnar_scan, "_EXCEPTIONS_PER_WRITE", 3)
    if mode == "aside":
        monkeypatch.setattr(columnar_scan, "_in_place_target", lambda _: None)
    target = tmp_path / "scan.json"
    _scan_into_file(tables, target, before="kept\n")
    assert target.read_text(encoding="utf-8") == "kept\n" + expected
    assert len(asked) > 2  # several pieces were held


def test_a_child_done_early_has_every_piece_of_the_exceptions_written_straight_after(
    tables: DatasetTables, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_done = columnar_scan.OrdersAside.done

    def waited(self: columnar_scan.OrdersAside) -> bool:
        self._succeeded()  # the child is waited for before the first piece is worded
        return real_done(self)

    monkeypatch.setattr(columnar_scan.OrdersAside, "done", waited)
    monkeypatch.setattr(columnar_scan, "_EXCEPTIONS_PER_WRITE", 3)
    target = tmp_path / "scan.json"
    _scan_into_file(tables, target)
    assert target.read_text(encoding="utf-8") == expected


@pytest.fixture(scope="module")
def crisis_tables(tmp_path_factory: pytest.TempPathFactory) -> DatasetTables:
    folder = tmp_path_factory.mktemp("crisis") / "dataset"
    business = generate_business(size_named("small"), seed=8, as_of=AS_OF, scenario="crisis")
    write_dataset(business, folder)
    return read_tables(folder).tables


def test_on_a_crisis_day_the_exceptions_dominate_and_on_a_normal_day_they_do_not(
    tables: DatasetTables, crisis_tables: DatasetTables
) -> None:
    policy = load_policy(None)
    assert columnar_scan.exceptions_dominate(
        columnar_scan.analyse_tables(crisis_tables, AS_OF, policy)
    )
    assert not columnar_scan.exceptions_dominate(
        columnar_scan.analyse_tables(tables, AS_OF, policy)
    )


@pytest.mark.parametrize("mode", ["in place", "aside"])
def test_a_large_crisis_day_writes_its_orders_first_in_one_process_and_the_same_document(
    crisis_tables: DatasetTables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    out = io.StringIO()
    scan_to_json(crisis_tables, AS_OF, load_policy(None), out, parallel=False)
    expected = out.getvalue()

    def no_fork() -> int:
        raise AssertionError("nothing is forked when the exceptions dominate")

    monkeypatch.setattr(columnar_scan, "PARALLEL_FROM_LINES", 1)  # "large"
    monkeypatch.setattr(os, "fork", no_fork)
    if mode == "aside":
        monkeypatch.setattr(columnar_scan, "_in_place_target", lambda _: None)
    target = tmp_path / "scan.json"
    with target.open("w", encoding="utf-8") as handle:
        handle.write("kept\n")
        scan_to_json(crisis_tables, AS_OF, load_policy(None), handle)
    assert target.read_text(encoding="utf-8") == "kept\n" + expected
    assert json.loads(expected)["exceptions"]


def test_a_crisis_day_failing_after_its_orders_leaves_the_file_as_it_was(
    crisis_tables: DatasetTables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("detector failed")

    monkeypatch.setattr(columnar_scan, "PARALLEL_FROM_LINES", 1)
    monkeypatch.setattr(columnar_scan, "detect_exceptions", broken)
    target = tmp_path / "scan.json"
    with target.open("w", encoding="utf-8") as handle:
        handle.write("kept\n")
        with pytest.raises(RuntimeError, match="detector failed"):
            scan_to_json(crisis_tables, AS_OF, load_policy(None), handle)
    assert target.read_text(encoding="utf-8") == "kept\n"
