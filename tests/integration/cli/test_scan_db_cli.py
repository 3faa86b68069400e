"""``controltower scan --db``: the stored picture is analysed and its cases persisted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from controltower.cli import dataset_cmds, scan_cmd
from controltower.workflow import stored_scan

MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "minimal"


def run(*args: str) -> Result:
    app = typer.Typer()
    dataset_cmds.register(app)
    scan_cmd.register(app)
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "120"})


def counts(summary: str) -> dict[str, int]:
    return {
        word: int(n)
        for n, word in re.findall(r"(\d+) (opened|updated|resolved|reopened|closed)", summary)
    }


def test_stored_scan_persists_cases_and_a_rescan_of_the_same_picture_changes_none(
    database_url: str,
) -> None:
    imported = run("import", str(MINIMAL), "--no-scan", "--database-url", database_url)
    assert imported.exit_code == 0, imported.output

    first = run("scan", "--db", "--as-of", "2026-11-25", "--database-url", database_url)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("Scan run 1 as of 2026-11-25:")
    assert counts(first.stdout)["opened"] > 0

    second = run("scan", "--db", "--as-of", "2026-11-25", "--database-url", database_url)
    assert second.exit_code == 0, second.output
    assert second.stdout.startswith("Scan run 2 as of 2026-11-25:")
    assert counts(second.stdout) == {
        "opened": 0,
        "updated": 0,
        "resolved": 0,
        "reopened": 0,
        "closed": 0,
    }


def test_stored_scan_of_an_empty_database_says_there_is_nothing_to_scan(
    database_url: str,
) -> None:
    result = run("scan", "--db", "--as-of", "2026-11-25", "--database-url", database_url)
    assert result.exit_code == 1
    assert "Error:" in result.stderr


def test_a_folder_and_db_together_are_refused_as_a_usage_error() -> None:
    result = run("scan", str(MINIMAL), "--db", "--as-of", "2026-11-25")
    assert result.exit_code == 2
    assert "not both" in result.output


def test_a_persons_stored_scans_may_word_the_orders_in_a_forked_child(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the commands' own processes may fork (``workflow/order_texts_aside.py``); whether
    # one does is then the picture's size and day: here it is only asked
    asked: list[bool] = []

    def words_aside(_result: object, *, allowed: bool) -> bool:
        asked.append(allowed)
        return False

    monkeypatch.setattr(stored_scan, "words_aside", words_aside)
    imported = run("import", str(MINIMAL), "--as-of", "2026-11-25", "--database-url", database_url)
    assert imported.exit_code == 0, imported.output
    rescan = run("scan", "--db", "--as-of", "2026-11-26", "--database-url", database_url)
    assert rescan.exit_code == 0, rescan.output

    assert asked == [True, True]
