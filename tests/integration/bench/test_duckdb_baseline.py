"""The DuckDB baseline of the benchmarks computes what the kernel computes.

The benchmark compares the kernel's speed with the same rules written as SQL; that
comparison only means something if the SQL gets the same answer. Both ways into DuckDB
are checked on a small generated business: from the columnar picture (what the
benchmark times) and from the dataset's CSV files (the end-to-end comparison).
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import date
from pathlib import Path

import pytest

# ``bench`` is a top-level folder of the project, not part of the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bench import duckdb_baseline

from controltower.connectors.dataset import write_dataset
from controltower.demo.generator import generate_business
from controltower.domain.analysis import AllocationPolicy
from controltower.domain.columnar import ColumnarPicture, to_columns
from controltower.domain.kernel import ColumnarAnalysis, analyse_columns
from controltower.domain.model import Dataset

D = date(2026, 11, 25)
POLICY = AllocationPolicy(quality_release_days=1, receipt_handling_days=2, overdue_days_block=20)


@pytest.fixture(scope="module")
def business() -> Dataset:
    return generate_business("small", seed=13, as_of=D)


@pytest.fixture(scope="module")
def picture(business: Dataset) -> ColumnarPicture:
    return to_columns(business, D, POLICY)


@pytest.fixture(scope="module")
def kernel(picture: ColumnarPicture) -> ColumnarAnalysis:
    return analyse_columns(picture)


def test_sql_baseline_on_the_columnar_picture_equals_the_kernel(
    picture: ColumnarPicture, kernel: ColumnarAnalysis
) -> None:
    con = duckdb_baseline.connect(threads=1)
    duckdb_baseline.load_picture(con, picture)
    duckdb_baseline.run_rules(con, picture.as_of_day, POLICY)
    result = duckdb_baseline.fetch_result(con)

    assert duckdb_baseline.differences(result, kernel) == []
    assert len(result.pegs["line_id"]) == kernel.peg_qty.shape[0] > 0
    assert len(result.alternatives["line_id"]) > 0


def test_sql_baseline_reading_the_csv_files_equals_the_kernel(
    business: Dataset, kernel: ColumnarAnalysis, tmp_path: Path
) -> None:
    write_dataset(business, tmp_path)
    con = duckdb_baseline.connect(threads=1)
    duckdb_baseline.load_csv(con, tmp_path)
    duckdb_baseline.run_rules(con, D.toordinal(), POLICY)

    assert duckdb_baseline.differences(duckdb_baseline.fetch_result(con), kernel) == []


def test_a_wrong_shortage_is_reported_as_a_difference(
    picture: ColumnarPicture, kernel: ColumnarAnalysis
) -> None:
    con = duckdb_baseline.connect(threads=1)
    duckdb_baseline.load_picture(con, picture)
    duckdb_baseline.run_rules(con, picture.as_of_day, POLICY)
    wrong = dataclasses.replace(kernel, line_short=kernel.line_short + 1)

    problems = duckdb_baseline.differences(duckdb_baseline.fetch_result(con), wrong)

    assert any(problem.startswith("line short_qty") for problem in problems)
