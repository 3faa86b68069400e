"""A file whose columns are separated by ';' or tabs is refused naming the separator, by
both readers alike (the row reader words it, the fast reader declines the folder), on
``scan`` and ``import``."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from controltower.connectors.dataset import DatasetInvalidError, read_dataset
from controltower.connectors.dataset.fast_reader import FastPathDeclined, read_tables
from helpers.cli_runs import MINIMAL, MINIMAL_AS_OF, database_dump, run_cli, stderr_lines

RULE = "Control Tower reads comma-separated files (export with a comma as the delimiter)"

#: (file rewritten, separator, every value quoted, how the message names the separator)
CASES = [
    ("sales_orders.csv", ";", False, "';'"),
    ("sales_orders.csv", ";", True, "';'"),
    ("customers.csv", "\t", False, "tabs"),
    ("returns.csv", "\t", False, "tabs"),  # an optional file
    ("transfer_lanes.csv", "|", False, "'|'"),
]
IDS = ["semicolons", "quoted semicolons", "tabs", "tabs in an optional file", "bars"]


def separated(tmp_path: Path, name: str, separator: str, quoted: bool) -> Path:
    """The minimal dataset with ``name`` written with ``separator`` between its columns."""
    folder = tmp_path / "dataset"
    shutil.copytree(MINIMAL, folder)
    rows = list(csv.reader((MINIMAL / name).open(encoding="utf-8", newline="")))
    with (folder / name).open("w", encoding="utf-8", newline="") as handle:
        if quoted:
            csv.writer(handle, delimiter=separator, quoting=csv.QUOTE_ALL).writerows(rows)
        else:
            csv.writer(handle, delimiter=separator).writerows(rows)
    return folder


@pytest.mark.parametrize(("name", "separator", "quoted", "shown"), CASES, ids=IDS)
def test_both_readers_refuse_the_file_naming_its_separator(
    tmp_path: Path, name: str, separator: str, quoted: bool, shown: str
) -> None:
    folder = separated(tmp_path, name, separator, quoted)

    with pytest.raises(DatasetInvalidError) as refused:
        read_dataset(folder)
    with pytest.raises(FastPathDeclined):
        read_tables(folder)

    assert [str(problem) for problem in refused.value.problems] == [
        f"{name}:1: the columns are separated by {shown}: {RULE}"
    ]


@pytest.mark.parametrize(("name", "separator", "quoted", "shown"), CASES, ids=IDS)
def test_scan_and_import_name_the_separator_and_store_nothing(
    tmp_path: Path, name: str, separator: str, quoted: bool, shown: str, database_url: str
) -> None:
    folder = separated(tmp_path, name, separator, quoted)
    expected = [
        f"{name}:1: the columns are separated by {shown}: {RULE}",
        f"{folder}: 1 problem; nothing was scanned.",
    ]
    assert run_cli("db", "upgrade", "--database-url", database_url).exit_code == 0
    before = database_dump(database_url)

    scanned = run_cli("scan", folder, "--json", "--as-of", MINIMAL_AS_OF)
    imported = run_cli("import", folder, "--database-url", database_url)

    assert scanned.exit_code == 1
    assert scanned.stdout == ""
    assert stderr_lines(scanned) == expected
    assert imported.exit_code == 1
    assert stderr_lines(imported) == [expected[0], f"{folder}: 1 problem; nothing was imported."]
    assert database_dump(database_url) == before
