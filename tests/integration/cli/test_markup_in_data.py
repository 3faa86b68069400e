"""What the commands print is data: codes holding Rich markup (``SO[/]1``, ``[bold]``)
or emoji codes (``:warning:``) come out exactly as written, in lines and in tables,
on standard output and standard error, and never crash a command."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from controltower.cli.main import app
from helpers.odd_ids_business import MARKUP_CODES, families, write_odd_ids_folder

pytestmark = pytest.mark.database

COMPANY = "[bold]ACME[/] :warning:"
WAREHOUSE = "W[/]1:warning:"
#: what Rich makes of ``:warning:`` when it reads emoji codes
EMOJI = "\N{WARNING SIGN}"


def run(*args: str | Path, url: str | None = None) -> Result:
    """``controltower ARGS`` in a wide terminal, on the database ``url`` when given."""
    words = [str(arg) for arg in args] + (["--database-url", url] if url else [])
    return CliRunner().invoke(app, words, env={"COLUMNS": "200"})


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_odd_ids_folder(tmp_path / "odd", company=COMPANY, warehouse=WAREHOUSE)


def test_the_scan_table_prints_every_code_as_written(folder: Path) -> None:
    result = run("scan", folder, "--as-of", "2026-11-25")

    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if WAREHOUSE in line]
    missing = [
        (family.order, family.customer)
        for family in families()
        if not any(
            row.startswith(f"{family.order} ") and f" {family.customer} " in row for row in rows
        )
    ]
    assert missing == []
    assert len(rows) == len(families())
    assert EMOJI not in result.output


def test_import_scan_and_export_print_the_company_as_written(
    folder: Path, tmp_path: Path, migrated_database_url: str
) -> None:
    url = migrated_database_url
    imported = run("import", folder, "--no-scan", url=url)
    scanned = run("scan", "--db", "--as-of", "2026-11-25", url=url)
    unknown = run("scan", "--db", "--as-of", "2026-11-25", "--company", "[/]:warning:", url=url)
    exported = run("export", tmp_path / "out", url=url)

    assert imported.exit_code == scanned.exit_code == exported.exit_code == 0
    assert f"company {COMPANY}." in imported.stdout
    assert f"company {COMPANY}." in exported.stdout
    assert "15 open orders" in scanned.stdout
    assert unknown.exit_code == 1
    assert f"company '[/]:warning:'; stored companies: {COMPANY}" in unknown.output
    for result in (imported, scanned, unknown, exported):
        assert EMOJI not in result.output
    with (tmp_path / "out" / "sales_orders.csv").open(encoding="utf-8") as exported_orders:
        written = {row["order_id"] for row in csv.DictReader(exported_orders)}
    assert set(MARKUP_CODES) - {"CBL:x:2X:warning:14"} <= written


def test_a_problem_quoting_a_code_is_printed_as_written(folder: Path) -> None:
    (folder / "manifest.json").unlink(missing_ok=True)
    orders = folder / "sales_orders.csv"
    lines = orders.read_text(encoding="utf-8").splitlines()
    original = next(line for line in lines if line.startswith("SO[/]1,"))
    lines.append(original.replace("C[/]1", "C[/]:warning:404").replace("SO[/]1", "SO-new"))
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run("scan", folder, "--as-of", "2026-11-25")

    assert result.exit_code == 1
    assert "C[/]:warning:404" in result.output
    assert EMOJI not in result.output
    assert "Traceback" not in result.output


def test_user_commands_print_scopes_teams_and_known_codes_as_written(
    folder: Path, migrated_database_url: str
) -> None:
    url = migrated_database_url
    assert run("import", folder, url=url).exit_code == 0
    added = run("user", "add", "ann", "--role", "frontline", "--warehouse", WAREHOUSE, url=url)
    unknown = run("user", "add", "bob", "--role", "frontline", "--warehouse", "[red]X[/]", url=url)
    listed = run("user", "list", url=url)

    assert added.exit_code == unknown.exit_code == listed.exit_code == 0, listed.output
    assert f"warehouses {WAREHOUSE}" in added.stdout
    assert f"'[red]X[/]' (known: {WAREHOUSE})" in unknown.output
    assert f"warehouses {WAREHOUSE}" in listed.stdout
    assert "warehouses [red]X[/]" in listed.stdout
    for result in (added, unknown, listed):
        assert EMOJI not in result.output
