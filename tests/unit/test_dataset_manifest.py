"""The dataset manifest: a folder cut short is told from a whole one.

A file cut at a row boundary is valid CSV, so only the manifest ``export`` writes (row
counts and SHA-256 per file) can tell it from a smaller business; without a manifest a
last line with no line break is the one sign left, and it is a warning.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from controltower.connectors.dataset import read_dataset, write_dataset
from controltower.connectors.dataset.columns import FILES
from controltower.connectors.dataset.fast_reader import read_tables
from controltower.connectors.dataset.manifest import (
    MANIFEST_NAME,
    ManifestError,
    check_folder,
    count_rows,
    read_manifest,
    write_manifest,
)

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "datasets" / "minimal"
HEADER = "order_id,customer,warehouse,order_date,promised_date\n"


def orders_file(folder: Path, rows: int) -> Path:
    """A ``sales_orders.csv`` of ``rows`` data rows (the check reads bytes, not values)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sales_orders.csv"
    lines = [f"SO{n},C1,W1,2026-01-01,2026-01-05\n" for n in range(rows)]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def cut_to(path: Path, rows: int) -> None:
    """Keep the header and the first ``rows`` rows, as a copy cut at a row boundary would."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[: rows + 1]), encoding="utf-8")


def messages(folder: Path) -> list[str]:
    return [str(problem) for problem in check_folder(folder).problems]


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    folder = tmp_path / "exported"
    write_dataset(read_dataset(MINIMAL).dataset, folder)
    return folder


def test_the_writer_lists_every_file_with_its_rows_and_checksum(exported: Path) -> None:
    dataset = read_dataset(MINIMAL).dataset
    document = json.loads((exported / MANIFEST_NAME).read_text(encoding="utf-8"))

    assert document["version"] == 1
    assert sorted(document["files"]) == sorted(spec.name for spec in FILES)
    for spec in FILES:
        assert document["files"][spec.name]["rows"] == len(getattr(dataset, spec.entity))
    assert check_folder(exported).problems == []
    assert check_folder(exported).warnings == []


def test_neither_reader_warns_about_the_manifest(exported: Path) -> None:
    assert read_dataset(exported).warnings == []
    assert read_tables(exported).warnings == []


def test_a_file_cut_at_a_row_boundary_is_an_error_naming_it_and_the_counts(
    tmp_path: Path,
) -> None:
    path = orders_file(tmp_path, 1024)
    write_manifest(tmp_path, {"sales_orders.csv": 1024})
    cut_to(path, 812)

    assert messages(tmp_path) == [
        "sales_orders.csv: 812 rows, the manifest says 1,024 (file cut short?)"
    ]


def test_rows_added_and_a_changed_value_are_errors_too(tmp_path: Path) -> None:
    path = orders_file(tmp_path, 3)
    write_manifest(tmp_path, {"sales_orders.csv": 3})
    original = path.read_text(encoding="utf-8")

    path.write_text(original + "SO9,C1,W1,2026-01-01,2026-01-05\n", encoding="utf-8")
    assert messages(tmp_path) == [
        "sales_orders.csv: 4 rows, the manifest says 3 (rows added after export?)"
    ]

    path.write_text(original.replace("SO1,", "SO7,"), encoding="utf-8")
    assert messages(tmp_path) == [
        "sales_orders.csv: 3 rows as the manifest says, but its SHA-256 differs "
        "(file changed after export?)"
    ]


def test_a_listed_file_that_is_missing_is_an_error(exported: Path) -> None:
    stock_rows = len(read_dataset(MINIMAL).dataset.stock)
    (exported / "stock.csv").unlink()

    assert messages(exported) == [
        f"stock.csv: file is missing, but manifest.json lists it with {stock_rows} rows"
    ]


def test_a_quoted_value_spanning_lines_is_one_row(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text('code,name\nC1,"two\nlines"\nC2,plain\n', encoding="utf-8")

    assert count_rows(path) == 2


def test_without_a_manifest_a_last_line_with_no_line_break_is_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "dataset"
    shutil.copytree(MINIMAL, folder)
    assert check_folder(folder).warnings == []
    orders = folder / "sales_orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")

    check = check_folder(folder)

    assert check.problems == []
    assert check.warnings == [
        "sales_orders.csv: the last line has no line break; was the file cut short?"
    ]


def test_an_empty_file_or_crlf_line_ends_are_no_sign_of_a_cut(tmp_path: Path) -> None:
    (tmp_path / "picks.csv").write_bytes(b"")
    (tmp_path / "returns.csv").write_bytes(b"return_id,customer\r\nR1,C1\r\n")

    assert check_folder(tmp_path).warnings == []


def test_a_file_the_manifest_does_not_list_is_checked_for_a_cut_and_named(
    tmp_path: Path,
) -> None:
    orders_file(tmp_path, 2)
    write_manifest(tmp_path, {"sales_orders.csv": 2})
    (tmp_path / "picks.csv").write_text("pick_id,order_id\nP1,SO1", encoding="utf-8")

    check = check_folder(tmp_path)

    assert check.problems == []
    assert check.warnings == [
        "picks.csv: the last line has no line break; was the file cut short?",
        "picks.csv: not listed in manifest.json, so it was not checked for being cut short",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON (line 1, column 2: Expecting property name enclosed in"),
        ("[]", 'not a dataset manifest (expected an object with "version" and "files")'),
        ('{"version": 2, "files": {}}', "version 2 is not one this Control Tower reads"),
        ('{"version": true, "files": {}}', "version true is not one this Control Tower reads"),
        ('{"version": 1, "files": []}', '"files" must be an object'),
        (
            '{"version": 1, "files": {"../secret.csv": {"rows": 1, "sha256": "ab"}}}',
            "lists '../secret.csv', which is not a file of the format",
        ),
        (
            '{"version": 1, "files": {"stock.csv": {"rows": -1, "sha256": "' + "a" * 64 + '"}}}',
            "the entry for 'stock.csv' needs \"rows\" (a whole number, 0 or more)",
        ),
        (
            '{"version": 1, "files": {"stock.csv": {"rows": 1, "sha256": "xyz"}}}',
            "the entry for 'stock.csv' needs",
        ),
    ],
)
def test_a_manifest_that_is_not_one_is_a_single_problem_naming_it(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / MANIFEST_NAME).write_text(text, encoding="utf-8")

    with pytest.raises(ManifestError, match="^" + re.escape(message)):
        read_manifest(tmp_path / MANIFEST_NAME)
    (problem,) = check_folder(tmp_path).problems
    assert str(problem).startswith(f"{MANIFEST_NAME}: {message}")


def test_a_manifest_that_is_not_utf8_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_bytes(b'{"version": 1, "files": {"\xff": 1}}')

    assert messages(tmp_path) == ["manifest.json: not valid UTF-8 text"]
