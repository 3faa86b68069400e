"""``controltower policy check`` and ``policy show``, and a bad policy file refused by
every command that loads one before it does anything."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import Result

from controltower.policy import Policy, load_policy
from helpers.cli_runs import MINIMAL, MINIMAL_AS_OF, database_dump, run_cli, stderr_lines

BAD_POLICY = """\
[detectors.stock_shortage]
enabld = true

[sla.response_hours]
high = "soon"

[[routing.rules]]
type = "credit_hold"
team = "credit_control"

[[routing.rules]]
type = "order_at_rsk"
team = "key_accounts"
"""

BAD_LINES = [
    '{f}:2: detectors.stock_shortage.enabld: unknown setting (did you mean "enabled"?)',
    '{f}:5: sla.response_hours.high: must be a number of hours, got "soon"',
    '{f}:12: routing.rules[2].type: unknown value "order_at_rsk" (did you mean "order_at_risk"?)',
]

GOOD_POLICY = """\
[detectors.pricing_variance]
tolerance_pct = 2.5

[[routing.rules]]
type = "order_at_risk"
customer_tier = "strategic"
team = "key_accounts"

[sla.by_type.order_at_risk]
high = 3

[clock]
business_day_start = "07:30"
"""


def _write(folder: Path, text: str, name: str = "policy.toml") -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def _no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


# --- policy check -------------------------------------------------------------------------


def test_check_of_a_valid_file_says_so_and_exits_0(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_POLICY)
    result = run_cli("policy", "check", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: the policy is valid\n"
    assert result.stderr == ""


def test_check_reports_every_problem_one_line_each_then_the_count(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD_POLICY)
    result = run_cli("policy", "check", path)
    _no_traceback(result)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert stderr_lines(result) == [
        *(line.format(f=path) for line in BAD_LINES),
        f"Error: {path}: 3 problems; the policy is not valid.",
    ]


def test_check_reports_broken_toml_at_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "[allocation]\nquality_release_days = 2\nreceipt_handling_days = [\n")
    result = run_cli("policy", "check", path)
    _no_traceback(result)
    assert result.exit_code == 2
    first, last = stderr_lines(result)
    assert first.startswith(f"{path}:4: not valid TOML: ")
    assert last == f"Error: {path}: 1 problem; the policy is not valid."


@pytest.mark.parametrize(("name", "why"), [("none.toml", "not found"), ("", "a folder")])
def test_check_of_a_file_that_cannot_be_read_is_one_line(
    tmp_path: Path, name: str, why: str
) -> None:
    path = tmp_path / name if name else tmp_path
    result = run_cli("policy", "check", path)
    _no_traceback(result)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = stderr_lines(result)
    assert line.startswith(f"Error: {path}: ")
    assert why in line


def test_check_without_a_file_is_a_usage_error() -> None:
    result = run_cli("policy", "check")
    _no_traceback(result)
    assert result.exit_code == 2
    (line,) = stderr_lines(result)
    assert "FILE" in line


# --- policy show --------------------------------------------------------------------------


def _settings_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith(("#", "["))]


def test_show_without_a_file_prints_every_default_and_reads_back_as_the_defaults() -> None:
    result = run_cli("policy", "show", env={"CONTROLTOWER_POLICY_FILE": None})
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    text = result.stdout
    assert text.splitlines()[0] == "# The policy in force: the defaults (no policy file given)."
    assert all(line.endswith("  # default") for line in _settings_lines(text))
    assert Policy.model_validate(tomllib.loads(text)) == load_policy()
    headers = [line for line in text.splitlines() if line.startswith("[")]
    sections = [header.strip("[]").split(".")[0] for header in headers]
    assert list(dict.fromkeys(sections)) == list(Policy.model_fields)


def test_show_marks_what_the_file_sets_and_reads_back_as_the_same_policy(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_POLICY, "mine.toml")
    result = run_cli("policy", "show", "--policy", path)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.splitlines()[0] == (
        f"# The policy in force: the defaults, with {path} (--policy) over them."
    )
    assert "\ntolerance_pct = 2.5  # from mine.toml\n" in text
    assert '\nbusiness_day_start = "07:30"  # from mine.toml\n' in text
    assert '\nbusiness_day_end = "18:00"  # default\n' in text
    assert "\n[[routing.rules]]  # from mine.toml\n" in text
    from_file = [line for line in _settings_lines(text) if line.endswith("# from mine.toml")]
    assert len(from_file) == 6
    # the text as printed, comments and all, is a policy file giving the same policy
    shown = _write(tmp_path, text, "shown.toml")
    assert load_policy(shown) == load_policy(path)
    assert load_policy(shown) != load_policy()
    assert run_cli("policy", "check", shown).exit_code == 0


def test_show_uses_the_file_the_environment_names_unless_policy_is_given(tmp_path: Path) -> None:
    named = _write(tmp_path, "[lifecycle]\nclear_after_scans = 5\n", "named.toml")
    given = _write(tmp_path, "[lifecycle]\nclear_after_scans = 4\n", "given.toml")
    environment = {"CONTROLTOWER_POLICY_FILE": str(named)}

    from_environment = run_cli("policy", "show", env=environment)
    assert from_environment.exit_code == 0, from_environment.output
    first = from_environment.stdout.splitlines()[0]
    assert first == (
        f"# The policy in force: the defaults, with {named} ($CONTROLTOWER_POLICY_FILE) over them."
    )
    assert "\nclear_after_scans = 5  # from named.toml\n" in from_environment.stdout

    from_option = run_cli("policy", "show", "--policy", given, env=environment)
    assert from_option.exit_code == 0, from_option.output
    assert "\nclear_after_scans = 4  # from given.toml\n" in from_option.stdout
    assert str(named) not in from_option.stdout


def test_show_of_a_bad_file_prints_nothing_but_the_problems(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD_POLICY)
    result = run_cli("policy", "show", env={"CONTROLTOWER_POLICY_FILE": str(path)})
    _no_traceback(result)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert stderr_lines(result) == [
        *(line.format(f=path) for line in BAD_LINES),
        f"Error: {path}: 3 problems; nothing was shown.",
    ]


# --- a bad policy never replaces the one in force -----------------------------------------


@pytest.fixture
def imported(database_url: str) -> str:
    """The minimal dataset stored, unscanned."""
    result = run_cli("import", MINIMAL, "--no-scan", "--database-url", database_url)
    assert result.exit_code == 0, result.output
    return database_url


@pytest.mark.parametrize(
    ("words", "env"),
    [
        pytest.param(("scan", "--db", "--policy", "{policy}"), {}, id="scan --db"),
        pytest.param(
            ("import", str(MINIMAL), "--as-of", MINIMAL_AS_OF, "--policy", "{policy}"),
            {},
            id="import",
        ),
        pytest.param(("worker", "--once", "--policy", "{policy}"), {}, id="worker"),
        pytest.param(
            ("scan", "--db"), {"CONTROLTOWER_POLICY_FILE": "{policy}"}, id="scan --db (environment)"
        ),
        pytest.param(
            ("import", str(MINIMAL), "--as-of", MINIMAL_AS_OF),
            {"CONTROLTOWER_POLICY_FILE": "{policy}"},
            id="import (environment)",
        ),
        pytest.param(
            ("demo", "--size", "small", "--no-serve", "--replace"),
            {"CONTROLTOWER_POLICY_FILE": "{policy}"},
            id="demo",
        ),
        pytest.param(
            ("user", "add", "ann", "--role", "manager", "--team", "planning"),
            {"CONTROLTOWER_POLICY_FILE": "{policy}"},
            id="user add (the policy's teams)",
        ),
    ],
)
def test_a_command_given_a_bad_policy_refuses_it_and_writes_nothing(
    imported: str, tmp_path: Path, words: tuple[str, ...], env: dict[str, str]
) -> None:
    path = _write(tmp_path, BAD_POLICY)
    before = database_dump(imported)
    no_odoo: dict[str, str | None] = {"ODOO_URL": None, "ODOO_DB": None, "ODOO_LOGIN": None}
    result = run_cli(
        *(word.format(policy=path) for word in words),
        "--database-url",
        imported,
        env={**no_odoo, "ODOO_API_KEY": None, **{k: v.format(policy=path) for k, v in env.items()}},
    )
    _no_traceback(result)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert stderr_lines(result) == [
        *(line.format(f=path) for line in BAD_LINES),
        f"Error: {path}: 3 problems; nothing was done.",
    ]
    assert database_dump(imported) == before


def test_the_stateless_scan_refuses_a_bad_policy_the_same_way(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD_POLICY)
    result = run_cli("scan", MINIMAL, "--as-of", MINIMAL_AS_OF, "--json", "--policy", path)
    _no_traceback(result)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert stderr_lines(result)[-1] == f"Error: {path}: 3 problems; nothing was done."
