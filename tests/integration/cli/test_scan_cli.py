"""``controltower scan``: a dataset folder in, the scan JSON or a table out, nothing written."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import typer
from typer.testing import CliRunner, Result

from controltower.cli import scan_cmd
from controltower.schemas import load_scan_schema

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "datasets"
WORKED_EXAMPLE = FIXTURES / "worked_example"


def scan(*args: str) -> Result:
    app = typer.Typer()
    scan_cmd.register(app)

    @app.callback()
    def root() -> None:
        """Keep ``scan`` a named sub-command, as in the real application."""

    return CliRunner().invoke(app, ["scan", *args], env={"COLUMNS": "120"})


@pytest.fixture
def dataset_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "dataset"
    shutil.copytree(WORKED_EXAMPLE, folder)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_json_scan_of_the_worked_example_prints_only_the_documented_result(
    dataset_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)

    result = scan(str(dataset_copy), "--as-of", "2026-11-25", "--json")

    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.Draft202012Validator(load_scan_schema()).validate(document)
    assert document["as_of"] == "2026-11-25"
    summary = [
        (
            o["order_id"],
            o["status"],
            o["allocation"],
            o["blockers"],
            o["projected_ship_date"],
            o["at_risk"],
            o["days_late"],
        )
        for o in document["orders"]
    ]
    assert summary == [
        ("SO1", "dependent_on_inbound", "partial", ["inbound"], "2026-11-27", True, 1),
        ("SO2", "waiting_on_quality", "partial", ["quality"], "2026-11-27", False, 0),
    ]
    so1_line, so2_line = (o["lines"][0] for o in document["orders"])
    assert (so1_line["from_stock"], so1_line["from_inbound"][0]["qty"]) == (10, 10)
    assert (so2_line["from_stock"], so2_line["from_quality_hold"][0]["qty"]) == (15, 5)
    assert snapshot(tmp_path) == before, "scan must write nothing"


def test_table_scan_lists_each_order_and_a_summary_line() -> None:
    result = scan(str(WORKED_EXAMPLE), "--as-of", "2026-11-25")
    assert result.exit_code == 0, result.stderr
    assert "SO1" in result.stdout
    assert "SO2" in result.stdout
    assert "dependent on inbound" in result.stdout
    assert "waiting on quality" in result.stdout
    assert "2 open orders, 1 at risk (1 dependent_on_inbound);" in result.stdout


def test_policy_file_overrides_the_allocation_days(dataset_copy: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[allocation]\nreceipt_handling_days = 3\nquality_release_days = 0\n")
    result = scan(str(dataset_copy), "--as-of", "2026-11-25", "--json", "--policy", str(policy))
    assert result.exit_code == 0, result.stderr
    so1, so2 = json.loads(result.stdout)["orders"]
    assert so1["lines"][0]["from_inbound"][0]["available_date"] == "2026-11-29"
    assert so2["lines"][0]["from_quality_hold"][0]["available_date"] == "2026-11-25"


@pytest.mark.parametrize("output", [(), ("--json",)], ids=["table", "json"])
def test_an_invalid_policy_file_is_named_and_exits_2(
    tmp_path: Path, output: tuple[str, ...]
) -> None:
    # with --json the policy is loaded while the folder is being read
    policy = tmp_path / "policy.toml"
    policy.write_text("[allocation]\nreceipt_handling_days = -1\n")
    result = scan(str(WORKED_EXAMPLE), "--as-of", "2026-11-25", "--policy", str(policy), *output)
    assert result.exit_code == 2
    assert str(policy) in result.stderr
    assert "receipt_handling_days" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("bad", ["2026-13-01", "25/11/2026", "tomorrow", "2026-11-5"])
def test_a_bad_as_of_date_is_a_usage_error_with_exit_2(bad: str) -> None:
    result = scan(str(WORKED_EXAMPLE), "--as-of", bad, "--json")
    assert result.exit_code == 2
    assert "--as-of" in result.stderr
    assert bad in result.stderr
    assert result.stdout == ""


def test_as_of_defaults_to_today() -> None:
    result = scan(str(WORKED_EXAMPLE), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["as_of"] == date.today().isoformat()


def test_dataset_folder_is_required() -> None:
    result = scan("--as-of", "2026-11-25")
    assert result.exit_code == 2
    assert "DATASET_DIR" in result.stderr


def test_invalid_dataset_lists_its_problems_on_stderr_and_exits_1(dataset_copy: Path) -> None:
    lines = dataset_copy / "sales_order_lines.csv"
    lines.write_text(lines.read_text().replace("SO2,1,CBL-2X14,20", "SO2,1,CBL-2X14,lots"))
    result = scan(str(dataset_copy), "--as-of", "2026-11-25", "--json")
    assert result.exit_code == 1
    assert "sales_order_lines.csv:3:qty:" in result.stderr
    assert "1 problem; nothing was scanned." in result.stderr
    assert result.stdout == ""


def test_missing_dataset_folder_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    result = scan(str(tmp_path / "nowhere"), "--as-of", "2026-11-25")
    assert result.exit_code == 2
    assert "nowhere" in result.stderr


def test_warnings_go_to_stderr_and_leave_the_json_clean(dataset_copy: Path) -> None:
    (dataset_copy / "notes.txt").write_text("not part of the format\n")
    result = scan(str(dataset_copy), "--as-of", "2026-11-25", "--json")
    assert result.exit_code == 0, result.stderr
    assert "notes.txt" in result.stderr
    assert json.loads(result.stdout)["as_of"] == "2026-11-25"
