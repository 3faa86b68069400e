"""The daily loop's date: ``--as-of`` is today unless given, and a stored scan never goes
back to a day before the last stored scan of its companies."""

from __future__ import annotations

import json
import re
from datetime import date

from helpers.cli_runs import (
    MINIMAL,
    MINIMAL_AS_OF,
    assert_refused,
    database_dump,
    run_cli,
)

GOING_BACK = (
    "Error: --as-of 2026-11-24 is before the last scan (as of 2026-11-25): a stored scan "
    "only moves forward; scan a dataset folder to look at the past"
)


def test_a_folder_is_scanned_as_of_today_unless_as_of_says_otherwise() -> None:
    today = run_cli("scan", MINIMAL, "--json")
    given = run_cli("scan", MINIMAL, "--json", "--as-of", MINIMAL_AS_OF)

    assert today.exit_code == 0, today.output
    assert json.loads(today.stdout)["as_of"] == date.today().isoformat()
    assert given.exit_code == 0, given.output
    assert json.loads(given.stdout)["as_of"] == MINIMAL_AS_OF


def test_a_stored_scan_without_as_of_is_as_of_today(database_url: str) -> None:
    imported = run_cli("import", MINIMAL, "--no-scan", "--database-url", database_url)
    scanned = run_cli("scan", "--db", "--database-url", database_url)

    assert imported.exit_code == 0, imported.output
    assert scanned.exit_code == 0, scanned.output
    assert scanned.stdout.startswith(f"Scan run 1 as of {date.today().isoformat()}:")


def test_every_command_taking_as_of_says_it_defaults_to_today() -> None:
    for command in ("scan", "import", "demo"):
        result = run_cli(command, "--help")

        assert result.exit_code == 0, result.output
        described = re.search(r"--as-of\s+DATE\s+(.*?\(default: today\))", result.stdout, re.S)
        assert described is not None, (command, result.stdout)


def test_a_stored_scan_dated_before_the_last_one_is_refused_and_writes_nothing(
    database_url: str,
) -> None:
    assert run_cli("import", MINIMAL, "--no-scan", "--database-url", database_url).exit_code == 0
    first = run_cli("scan", "--db", "--as-of", MINIMAL_AS_OF, "--database-url", database_url)
    assert first.exit_code == 0, first.output
    before = database_dump(database_url)

    back = run_cli("scan", "--db", "--as-of", "2026-11-24", "--database-url", database_url)

    assert assert_refused(back, 2) == GOING_BACK
    assert database_dump(database_url) == before
    again = run_cli("scan", "--db", "--as-of", MINIMAL_AS_OF, "--database-url", database_url)
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(f"Scan run 2 as of {MINIMAL_AS_OF}:")


def test_the_last_scan_counts_across_a_new_import_of_the_same_company(
    database_url: str,
) -> None:
    assert run_cli("import", MINIMAL, "--no-scan", "--database-url", database_url).exit_code == 0
    first = run_cli("scan", "--db", "--as-of", MINIMAL_AS_OF, "--database-url", database_url)
    assert first.exit_code == 0, first.output
    assert run_cli("import", MINIMAL, "--no-scan", "--database-url", database_url).exit_code == 0
    before = database_dump(database_url)

    back = run_cli("scan", "--db", "--as-of", "2026-11-24", "--database-url", database_url)

    assert assert_refused(back, 2) == GOING_BACK
    assert database_dump(database_url) == before


def test_an_import_whose_scan_would_go_back_is_refused_before_anything_is_stored(
    database_url: str,
) -> None:
    first = run_cli("import", MINIMAL, "--as-of", MINIMAL_AS_OF, "--database-url", database_url)
    assert first.exit_code == 0, first.output
    before = database_dump(database_url)

    back = run_cli("import", MINIMAL, "--as-of", "2026-11-24", "--database-url", database_url)

    line = assert_refused(back, 2, "--as-of 2026-11-24", "(as of 2026-11-25)", "--no-scan")
    assert "nothing was imported" in line
    assert database_dump(database_url) == before


def test_the_demo_does_not_go_back_before_its_last_scan(database_url: str) -> None:
    demo = ["demo", "--size", "small", "--no-serve", "--database-url", database_url]
    first = run_cli(*demo, "--as-of", MINIMAL_AS_OF)
    assert first.exit_code == 0, first.output
    before = database_dump(database_url)

    back = run_cli(*demo, "--as-of", "2026-11-24")

    assert_refused(back, 2, "--as-of 2026-11-24", "(as of 2026-11-25)", "--database-url")
    assert database_dump(database_url) == before
