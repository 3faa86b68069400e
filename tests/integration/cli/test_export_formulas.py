"""``controltower export --safe-for-spreadsheets``: no cell a spreadsheet would run.

A name such as ``=cmd|' /C calc'!A0`` is data like any other, and by default ``export``
writes it back exactly (the round trip through ``import`` is exact). Opened in a
spreadsheet, though, such a cell runs as a formula (CSV injection); the option writes
it with a leading ``'`` instead, and leaves numbers (a negative amount too) alone.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from controltower.cli.dataset_cmds import register
from controltower.connectors.dataset import read_dataset, write_dataset
from controltower.connectors.dataset.writer import neutralise_formula
from controltower.domain.model import Dataset

pytestmark = pytest.mark.database

MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "minimal"

#: customer names that start like a formula, and the cell each must become
FORMULAS = {
    "=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
    "+41 shop": "'+41 shop",
    "-2+3": "'-2+3",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
}


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def run(app: typer.Typer, *args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args])


def hostile_dataset() -> Dataset:
    """The minimal dataset (with its negative invoice amount), formula-like names given to
    its customers and products."""
    dataset = read_dataset(MINIMAL).dataset
    names = iter(FORMULAS)
    customers = [replace(c, name=next(names, c.name)) for c in dataset.customers]
    products = [replace(p, name=next(names, p.name)) for p in dataset.products]
    assert next(names, None) is None, "the fixture needs more customers and products"
    return replace(dataset, customers=customers, products=products)


def names(folder: Path) -> set[str]:
    return {*cells(folder / "customers.csv", "name"), *cells(folder / "products.csv", "name")}


def imported(app: typer.Typer, tmp_path: Path, database_url: str) -> Dataset:
    source = tmp_path / "source"
    dataset = hostile_dataset()
    write_dataset(dataset, source)
    result = run(app, "import", source, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    return dataset


def cells(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def test_export_keeps_formula_text_exactly_by_default(
    app: typer.Typer, tmp_path: Path, database_url: str
) -> None:
    dataset = imported(app, tmp_path, database_url)
    out = tmp_path / "out"
    result = run(app, "export", out, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    assert set(FORMULAS) <= names(out)
    assert read_dataset(out).dataset == dataset


def test_export_safe_for_spreadsheets_neutralises_every_formula_cell(
    app: typer.Typer, tmp_path: Path, database_url: str
) -> None:
    dataset = imported(app, tmp_path, database_url)
    out = tmp_path / "out"
    result = run(app, "export", out, "--database-url", database_url, "--safe-for-spreadsheets")
    assert result.exit_code == 0, result.output

    assert set(FORMULAS.values()) <= names(out)
    for folder_file in out.glob("*.csv"):
        with folder_file.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for cell in row.values():
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (folder_file, cell)
    # only the formula-like text changed: the rest, a negative amount too, reads back as it was
    assert "-120" in cells(out / "invoices.csv", "amount_residual")
    read = read_dataset(out).dataset
    assert sorted(read.customers, key=lambda c: c.code) == sorted(
        (replace(c, name=c.name and neutralise_formula(c.name)) for c in dataset.customers),
        key=lambda c: c.code,
    )
    assert sorted(read.products, key=lambda p: p.sku) == sorted(
        (replace(p, name=p.name and neutralise_formula(p.name)) for p in dataset.products),
        key=lambda p: p.sku,
    )
    assert read.sales_order_lines == dataset.sales_order_lines
    assert read.invoices == dataset.invoices


@pytest.mark.parametrize(
    ("text", "written"),
    [
        *FORMULAS.items(),
        ("\tx", "'\tx"),
        ("\r=1", "'\r=1"),
        ("Northwind = best", "Northwind = best"),
        ("", ""),
    ],
)
def test_neutralise_formula_prefixes_only_formula_starts(text: str, written: str) -> None:
    assert neutralise_formula(text) == written
